"""Write event logs of applications unlike the project's demo jobs (run in a subprocess, one JVM).

argv[1] is JSON: {"out": DIR, "scenarios": [names]}.  Each scenario runs in its own
SparkContext with ``spark.eventLog.enabled=true``; one JSON line per scenario is printed
(``scenario``, ``app_id``, ``dir``, ``expect``: what the app did, for the tests to check).
Works with pyspark 3.5 and 4.x (the 3.5 venv runs it too).  ``killed`` must come last:
it kills its own JVM mid-job.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

BASE = {"spark.ui.enabled": "false", "spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1",
        "spark.pyspark.python": sys.executable, "spark.sql.shuffle.partitions": "4",
        "spark.eventLog.compress": "false", "spark.eventLog.rolling.enabled": "false"}


def session(name: str, log_dir: Path, conf: dict, master: str = "local[2]"):
    from pyspark.sql import SparkSession

    log_dir.mkdir(parents=True, exist_ok=True)
    b = SparkSession.builder.master(master).appName(name)
    for k, v in {**BASE, "spark.eventLog.enabled": "true", "spark.eventLog.dir": log_dir.as_uri(), **conf}.items():
        b = b.config(k, v)
    return b.getOrCreate()


def sql_aqe(spark, work: Path) -> dict:
    """Many joins with AQE on: coalesced shuffle partitions and a skew-join split."""
    from pyspark.sql import functions as F

    facts = spark.range(0, 40_000, numPartitions=4).select(
        F.when(F.col("id") % 10 < 7, F.lit(0)).otherwise(F.col("id") % 50).alias("k"), F.col("id").alias("v"))
    dims = [spark.range(0, 50).select(F.col("id").alias("k"), (F.col("id") * i).alias(f"d{i}")) for i in range(3)]
    joined = facts
    for d in dims:
        joined = joined.join(d, "k")
    joined.groupBy("k").agg(F.sum("v"), F.max("d2")).collect()
    facts.createOrReplaceTempView("facts")
    spark.sql("select a.k, count(*) from facts a join facts b on a.v = b.v group by a.k").collect()
    return {"sql_min": 2}


def streaming(spark, work: Path) -> dict:
    """A rate source into a memory sink for a few micro-batches (StreamingQueryListener events)."""
    q = (spark.readStream.format("rate").option("rowsPerSecond", 50).load()
         .groupBy().count().writeStream.format("memory").queryName("rate_counts")
         .outputMode("complete").trigger(processingTime="500 milliseconds")
         .option("checkpointLocation", str(work / "ckpt")).start())
    deadline = time.time() + 60
    while len(q.recentProgress) < 4 and time.time() < deadline:
        time.sleep(0.2)
    batches = len(q.recentProgress)
    q.stop()
    return {"batches_min": batches}


def stream_stopped_mid_batch(spark, work: Path) -> dict:
    """A streaming query stopped while a micro-batch's tasks run: Spark cancels the batch's job.

    After two batches the driver opens ``block``: the next batch's tasks then wait (in a Python
    UDF) for ``release``, which is only written after ``stop()``, so the stop always finds the
    batch running -- no timing margin.  ``blocked`` is written by a task once it waits."""
    from pyspark.sql import functions as F

    block, blocked, release = work / "block", work / "blocked", work / "release"

    @F.udf("long")
    def gate(v):
        if block.exists():
            blocked.touch()
            deadline = time.time() + 120
            while not release.exists() and time.time() < deadline:
                time.sleep(0.05)
        return v

    q = (spark.readStream.format("rate").option("rowsPerSecond", 20).load().select(gate("value").alias("v"))
         .writeStream.format("memory").queryName("gated_rows").trigger(processingTime="300 milliseconds")
         .option("checkpointLocation", str(work / "ckpt")).start())
    deadline = time.time() + 90
    while len(q.recentProgress) < 2 and time.time() < deadline:
        time.sleep(0.1)
    block.touch()
    while not blocked.exists() and time.time() < deadline:
        time.sleep(0.1)
    was_blocked = blocked.exists()
    q.stop()
    release.touch()
    return {"batches_min": 2, "stopped_mid_batch": was_blocked}


def stream_fail(spark, work: Path) -> dict:
    """A streaming query whose foreachBatch raises on its second micro-batch: the query dies with it."""
    def sink(df, batch_id):
        if batch_id >= 1:
            raise ValueError("dcs stream sink refused batch")

    q = (spark.readStream.format("rate").option("rowsPerSecond", 20).load().writeStream.foreachBatch(sink)
         .trigger(processingTime="300 milliseconds").option("checkpointLocation", str(work / "ckpt")).start())
    try:
        q.awaitTermination(90)
    except Exception as exc:  # noqa: BLE001 - the failure is the point
        return {"error": type(exc).__name__}
    q.stop()
    return {"error": None}


def cached(spark, work: Path) -> dict:
    """A cached DataFrame used twice then unpersisted, and a broadcast variable in an RDD map."""
    df = spark.range(0, 50_000, numPartitions=4).selectExpr("id", "id % 13 as k").cache()
    df.count()
    df.groupBy("k").count().collect()
    df.unpersist(blocking=True)
    lookup = spark.sparkContext.broadcast({i: i * i for i in range(1000)})
    total = spark.sparkContext.parallelize(range(1000), 4).map(lambda x: lookup.value[x]).sum()
    lookup.unpersist()
    return {"total": total}


def rdd_only(spark, work: Path) -> dict:
    """Plain RDD jobs, no SQL execution: a reduceByKey (2 stages) and a count (1 stage)."""
    sc = spark.sparkContext
    sc.parallelize(range(10_000), 4).map(lambda x: (x % 7, 1)).reduceByKey(lambda a, b: a + b, 3).collect()
    sc.parallelize(range(1000), 2).count()
    return {"jobs": 2, "stages": 3, "tasks": 4 + 3 + 2}


def dynamic(spark, work: Path) -> dict:
    """local-cluster executors under dynamic allocation: idle executors are removed between jobs."""
    sc = spark.sparkContext
    sc.parallelize(range(4000), 4).map(lambda x: x * 2).sum()
    time.sleep(6)   # past executorIdleTimeout: ExecutorRemoved events
    sc.parallelize(range(4000), 4).map(lambda x: x * 2).sum()
    return {"jobs": 2}


def speculative(spark, work: Path) -> dict:
    """One slow first attempt among quick tasks: speculation launches a copy, the original is killed."""
    def slow_first(i, rows):
        from pyspark import TaskContext

        if i == 0 and TaskContext.get().attemptNumber() == 0:
            time.sleep(20)
        return [sum(1 for _ in rows)]

    rdd = spark.sparkContext.parallelize(range(4000), 8)
    return {"rows": sum(rdd.mapPartitionsWithIndex(slow_first).collect())}


def killed(spark, work: Path) -> dict:
    """A driver whose JVM is killed while a job's tasks are running (no ApplicationEnd)."""
    import threading

    sc = spark.sparkContext
    sc.parallelize(range(100), 2).count()
    pid = int(sc._jvm.java.lang.ProcessHandle.current().pid())

    def later():
        time.sleep(3)
        print(json.dumps({"scenario": "killed", "app_id": sc.applicationId, "dir": str(work.parent.parent / "killed"),
                          "expect": {"completed": False}}), flush=True)
        os.kill(pid, 9)
        os._exit(0)

    threading.Thread(target=later, daemon=True).start()
    sc.parallelize(range(4), 4).map(lambda x: time.sleep(30) or x).collect()
    return {}


