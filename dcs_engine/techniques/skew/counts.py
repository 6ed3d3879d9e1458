"""Counting for the skew check: rows per key (top, bottom and a log-binned histogram), rows per
partition as read and as a shuffle on the key would lay them out, and task times per stage.

Everything goes through the DataFrame API (no ``df.rdd``), so it runs on classic Spark and on Spark
Connect alike; the one thing Connect cannot say without a job -- how many partitions a source has,
empty ones included -- is read from the stage that counted them.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class KeyCounts:
    total: int
    distinct: int
    median: float
    top: tuple[tuple[str, int, float], ...]      # (key, rows, share), most rows first
    bottom: tuple[tuple[str, int, float], ...]   # the rarest keys, fewest rows first
    histogram: tuple[tuple[int, int, int, int], ...]  # (rows from, rows to, keys, rows) per power of two


@dataclass(frozen=True)
class StageSkew:
    stage_id: int
    name: str
    tasks: int
    median_s: float
    max_s: float
    data_median_mb: float
    data_max_mb: float
    time_skew: bool
    data_skew: bool


def median(values) -> float:
    return float(statistics.median(values)) if values else 0.0


def _label(row, keys) -> str:
    return "/".join("null" if row[k] is None else str(row[k]) for k in keys)


def key_counts(df, keys, top: int = 10) -> KeyCounts:
    """Rows per key: totals, the median key, the ``top`` largest and smallest keys, and how many keys
    have 1, 2-3, 4-7, ... rows (one bin per power of two)."""
    from pyspark.sql import functions as F

    counts = df.groupBy(*keys).count().cache()
    try:
        stats = counts.agg(F.sum("count").alias("rows"), F.count("*").alias("keys"),
                           F.percentile_approx("count", 0.5, 10_000).alias("median")).first()
        high = counts.orderBy(F.desc("count"), *keys).limit(top).collect()
        low = counts.orderBy(F.asc("count"), *keys).limit(top).collect()
        bins = (counts.groupBy(F.floor(F.log2("count")).cast("int").alias("bin"))
                .agg(F.count("*").alias("keys"), F.sum("count").alias("rows")).orderBy("bin").collect())
    finally:
        counts.unpersist()
    total, distinct = int(stats["rows"] or 0), int(stats["keys"] or 0)

    def share(rows):
        return tuple((_label(r, keys), int(r["count"]), (r["count"] / total) if total else 0.0) for r in rows)

    hist = tuple((2 ** int(b["bin"]), 2 ** (int(b["bin"]) + 1) - 1, int(b["keys"]), int(b["rows"])) for b in bins)
    return KeyCounts(total, distinct, float(stats["median"] or 0), share(high), share(low), hist)


def rows_by_partition_id(df, pid) -> dict[int, int]:
    return {int(r[0]): int(r[1]) for r in df.select(pid.alias("p")).groupBy("p").count().collect()}


def source_partitions(ctx, df) -> tuple[tuple[int, ...], str]:
    """Rows per partition as the source is read, and how the partitions were counted."""
    from pyspark.sql import functions as F

    with ctx.tagged("source-partitions") as tag:
        got = rows_by_partition_id(df, F.spark_partition_id())
    if ctx.has("rdd"):
        n, how = df.rdd.getNumPartitions(), "every partition (df.rdd.getNumPartitions)"
    else:
        stages = ctx.metrics({0: tag})[0].stages
        n = min(stages, key=lambda s: s.stage_id).num_tasks if stages else 0
        how = ("every partition (the tasks of the stage that counted them)" if n else
               "only partitions that hold rows (Spark Connect has no df.rdd and the server's UI did not say "
               "how many there are)")
    n = max(n, max(got, default=-1) + 1)
    return tuple(got.get(i, 0) for i in range(n)), how


def key_partitions(df, keys, partitions: int) -> tuple[int, ...]:
    """Rows per partition as a hash shuffle on ``keys`` lays them out (``pmod(hash(keys), n)``, Spark's
    own HashPartitioning), without shuffling anything."""
    from pyspark.sql import functions as F

    got = rows_by_partition_id(df, F.pmod(F.hash(*keys), F.lit(partitions)))
    return tuple(got.get(i, 0) for i in range(partitions))


def _stage_name(name: str) -> str:
    """A stage's name, short: Spark Connect names every stage after its session and the plan's text."""
    first = (name or "").splitlines()[0] if name else ""
    return "a Spark Connect operation" if first.startswith("Spark Connect - ") else first[:60]


def stage_skew(stages, max_s: float, time_ratio: float, data_ratio: float, data_min_mb: float):
    """(StageSkew per stage with task quantiles, ids of the stages without them)."""
    out, unread = [], []
    for m in stages:
        if m.num_tasks < 2:
            continue
        if m.task_max_ms is None:
            unread.append(m.stage_id)
            continue
        med, mx = (m.task_median_ms or 0) / 1000, m.task_max_ms / 1000
        dmed, dmax = (m.task_data_median or 0) / 2**20, (m.task_data_max or 0) / 2**20
        out.append(StageSkew(m.stage_id, _stage_name(m.name), m.num_tasks, med, mx,
                             dmed, dmax, mx > max_s and mx > time_ratio * max(med, 1e-3),
                             dmax > data_ratio * max(dmed, 1e-9) and dmax > data_min_mb))
    return tuple(out), tuple(unread)
