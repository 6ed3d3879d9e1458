"""categories: the talk's sampling example -- 80% 'a', 20% 'b' or 'c' -- plus a rare 0.1% stratum."""
from __future__ import annotations

from dcs_engine.inputs.demo import _u, dataset

# Shares: 'r' 0.1%, 'a' 80%, 'b' and 'c' the rest (about 9.95% each).
RARE_SHARE = 0.001
RATES = {"a": 0.05, "b": 0.10, "c": 0.10, "r": 0.30}  # chance that 'converted' is true


@dataset("categories", "The talk's sampling case: category 'a' on 80% of rows, 'b' or 'c' on 20%, and a "
                       "rare 0.1% category 'r'; a boolean 'converted' whose rate differs per category.")
def categories(spark, rows: int, seed: int):
    from pyspark.sql import functions as F

    i = F.col("id")
    u = _u(i, seed, 31)
    cat = (F.when(u < RARE_SHARE, F.lit("r"))
            .when(u < RARE_SHARE + 0.8, F.lit("a"))
            .when(u < RARE_SHARE + 0.8 + (0.2 - RARE_SHARE) / 2, F.lit("b"))
            .otherwise(F.lit("c")))
    rate = (F.when(cat == "a", RATES["a"]).when(cat == "b", RATES["b"]).when(cat == "c", RATES["c"])
            .otherwise(RATES["r"]))
    df = spark.range(0, rows, numPartitions=max(1, min(64, rows // 250_000 + 2)))
    return df.select(i.alias("row_id"), cat.alias("category"), (_u(i, seed, 32) < rate).alias("converted"),
                     F.round(_u(i, seed, 33) * 50, 2).alias("amount"))
