"""pairs: pings of a fixed set of clients, for all-pairs-within-a-key jobs.

The number of clients depends on the full size only (rows // 10000), so a 10%
sample has 10x fewer rows per client: comparing all pairs within a client
costs (rows per client)^2, and the ladder sees a quadratic job.
"""
from __future__ import annotations

from dcs_engine.inputs.demo import _u, dataset

ROWS_PER_CLIENT = 10_000


@dataset("pairs", "Pings of rows/10,000 clients (about 10,000 each) with a timestamp over a week and a value: "
                  "the input of the all-pairs demo job.")
def pairs(spark, rows: int, seed: int):
    from pyspark.sql import functions as F

    n_clients = max(1, rows // ROWS_PER_CLIENT)
    i = F.col("id")
    client = F.concat(F.lit("client-"), F.pmod(F.xxhash64(i, F.lit(seed), F.lit(41)), F.lit(n_clients)).cast("string"))
    df = spark.range(0, rows, numPartitions=max(2, min(64, rows // 250_000 + 2)))
    return df.select(i.alias("ping_id"), client.alias("client_id"),
                     F.floor(_u(i, seed, 42) * 86_400 * 7).cast("long").alias("ts"),
                     F.round(_u(i, seed, 43) * 100, 3).alias("value"))
