from pyspark.sql import functions as F


@F.udf("int")
def major(version):
    return int(version.split('.')[0])


def pings_per_major(df):
    return df.groupBy(major("app_version").alias("major")).agg(F.count("*").alias("pings"))
