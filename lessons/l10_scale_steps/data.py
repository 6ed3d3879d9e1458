"""Pings with an app_version like '52.0.1'; about 1 in 3,000 says 'unknown'."""
from dcs_engine.inputs.demo import _u

ROWS = 12000
SEED = 10
UNKNOWN_SHARE = 1 / 3000


def make(spark, rows: int = ROWS, seed: int = SEED):
    from pyspark.sql import functions as F

    i = F.col("id")
    major = (F.floor(_u(i, seed, 1) * 6) + 50).cast("int").cast("string")
    minor = F.floor(_u(i, seed, 2) * 3).cast("int").cast("string")
    version = F.concat_ws(".", major, F.lit("0"), minor)
    return spark.range(0, rows, numPartitions=4).select(
        i.alias("ping_id"),
        F.when(_u(i, seed, 3) < UNKNOWN_SHARE, F.lit("unknown")).otherwise(version).alias("app_version"),
    )
