"""Pings of rows/40 clients (about 40 each) over one day: timestamp ts (seconds) and a value."""
from dcs_engine.inputs.demo import _u

ROWS = 600
SEED = 66


def make(spark, rows: int = ROWS, seed: int = SEED):
    from pyspark.sql import functions as F

    n_clients = max(1, rows // 40)
    i = F.col("id")
    return spark.range(0, rows, numPartitions=2).select(
        i.alias("ping_id"),
        F.concat(F.lit("client-"), F.pmod(F.xxhash64(i, F.lit(seed), F.lit(1)), F.lit(n_clients)).cast("string"))
         .alias("client_id"),
        F.floor(_u(i, seed, 2) * 86_400).cast("long").alias("ts"),
        F.round(_u(i, seed, 3) * 100, 3).alias("value"),
    )
