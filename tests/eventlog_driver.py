"""Write real event logs for the event-log tests (run in a subprocess: event-log settings need a fresh context).

argv[1] is JSON: {"out": DIR, "scenarios": [names], "master": optional spark:// URL (cluster scenario)}.
Each scenario runs in its own SparkContext with ``spark.eventLog.enabled=true`` and
its own codec / rolling settings, one after the other in this process (one JVM).
The jobs are the project's demo datasets and demo jobs.  Prints one JSON line
per scenario: {"scenario", "app_id", "name", "dir", "seconds", "note"} (the in-progress
scenario prints its line before it kills the JVM, and must come last).
"""
from __future__ import annotations

import base64
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

BASE_CONF = {"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "4", "spark.driver.host": "127.0.0.1",
             "spark.driver.bindAddress": "127.0.0.1", "spark.pyspark.python": sys.executable,
             "spark.sql.adaptive.coalescePartitions.enabled": "false"}


def session(name: str, log_dir: Path, conf: dict, master: str = "local[2]"):
    from pyspark.sql import SparkSession

    log_dir.mkdir(parents=True, exist_ok=True)
    b = SparkSession.builder.master(master).appName(name)
    for k, v in {**BASE_CONF, "spark.eventLog.enabled": "true", "spark.eventLog.dir": log_dir.as_uri(),
                 **conf}.items():
        b = b.config(k, v)
    return b.getOrCreate()


def codec(name: str | None, rolled: bool) -> dict:
    c = {"spark.eventLog.rolling.enabled": str(rolled).lower()}
    if name is None:
        c["spark.eventLog.compress"] = "false"
    else:
        c.update({"spark.eventLog.compress": "true", "spark.eventLog.compression.codec": name})
    return c


def demo(spark, name: str, rows: int):
    from dcs_engine.inputs.demo import build

    return build(spark, name, rows, 42)


def all_pairs(df):
    from dcs_engine.inputs.demo.jobs import ALL_PAIRS_JOB

    ns: dict = {}
    exec(compile(ALL_PAIRS_JOB, "all_pairs_job", "exec"), ns)
    return ns["close_pairs"](df)


# ----------------------------------------------------------------------------- scenarios

def clean(spark, work: Path):
    """Spark 4's defaults (zstd, rolled): a small ETL with a write and a read."""
    from pyspark.sql import functions as F

    demo(spark, "telemetry", 20_000).write.mode("overwrite").parquet(str(work / "telemetry"))
    df = spark.read.parquet(str(work / "telemetry"))
    df.groupBy("channel").agg(F.count("*").alias("n")).collect()
    df.where("active_experiment_id is not null").select("client_id").distinct().count()


def skew(spark, work: Path):
    """A sort-merge join where one client holds 60 % of the rows (AQE's skew handling off)."""
    from pyspark.sql import functions as F

    demo(spark, "hotkey", 60_000).write.mode("overwrite").parquet(str(work / "hotkey"))
    pings = spark.read.parquet(str(work / "hotkey"))
    clients = pings.select("client_id").distinct().withColumn("tier", F.length("client_id") % 3)
    pings.join(clients, "client_id").groupBy("tier").agg(F.sum("value")).collect()


def spill(spark, work: Path):
    """A global sort whose sorter is forced to spill every 5,000 records."""
    df = demo(spark, "telemetry", 60_000)
    df.sort("client_id", "submission_date").write.mode("overwrite").format("noop").save()


def pairs(spark, work: Path):
    """All-pairs work: a Cartesian product, a nested-loop join, a window over all rows, the all-pairs demo job."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    small = demo(spark, "pairs", 400).select("ping_id", "ts")
    other = small.selectExpr("ping_id as other_id", "ts as other_ts")
    small.crossJoin(other).where("ping_id < other_id").count()
    small.join(F.broadcast(other), F.abs(F.col("ts") - F.col("other_ts")) < 600).count()
    small.withColumn("rank", F.row_number().over(Window.orderBy("ts"))).write.mode("overwrite").format("noop").save()
    all_pairs(demo(spark, "pairs", 1_500)).collect()


def udf_fail(spark, work: Path):
    """The talk's classic: a UDF that assumes a field is never null (retried twice per task)."""
    from pyspark.sql import functions as F

    is_e10s = F.udf(lambda exp: exp.startswith("e10s"), "boolean")
    try:
        demo(spark, "telemetry", 4_000).select(is_e10s("active_experiment_id").alias("e10s")).collect()
    except Exception as exc:  # noqa: BLE001 - the failure is the point
        return f"{type(exc).__name__}"
    raise AssertionError("the UDF did not fail")