SCENARIOS = {
    "sql_aqe": (sql_aqe, {"spark.sql.adaptive.enabled": "true", "spark.sql.autoBroadcastJoinThreshold": "-1",
                          "spark.sql.shuffle.partitions": "40",
                          "spark.sql.adaptive.coalescePartitions.enabled": "true",
                          "spark.sql.adaptive.skewJoin.enabled": "true",
                          "spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes": "1k",
                          "spark.sql.adaptive.skewJoin.skewedPartitionFactor": "2",
                          "spark.sql.adaptive.advisoryPartitionSizeInBytes": "4k"}),
    "streaming": (streaming, {}),
    "stream_fail": (stream_fail, {}),
    "stream_stopped_mid_batch": (stream_stopped_mid_batch, {}),
    "cached": (cached, {"spark.eventLog.compress": "true", "spark.eventLog.compression.codec": "zstd"}),
    "rdd_only": (rdd_only, {}),
    "dynamic": (dynamic, {"spark.dynamicAllocation.enabled": "true",
                          "spark.dynamicAllocation.shuffleTracking.enabled": "true",
                          "spark.dynamicAllocation.executorIdleTimeout": "2s",
                          "spark.dynamicAllocation.minExecutors": "0", "spark.dynamicAllocation.initialExecutors": "2",
                          "spark.dynamicAllocation.maxExecutors": "2", "spark.speculation": "true",
                          "spark.executor.memory": "512m"}),
    "killed": (killed, {"spark.eventLog.compress": "true", "spark.eventLog.compression.codec": "lz4"}),
    "speculative": (speculative, {"spark.speculation": "true", "spark.speculation.multiplier": "1.5",
                                  "spark.speculation.quantile": "0.5", "spark.speculation.interval": "200ms",
                                  "spark.executor.memory": "512m"}),
}
MASTERS = {"dynamic": "local-cluster[2,1,512]", "speculative": "local-cluster[2,1,512]"}


def main() -> None:
    task = json.loads(sys.argv[1])
    out = Path(task["out"])
    extra = task.get("conf") or {}
    for name in task["scenarios"]:
        fn, conf = SCENARIOS[name]
        log_dir = out / name
        work = out / "work" / name
        work.mkdir(parents=True, exist_ok=True)
        t0 = time.time()
        spark = session(f"gen-{name}", log_dir, {**conf, **extra}, MASTERS.get(name, "local[2]"))
        line = {"scenario": name, "app_id": spark.sparkContext.applicationId, "dir": str(log_dir)}
        line["expect"] = fn(spark, work)
        spark.stop()
        line["seconds"] = round(time.time() - t0, 1)
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()


def connect_session(spark, rows: int = 5000, fail: bool = False):
    """One Spark Connect client session's work: a join and an aggregate, optionally a failing query."""
    df = spark.range(0, rows, numPartitions=2).selectExpr("id", "id % 5 as k")
    n = df.join(df.selectExpr("k", "id as other"), "k").groupBy("k").count().count()
    if fail:
        try:
            spark.sql("select assert_true(id < 3) from range(10)").collect()
        except Exception as exc:  # noqa: BLE001 - the failure is recorded by the server's log
            return f"failed: {type(exc).__name__}"
    return n
