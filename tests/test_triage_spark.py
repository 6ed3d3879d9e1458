"""Triage of failures produced for real on Spark: the shared local session, plus two
subprocesses for driver-static settings (spark.driver.maxResultSize, Kryo)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from dcs_engine.triage import triage_exception, triage_text

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).name


def _fail(fn):
    try:
        fn()
    except Exception as exc:  # the real PySpark exception object
        return exc
    raise AssertionError("expected the Spark job to fail")


def test_python_error_in_rdd_lambda(spark):
    sc = spark.sparkContext
    exc = _fail(lambda: sc.parallelize([{"a": "x"}, {"a": None}], 1).map(lambda r: r["a"].startswith("x")).collect())
    r = triage_exception(exc)
    assert (r.exception_class, r.message) == ("AttributeError", "'NoneType' object has no attribute 'startswith'")
    assert (r.root_cause, r.node_id, r.catalog_id) == ("data_variance", "c_data_variance", "python_data_error")
    assert r.user_frame.startswith(str(Path(__file__))) and r.user_frame.endswith("in <lambda>")
    assert "startswith" in r.user_code


def test_python_error_in_udf(spark):
    from pyspark.sql import functions as F

    @F.udf("int")
    def to_int(s):
        return int(s)

    df = spark.createDataFrame([("1",), ("n/a",)], "s string")
    r = triage_exception(_fail(lambda: df.select(to_int("s")).collect()))
    assert r.exception_class == "ValueError" and "invalid literal for int() with base 10: 'n/a'" in r.message
    assert r.outcome == "data_variance" and r.node_id == "c_data_variance"
    assert r.user_frame.endswith("in to_int") and HERE in r.user_frame


def test_python_error_in_map_in_pandas(spark):
    def scale(batches):
        for pdf in batches:
            pdf["v"] = pdf["id"] * pdf.attrs["factor"]  # no such attr key
            yield pdf

    df = spark.range(10).selectExpr("id", "0L as v")
    r = triage_exception(_fail(lambda: df.mapInPandas(scale, "id long, v long").collect()))
    assert (r.exception_class, r.message) == ("KeyError", "'factor'")
    assert r.outcome == "data_variance" and r.user_frame.endswith("in scale")


def test_unresolved_column(spark):
    r = triage_exception(_fail(lambda: spark.range(3).select("nope")))
    assert r.exception_class == "AnalysisException"
    assert r.error_condition == "UNRESOLVED_COLUMN.WITH_SUGGESTION" and r.sqlstate == "42703"
    assert "`nope` cannot be resolved" in r.message
    assert (r.catalog_id, r.root_cause, r.node_id) == ("unresolved_column", "data_variance", "t_take")
    assert r.matched_by == "[UNRESOLVED_COLUMN.WITH_SUGGESTION]"


def test_missing_table_and_innermost_message(spark):
    from dcs_engine.triage import innermost_message

    exc = _fail(lambda: spark.table("no_such_table_for_triage"))
    r = triage_exception(exc)
    assert (r.error_condition, r.sqlstate, r.catalog_id) == ("TABLE_OR_VIEW_NOT_FOUND", "42P01", "table_not_found")
    assert innermost_message(exc).startswith("AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] The table or view")


def test_pickling_error_from_closure_over_lock(spark):
    lock = threading.Lock()
    sc = spark.sparkContext
    r = triage_exception(_fail(lambda: sc.parallelize([1, 2], 1).map(lambda x: (x, lock)).collect()))
    # pickle's TypeError is the cause block; PySpark's PicklingError is raised while handling it
    assert (r.surfaced_class, r.exception_class) == ("PicklingError", "TypeError")
    assert "cannot pickle '_thread.lock' object" in r.message
    assert (r.catalog_id, r.root_cause, r.node_id) == ("pickling", "framework_state", "f_driver_state")


def test_python_worker_that_exits(spark):
    sc = spark.sparkContext
    r = triage_exception(_fail(lambda: sc.parallelize([1], 1).map(lambda x: os._exit(3)).collect()))
    assert r.exception_class == "SparkException"
    assert r.message.startswith("Python worker exited unexpectedly (crashed)")
    assert (r.catalog_id, r.root_cause, r.node_id) == ("python_worker_crash", "toolchain_panic", "t_spark_ui")
    assert any("spark.python.worker.faulthandler.enabled" in s for s in r.recovery)
    assert sc.parallelize([1, 2]).sum() == 3  # the session survives


def test_job_runner_triages_failures(spark):
    from dcs_engine.errors import SparkJobError
    from dcs_engine.runtime.jobs import JobRunner

    runner = JobRunner()
    h = runner.submit("t", "naughty", lambda: spark,
                      lambda ctx: ctx.spark.sparkContext.parallelize([None], 1).map(lambda v: v + 1).collect())
    with pytest.raises(SparkJobError) as e:
        h.outcome()
    rep = e.value.triage
    assert rep.exception_class == "TypeError" and rep.node_id == "c_data_variance"
    assert "unsupported operand type(s) for +: 'NoneType' and 'int'" in e.value.found


# ------------------------------------------------------------ subprocesses
def _run_script(body: str, *confs: tuple[str, str]) -> str:
    script = textwrap.dedent("""
        import os, sys
        from pyspark.sql import SparkSession
        b = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
        for k, v in CONFS:
            b = b.config(k, v)
        spark = b.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        sc = spark.sparkContext
    """).replace("CONFS", repr(list(confs))) + textwrap.dedent(body)
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable,
               SPARK_LOCAL_IP="127.0.0.1")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=400)
    assert out.returncode != 0, out.stdout
    return out.stderr


def test_driver_max_result_size_overflow():
    err = _run_script("sc.parallelize(range(4), 4).map(lambda i: b'x' * (600 * 1024)).collect()\n",
                      ("spark.driver.maxResultSize", "1m"))
    r = triage_text(err)
    assert r.exception_class == "SparkException"
    assert "is bigger than spark.driver.maxResultSize (1024.0 KiB)" in r.message
    assert (r.catalog_id, r.root_cause, r.node_id) == ("max_result_size", "heavy_load", "f_lighten")
    assert r.user_frame == "<string>:10 in <module>"
    assert any("spark.driver.maxResultSize" in s for s in r.recovery)


def test_kryo_buffer_overflow_with_tiny_buffer():
    # one 4 MiB zero value of a JVM-side foldByKey is serialized by Kryo in one piece
    err = _run_script("""
        jvm = sc._jvm
        pairs = jvm.java.util.ArrayList()
        pairs.add(jvm.scala.Tuple2("k", bytearray(16)))
        sc._jsc.parallelizePairs(pairs, 1).foldByKey(bytearray(4 * 1024 * 1024), None).count()
        """, ("spark.serializer", "org.apache.spark.serializer.KryoSerializer"),
        ("spark.kryoserializer.buffer.max", "1m"))
    r = triage_text(err)
    assert r.exception_class == "KryoException" and r.message.startswith("Buffer overflow. Available: 0, required:")
    assert (r.error_condition, r.sqlstate) == ("KRYO_BUFFER_OVERFLOW", "54006")
    assert (r.catalog_id, r.root_cause, r.node_id) == ("kryo_buffer_overflow", "toolchain_panic", "f_kryo")
