"""The triage corpus: real failures the tests make on Spark, and the transport wrappers around them.

Producers (each returns ``{case id: failure text}``; cheap, one session or one process each):

* :func:`local_texts` -- failures on the suite's shared local session, as the console shows them
  (``traceback.format_exception``) -- plus the exception objects for ``triage_exception``;
* :func:`driver_log_texts` -- two driver processes whose whole stderr (log4j lines, executor errors,
  the final traceback) is cut into one text per failure at ``@@@@ name`` markers: one with the
  default log layout, one with Spark 4's structured (JSON) log layout and a small thread stack;
* :func:`cluster_texts` -- one application on the standalone cluster (tests/triage_cluster_driver.py):
  its driver log per failure and the executor's own stderr;
* :func:`connect_results` -- failures over Spark Connect, and a client pointed at a dead endpoint, made
  in a client process (tests/triage_connect_client.py) with what triage read from each exception object.

Wrappers (:data:`WRAPPERS`) put a text into the layouts that platforms add around it, written from
the formats' public documentation: Kubernetes ``kubectl logs --timestamps`` and CRI lines, Docker's
json-file driver / fluentd (``{"log": ...}``), ``docker compose`` prefixes, a YARN aggregated log
section, ANSI colours, a JSON message field with literal ``\\n``.  Triage must read every wrapped
text as it reads the bare one.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARK = "@@@@ "


def split_marked(stderr: str) -> dict[str, str]:
    out: dict[str, list[str]] = {}
    name = None
    for line in stderr.splitlines():
        if line.startswith(MARK):
            name = line[len(MARK):].strip()
            out[name] = []
        elif name is not None:
            out[name].append(line)
    return {k: "\n".join(v) + "\n" for k, v in out.items() if k != "end"}


def _fail(fn):
    try:
        fn()
    except Exception as exc:  # the real PySpark exception object
        return exc
    raise AssertionError("expected the Spark job to fail")


# ------------------------------------------------------------------ the shared local session
def local_failures(spark) -> dict[str, BaseException]:
    from pyspark.sql import functions as F

    sc = spark.sparkContext
    lock = threading.Lock()

    @F.udf("double")
    def ratio(a, b):
        return a / b

    def scale(batches):
        for pdf in batches:
            pdf["v"] = pdf["id"] * pdf.attrs["factor"]
            yield pdf

    pairs = spark.createDataFrame([(1, 2), (3, 0)], "a long, b long")
    return {
        "local_udf_zero_division": _fail(lambda: pairs.select(ratio("a", "b")).collect()),
        "local_rdd_attribute_error": _fail(
            lambda: sc.parallelize([{"a": "x"}, {"a": None}], 1).map(lambda r: r["a"].startswith("x")).collect()),
        "local_ansi_divide_by_zero": _fail(lambda: spark.sql("select 1 / 0 as x").collect()),
        "local_cast_invalid": _fail(lambda: spark.sql("select cast('n/a' as int) as x").collect()),
        "local_unresolved_column": _fail(lambda: spark.range(3).select("nope")),
        "local_table_not_found": _fail(lambda: spark.table("no_such_table_for_triage")),
        "local_parse_error": _fail(lambda: spark.sql("selec 1")),
        "local_pickling_lock": _fail(lambda: sc.parallelize([1, 2], 1).map(lambda x: (x, lock)).collect()),
        "local_map_in_pandas_key_error": _fail(
            lambda: spark.range(4).selectExpr("id", "0L as v").mapInPandas(scale, "id long, v long").collect()),
        "local_context_in_task": _fail(lambda: sc.parallelize([1], 1).map(lambda x: sc.defaultParallelism).collect()),
    }


def exception_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def local_texts(failures: dict[str, BaseException]) -> dict[str, str]:
    return {k: exception_text(v) for k, v in failures.items()}


# ------------------------------------------------------------------ driver processes
_PLAIN = """
import os, sys, traceback
from pyspark.sql import SparkSession, functions as F, Window
spark = (SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
         .config("spark.driver.maxResultSize", "1m")
         .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
         .config("spark.kryoserializer.buffer.max", "1m").getOrCreate())
