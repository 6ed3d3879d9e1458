"""What the session has to run tasks on: executors and cores, task slots, and a DataFrame's partitions,
on either kind of session (classic: the SparkContext; Spark Connect: the server UI's REST API where it
can be reached, else what a tiny job shows)."""
from __future__ import annotations

from dataclasses import dataclass

from dcs_engine.runtime.metrics import get_json


@dataclass(frozen=True)
class Executors:
    """The executors that run tasks (the driver left out on a cluster), and how that was learnt."""

    count: int
    cores: int
    memory: str
    how: str


def executors(base: str | None) -> Executors | None:
    """Executors and their cores from the REST API's executor list (None without REST)."""
    if base is None:
        return None
    try:
        found = [e for e in get_json(f"{base}/executors") if e.get("isActive", True)]
    except Exception:
        return None
    workers = [e for e in found if e.get("id") != "driver"] or found  # local mode: the driver runs tasks
    cores = sum(int(e.get("totalCores", 0)) for e in workers)
    memory = max((int(e.get("maxMemory", 0)) for e in workers), default=0)
    return Executors(len(workers), cores, f"{memory / 2**20:,.0f} MiB storage memory" if memory else "unknown",
                     "the Spark UI's REST API (/executors)")


def task_slots(ctx) -> int:
    """How many tasks the session runs at once (classic: default parallelism; Connect: the cores the
    server's REST API lists, else the partitions of ``spark.range``, which default to it)."""
    if ctx.has("spark_context"):
        return max(1, int(ctx.spark.sparkContext.defaultParallelism))
    found = executors(ctx.rest_base())
    if found is not None and found.cores:
        return found.cores
    return max(1, len(ctx.tally(ctx.spark.range(0, 1024), lambda batches: 0)))


def partition_count(ctx, df) -> tuple[int | None, str]:
    """How many partitions ``df`` has, and how that was learnt.  Classic: ``df.rdd.getNumPartitions()``
    (no job).  Spark Connect has no ``df.rdd``: a job counts rows per ``spark_partition_id()`` with no
    column read, and its first stage's tasks -- one per partition, empty ones too -- say how many
    (None when the server's UI cannot be asked)."""
    if ctx.has("rdd"):
        return df.rdd.getNumPartitions(), "df.rdd.getNumPartitions()"
    from pyspark.sql import functions as F

    with ctx.tagged("partitions") as tag:
        seen = df.select(F.spark_partition_id().alias("p")).distinct().count()
    stages = ctx.metrics({0: tag})[0].stages
    if stages:
        return min(stages, key=lambda s: s.stage_id).num_tasks, "the tasks of a stage that read every partition"
    return None, f"unknown: Spark Connect has no df.rdd and the server's UI did not list the job ({seen} hold rows)"
