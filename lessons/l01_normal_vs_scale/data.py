"""Records with a numeric `field` stored as text; about 0.3% of them have no value (None)."""
from dcs_engine.inputs.demo import _u

ROWS = 4000
SEED = 11
NONE_SHARE = 0.003


def make(spark, rows: int = ROWS, seed: int = SEED):
    from pyspark.sql import functions as F

    i = F.col("id")
    value = F.format_number(F.lit(0.5) + _u(i, seed, 1) * 2, 2)
    return spark.range(0, rows, numPartitions=2).select(
        i.alias("record_id"),
        F.when(_u(i, seed, 2) < NONE_SHARE, F.lit(None).cast("string")).otherwise(value).alias("field"),
    )