sc = spark.sparkContext
def step(name, fn):
    sys.stderr.write("\\n@@@@ " + name + "\\n"); sys.stderr.flush()
    try:
        fn()
    except Exception:
        traceback.print_exc()
    sys.stderr.flush()
def window():
    spark.range(50).withColumn("r", F.row_number().over(Window.orderBy("id"))).collect()
def plan():
    spark.conf.set("spark.sql.maxPlanStringLength", "2000")
    df = spark.range(10)
    for i in range(40):
        df = df.withColumn("c%d" % i, F.col("id") + i)
    df.explain()
def kryo():
    jvm = sc._jvm
    pairs = jvm.java.util.ArrayList()
    pairs.add(jvm.scala.Tuple2("k", bytearray(16)))
    sc._jsc.parallelizePairs(pairs, 1).foldByKey(bytearray(4 * 1024 * 1024), None).count()
step("log_window_without_partition", window)
step("log_plan_string_truncated", plan)
step("log_max_result_size", lambda: sc.parallelize(range(4), 4).map(lambda i: b"x" * (600 * 1024)).collect())
step("log_kryo_buffer_overflow", kryo)
df = spark.range(3)
spark.stop()
step("log_stopped_context_rdd", lambda: sc.parallelize([1, 2]).count())
step("log_stopped_session_dataframe", lambda: df.count())
sys.stderr.write("\\n@@@@ end\\n")
"""

_JSON = """
import sys, traceback
from pyspark.sql import SparkSession, functions as F, Window
# Spark 4's structured logging: the JSON layout it ships, and a small thread stack for the deep plan
layout = "-Dlog4j2.configurationFile=classpath:org/apache/spark/log4j2-json-layout.properties"
spark = (SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
         .config("spark.driver.extraJavaOptions", layout + " -Xss256k").getOrCreate())
def step(name, fn):
    sys.stderr.write("\\n@@@@ " + name + "\\n"); sys.stderr.flush()
    try:
        fn()
    except Exception:
        traceback.print_exc()
    sys.stderr.flush()
@F.udf("int")
def to_int(s):
    return int(s)
def deep():
    df = spark.range(3).withColumn("c", F.col("id"))
    for i in range(3000):
        df = df.filter(F.col("c") > -1).withColumn("c", F.col("c") + 1)
step("json_window_without_partition",
     lambda: spark.range(50).withColumn("r", F.row_number().over(Window.orderBy("id"))).collect())
step("json_udf_value_error",
     lambda: spark.createDataFrame([("1",), ("n/a",)], "s string").select(to_int("s")).collect())
