"""hotkey: pings where one client sends most of the rows (a seeded hot key)."""
from __future__ import annotations

from dcs_engine.inputs.demo import _u, dataset

HOT_CLIENT = "client-hot"
HOT_SHARE = 0.6


@dataset("hotkey", "Pings per client where one client ('client-hot') sends about 60% of all rows; "
                   "the other rows spread evenly over rows/50 clients. For skew and salting.")
def hotkey(spark, rows: int, seed: int):
    from pyspark.sql import functions as F

    n_cold = max(1, rows // 50)
    i = F.col("id")
    cold = F.concat(F.lit("client-"), F.pmod(F.xxhash64(i, F.lit(seed), F.lit(21)), F.lit(n_cold)).cast("string"))
    df = spark.range(0, rows, numPartitions=max(1, min(64, rows // 250_000 + 2)))
    return df.select(
        i.alias("ping_id"),
        F.when(_u(i, seed, 22) < HOT_SHARE, F.lit(HOT_CLIENT)).otherwise(cold).alias("client_id"),
        F.floor(_u(i, seed, 23) * 86_400 * 7).cast("long").alias("ts"),
        F.round(_u(i, seed, 24) * 100, 3).alias("value"),
    )
