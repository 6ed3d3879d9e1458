from pyspark.sql import functions as F


@F.udf("int")
def major(version):
    try:
        return int(version.split('.')[0])
    except (ValueError, AttributeError):      # 'unknown', '', None: no major version
        return None


def pings_per_major(df):
    return df.groupBy(major("app_version").alias("major")).agg(F.count("*").alias("pings"))
