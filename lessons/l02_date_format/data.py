"""Pings with a YYYYMMDD text submission_date from 2016-03-01 to 2017-05-25 (the day before 'today')."""
from dcs_engine.inputs.demo import _u

ROWS = 5000
SEED = 22
FIRST_DAY = "2016-03-01"
DAYS = 451   # 2016-03-01 .. 2017-05-25


def make(spark, rows: int = ROWS, seed: int = SEED):
    from pyspark.sql import functions as F

    i = F.col("id")
    day = F.floor(_u(i, seed, 1) * DAYS).cast("int")
    return spark.range(0, rows, numPartitions=2).select(
        i.alias("ping_id"),
        F.date_format(F.date_add(F.lit(FIRST_DAY).cast("date"), day), "yyyyMMdd").alias("submission_date"),
        F.when(_u(i, seed, 2) < 0.7, F.lit("release")).otherwise(F.lit("beta")).alias("channel"),
    )