def compared(rows: int):
    """The same job on two inputs (one call site): cost quadratic in rows per client."""
    def run(spark, work: Path):
        all_pairs(demo(spark, "pairs", rows)).collect()
    return run


def rolled(spark, work: Path):
    """Jobs with 2 MB random descriptions: the zstd log rolls over several 10 MB files."""
    sc = spark.sparkContext
    for _ in range(4):
        sc.setJobDescription(base64.b64encode(os.urandom(1_500_000)).decode())
        spark.range(0, 1000, numPartitions=2).selectExpr("id % 7 as k").groupBy("k").count().collect()
    sc.setJobDescription(None)


def executor_kill(spark, work: Path):
    """On a standalone cluster: the first task to run kills its own executor's JVM; Spark retries elsewhere."""
    marker = str(work / "killed")

    def kill_once(rows):
        import os as _os

        if not _os.path.exists(marker):
            open(marker, "w").close()
            pid = _os.getpid()
            for _ in range(8):   # up the process tree to the executor JVM
                with open(f"/proc/{pid}/stat") as f:
                    pid = int(f.read().rsplit(")", 1)[1].split()[1])
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if b"CoarseGrainedExecutorBackend" in f.read():
                        _os.kill(pid, 9)
                        break
        yield sum(1 for _ in rows)

    return sum(spark.sparkContext.parallelize(range(2000), 4).mapPartitions(kill_once).collect())


def in_progress(spark, work: Path):
    """A driver killed after one job: the log stays in progress (no ApplicationEnd)."""
    spark.range(0, 5000, numPartitions=2).selectExpr("id % 3 as k").groupBy("k").count().collect()
    time.sleep(0.5)
    pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
    os.kill(int(pid), 9)
    os._exit(0)


SCENARIOS = {
    "clean": (clean, {}),   # Spark 4 defaults: zstd, rolled
    "skew": (skew, {**codec("lz4", False), "spark.sql.autoBroadcastJoinThreshold": "-1",
                    "spark.sql.adaptive.skewJoin.enabled": "false", "spark.sql.shuffle.partitions": "8"}),
    "spill": (spill, {**codec("snappy", True), "spark.shuffle.spill.numElementsForceSpillThreshold": "5000"}),
    "pairs": (pairs, {**codec("lzf", False), "spark.sql.autoBroadcastJoinThreshold": "-1"}),
    "udf_fail": (udf_fail, codec(None, False)),
    "compare_a": (compared(2_000), codec("zstd", False)),
    "compare_b": (compared(10_000), {**codec("zstd", False), "spark.sql.shuffle.partitions": "6"}),
    "rolled": (rolled, {**codec("zstd", True), "spark.eventLog.rolling.maxFileSize": "10m"}),
    "in_progress": (in_progress, codec("lz4", False)),
    "executor_kill": (executor_kill, {**codec("zstd", True), "spark.executor.memory": "512m", "spark.cores.max": "2",
                                      "spark.executor.cores": "1"}),
}
MASTERS = {"udf_fail": "local[2,2]"}
OWN_DIR = ("compare_a", "compare_b", "rolled", "in_progress", "executor_kill")   # the others share one directory


def main() -> None:
    task = json.loads(sys.argv[1])
    out = Path(task["out"])
    for name in task["scenarios"]:
        fn, conf = SCENARIOS[name]
        log_dir = out / (name if name in OWN_DIR else "apps")
        work = out / "work" / name
        work.mkdir(parents=True, exist_ok=True)
        t0 = time.time()
        spark = session(f"dcs-{name}", log_dir, conf, task.get("master") or MASTERS.get(name, "local[2]"))
        line = {"scenario": name, "app_id": spark.sparkContext.applicationId, "name": f"dcs-{name}",
                "dir": str(log_dir)}
        if name == "in_progress":
            print(json.dumps(line), flush=True)
        line["note"] = fn(spark, work)
        spark.stop()
        line["seconds"] = round(time.time() - t0, 1)
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