step("json_deep_plan", deep)
sys.stderr.write("\\n@@@@ end\\n")
"""


def _run_driver(script: str, cwd: Path) -> str:
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable,
               SPARK_LOCAL_IP="127.0.0.1", PYTHONUNBUFFERED="1")
    env.pop("SPARK_REMOTE", None)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env, cwd=cwd, capture_output=True,
                         text=True, timeout=400)
    if "@@@@ end" not in out.stderr:
        raise AssertionError(f"driver script did not finish (rc {out.returncode}):\n{out.stderr[-4000:]}")
    return out.stderr


def driver_log_texts(workdir: Path) -> dict[str, str]:
    texts = split_marked(_run_driver(_PLAIN, workdir))
    texts.update(split_marked(_run_driver(_JSON, workdir)))
    return texts


# ------------------------------------------------------------------ the standalone cluster
def cluster_texts(cluster, workdir: Path) -> dict[str, str]:
    from tests.cluster_fixture import cluster_env

    helper_dir = workdir / "driver-only"
    helper_dir.mkdir(parents=True, exist_ok=True)
    helper = "triage_corpus_helper"
    (helper_dir / f"{helper}.py").write_text("def is_e10s(v):\n    return v.startswith('e10s')\n")
    env = cluster_env()
    env["PYTHONUNBUFFERED"] = "1"
    task = {"master": cluster.master_url, "helper_dir": str(helper_dir), "helper": helper}
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "triage_cluster_driver.py"), json.dumps(task)],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=480)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines or "@@@@ end" not in proc.stderr:
        raise AssertionError(f"cluster driver failed (rc {proc.returncode}):\n{proc.stderr[-4000:]}")
    texts = {f"cluster_{k}": v for k, v in split_marked(proc.stderr).items()}
    app = json.loads(lines[-1])["app_id"]
    logs = sorted(cluster.base.glob(f"worker-*/{app}/*/stderr"), key=lambda p: int(p.parent.name))
    if not logs:
        raise AssertionError(f"no executor logs for {app} under {cluster.base}")
    texts["cluster_executor_stderr"] = logs[0].read_text(errors="replace")  # executor 0 ran every task
    return texts


# ------------------------------------------------------------------ Spark Connect
def connect_results(server, workdir: Path) -> dict[str, dict]:
    """``{case id: {"text": console text, "object": what triage_exception read}}`` from a client process.

    The client runs in its own process: a Connect session turns the whole process into a Connect
    client, which the suite's classic session (and every driver it starts) must not inherit.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("SPARK_REMOTE", "SPARK_CONNECT_MODE_ENABLED")}
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "triage_connect_client.py"), server.url],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise AssertionError(f"Connect client failed (rc {proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(lines[-1])


# ------------------------------------------------------------------ wrappers (documented layouts)
def _k8s_timestamps(text: str) -> str:  # kubectl logs --timestamps: RFC 3339 with nanoseconds, one space
    return "".join(f"2024-03-05T08:15:{i % 60:02d}.{i:09d}Z {ln}\n" for i, ln in enumerate(text.splitlines()))


def _cri(text: str) -> str:  # containerd / CRI-O log files: <time> <stream> <F|P> <line>
    return "".join(f"2024-03-05T08:15:02.{i:09d}+00:00 stderr F {ln}\n" for i, ln in enumerate(text.splitlines()))


def _docker_json(text: str) -> str:  # Docker json-file driver / fluentd: one JSON object per line
    return "".join(json.dumps({"log": ln + "\n", "stream": "stderr", "time": "2024-03-05T08:15:02.5Z"}) + "\n"
                   for ln in text.splitlines())


def _compose(text: str) -> str:  # docker compose up: "<service>-<n>  | <line>"
    return "".join(f"spark-worker-1  | {ln}\n" for ln in text.splitlines())


def _yarn(text: str) -> str:  # yarn logs -applicationId ...: one container section
    body = text if text.endswith("\n") else text + "\n"
    return ("Container: container_1700000000000_0042_01_000002 on worker-3.example.com_8041\n"
            "LogAggregationType: AGGREGATED\n" + "=" * 60 + "\n"
            "LogType:stdout\nLogLastModifiedTime:Tue Nov 14 10:02:11 +0000 2023\nLogLength:0\nLogContents:\n"
            "End of LogType:stdout\n" + "*" * 60 + "\n\n"
            "Container: container_1700000000000_0042_01_000002 on worker-3.example.com_8041\n"
            "LogAggregationType: AGGREGATED\n" + "=" * 60 + "\n"
            f"LogType:stderr\nLogLastModifiedTime:Tue Nov 14 10:06:11 +0000 2023\nLogLength:{len(body)}\n"
            f"LogContents:\n{body}End of LogType:stderr\n" + "*" * 60 + "\n")


def _ansi(text: str) -> str:  # a terminal's colours around class names and paths
    out = []
    for ln in text.splitlines():
        if ln.startswith("Traceback"):
            ln = f"\x1b[0;31m{ln}\x1b[0m"
        elif ln.startswith("  File "):
            ln = ln.replace('File "', 'File \x1b[0;32m"', 1) + "\x1b[0m"
        out.append(ln)
    return "\n".join(out) + "\n"


def _json_message(text: str) -> str:  # a cloud logger's export: the whole text in one JSON string field
    return json.dumps({"timestamp": 1700000000000, "severity": "ERROR", "message": text}) + "\n"


WRAPPERS = {"k8s_timestamps": _k8s_timestamps, "cri": _cri, "docker_json": _docker_json, "compose": _compose,
            "yarn_section": _yarn, "ansi": _ansi, "json_message": _json_message}
