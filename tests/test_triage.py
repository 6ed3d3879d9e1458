"""Traceback triage on text: fixtures of Spark 2.x/3.x/4.x, YARN and Kubernetes, the catalog,
the technique, streaming of big logs, and the command line."""
from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from dcs_engine import registry
from dcs_engine.errors import ParameterError
from dcs_engine.triage import OUTCOMES, TriageReport, triage_file, triage_text
from dcs_engine.triage.catalog import ROOT_CAUSES, load_catalog, parse_catalog

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "tracebacks"

# file -> (exception class, message fragment, root cause, node, catalog id, condition, user frame fragment)
CASES = {
    "spark2_ipython_attribute_error.txt": ("AttributeError", "'NoneType' object has no attribute 'startswith'",
                                           "data_variance", "c_data_variance", "python_data_error", None,
                                           "<ipython-input-22-334b6583877b>:1 in <lambda>"),
    "spark2_yarn_import_error.txt": ("ImportError", "No module named my_local_utilities", "framework_state",
                                     "f_ship_code", "missing_module", None, None),
    "spark3_udf_value_error.txt": ("ValueError", "invalid literal for int() with base 10: 'n/a'", "data_variance",
                                   "c_data_variance", "python_data_error", None,
                                   "/home/etl/jobs/sessions.py:41 in parse_duration"),
    "spark4_python_exception_condition.txt": ("ZeroDivisionError", "division by zero", "data_variance",
                                              "c_data_variance", "python_data_error", "PYTHON_EXCEPTION",
                                              "/srv/pipelines/orders/enrich.py:58 in unit_price"),
    "spark4_connect_udf.txt": ("KeyError", "9", "data_variance", "c_data_variance", "python_data_error", None,
                               "churn.py:64 in tenure_bucket"),
    "yarn_container_killed.txt": ("ExecutorLostFailure", "Container killed by YARN for exceeding memory limits",
                                  "heavy_load", "f_lighten", "yarn_memory", None, "daily_rollup.py:88 in <module>"),
    "k8s_oomkilled.txt": ("ExecutorLostFailure", "exit code 137", "heavy_load", "f_lighten", "k8s_oom_killed",
                          None, "nightly_features.py:203"),
    "py4j_network_error.txt": ("Py4JNetworkError", "An error occurred while trying to connect to the Java server",
                               "toolchain_panic", "f_gateway", "py4j_gateway", None, "<ipython-input-41"),
    "spark43_dead_jvm_refused_captured.txt": ("ConnectionRefusedError", "[Errno 111] Connection refused",
                                              "toolchain_panic", "f_gateway", "py4j_gateway", None,
                                              "/tmp/dead.py:17 in <lambda>"),
    "context_shutdown.txt": ("SparkException", "Job 330 cancelled because SparkContext was shut down",
                             "toolchain_panic", "f_context_shutdown", "context_shutdown", None, None),
    "tree_node_exception.txt": ("RuntimeException", "Couldn't find revenue#91", "toolchain_panic", "f_plan",
                                "tree_node", None, "/home/jo/reports/weekly.py:140 in <module>"),
    "kryo_spark2.txt": ("SparkException", "Kryo serialization failed: Buffer overflow", "toolchain_panic", "f_kryo",
                        "kryo_buffer_overflow", None, None),
    "spark43_kryo_foldbykey_captured.txt": ("KryoException", "Buffer overflow. Available: 0, required: 1048576",
                                            "toolchain_panic", "f_kryo", "kryo_buffer_overflow",
                                            "KRYO_BUFFER_OVERFLOW", None),
    "spark43_max_result_size_captured.txt": ("SparkException", "is bigger than spark.driver.maxResultSize",
                                             "heavy_load", "f_lighten", "max_result_size", None, None),
    "spark43_worker_exit_captured.txt": ("SparkException", "Python worker exited unexpectedly (crashed)",
                                         "toolchain_panic", "t_spark_ui", "python_worker_crash", None, None),
    "jvm_oom_driver.txt": ("OutOfMemoryError", "Java heap space", "heavy_load", "c_heavy_load",
                           "jvm_out_of_memory", None, None),
    "ansi_cast_invalid.txt": ("NumberFormatException", "The value 'n/a' of the type \"STRING\" cannot be cast",
                              "data_variance", "c_data_variance", "sql_data_error", "CAST_INVALID_INPUT",
                              "/home/lee/load_orders.py:23 in <module>"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_triage(name):
    cls, frag, root, node, cat, cond, frame = CASES[name]
    r = triage_text((FIX / name).read_text())
    assert r.exception_class == cls
    assert frag in r.message
    assert (r.root_cause, r.node_id, r.catalog_id, r.outcome) == (root, node, cat, root)
    if cond:
        assert r.error_condition == cond
    if frame:
        assert frame in (r.user_frame or "")
    assert r.recovery and r.headline.startswith(("[", cls))


def test_every_fixture_file_has_a_case():
    names = {p.name for p in FIX.glob("*.txt")}
    assert names - set(CASES) == {"unknown_permission_denied.txt"}


def test_stage_task_executor_are_read():
    r = triage_text((FIX / "spark2_yarn_import_error.txt").read_text())
    assert (r.stage, r.task, r.executor) == ("4.0", "0.3", "164")
    r = triage_text((FIX / "yarn_container_killed.txt").read_text())
    assert (r.stage, r.task, r.executor) == ("9.0", "112.3", "11")
    r = triage_text((FIX / "spark43_worker_exit_captured.txt").read_text())
    assert (r.stage, r.task, r.executor) == ("3.0", "0.0", "driver")


def test_condition_and_sqlstate():
    r = triage_text((FIX / "spark43_kryo_foldbykey_captured.txt").read_text())
    assert (r.error_condition, r.sqlstate, r.matched_by) == ("KRYO_BUFFER_OVERFLOW", "54006", "[KRYO_BUFFER_OVERFLOW]")
    assert ("spark.kryoserializer.buffer.max", "512m") in r.conf
    assert r.headline == "[KRYO_BUFFER_OVERFLOW] KryoException: Buffer overflow. Available: 0, required: 1048576"
    r = triage_text((FIX / "spark4_python_exception_condition.txt").read_text())
    assert r.sqlstate == "38000"


def test_structured_condition_beats_text():
    # the text also says "Container killed by YARN", but the condition decides
    text = ("py4j.protocol.Py4JJavaError: An error occurred while calling o3.collect.\n"
            ": org.apache.spark.SparkException: [KRYO_BUFFER_OVERFLOW] Kryo serialization failed: Buffer overflow. "
            "Available: 0, required: 99. SQLSTATE: 54006\n"
            "\tat org.apache.spark.serializer.KryoSerializerInstance.serialize(KryoSerializer.scala:460)\n"
            "WARN Container killed by YARN for exceeding memory limits earlier on executor 2\n")
    r = triage_text(text)
    assert r.catalog_id == "kryo_buffer_overflow" and r.matched_by == "[KRYO_BUFFER_OVERFLOW]"


def test_innermost_python_error_wins_over_jvm_text():
    r = triage_text((FIX / "spark2_ipython_attribute_error.txt").read_text())
    assert r.kind == "python" and r.chain[-1].startswith("AttributeError")
    assert r.chain[0].startswith("Py4JJavaError")


def test_unknown_error_keeps_innermost():
    r = triage_text((FIX / "unknown_permission_denied.txt").read_text())
    assert r.exception_class == "AccessControlException"
    assert r.message.startswith("Permission denied: user=etl, access=WRITE")
    assert r.exception_qualname == "org.apache.hadoop.security.AccessControlException"
    assert (r.catalog_id, r.root_cause, r.outcome, r.node_id) == (None, None, "unknown", "t_take")
    assert r.recovery[0].startswith("Not in the catalog")
    assert "not in the catalog" in r.to_markdown()


def test_no_exception_at_all():
    r = triage_text("hello\nworld\n")
    assert (r.exception_class, r.message, r.outcome) == ("UnknownError", "hello", "unknown")
    r = triage_text("")
    assert r.exception_class == "UnknownError" and r.outcome == "unknown"


def test_log_line_without_exception_still_matches():
    r = triage_text("19/02/11 03:27:44 WARN YarnAllocator: Container killed by YARN for exceeding memory limits. "
                    "6.1 GB of 6 GB physical memory used.\n")
    assert r.catalog_id == "yarn_memory" and r.exception_class == "LogLine"
    assert r.message.startswith("19/02/11 03:27:44 WARN YarnAllocator: Container killed")


# ------------------------------------------------------------------ catalog
def test_catalog_is_consistent_with_runbook_and_technique():
    from runbook.loader import load_builtin

    book = load_builtin()
    node_ids = set(book.nodes)
    tech = registry.get("triage")
    entries = load_catalog()
    assert len(entries) >= 20
    for e in entries:
        assert e.node in node_ids, e.id
        assert e.root_cause in tech.outcomes and e.root_cause in ROOT_CAUSES
        assert e.recovery and e.cause
        for key, _ in e.conf:
            assert any(key in step for step in e.recovery), (e.id, key)
    assert set(tech.outcomes) == set(OUTCOMES)
    assert "t_take" in node_ids


def test_catalog_rejects_bad_entries():
    with pytest.raises(ValueError) as e:
        parse_catalog("entries:\n  - {id: x, title: t, symptom: crash, root_cause: bad_luck, node: n, cause: c, "
                      "recovery: [r]}\n", "cat.yaml")
    assert str(e.value) == ("cat.yaml → entry 'x': root_cause 'bad_luck' is not one of data_variance, "
                            "framework_state, control_flow, exponential, heavy_load, toolchain_panic")
    with pytest.raises(ValueError) as e:
        parse_catalog("entries: []\n", "cat.yaml")
    assert str(e.value) == "cat.yaml: expected a mapping with a non-empty 'entries' list"
    with pytest.raises(ValueError) as e:
        parse_catalog("entries:\n  - {id: x, title: t}\n", "c")
    assert "missing key(s) symptom, root_cause, node, cause, recovery" in str(e.value)


# ---------------------------------------------------------------- technique
def run_triage(**params):
    tech = registry.get("triage")
    assert tech.needs_spark is False and tech.runnable
    return registry.run_technique(tech, None, params)


def test_technique_on_pasted_text_and_path():
    r = run_triage(text=(FIX / "spark2_yarn_import_error.txt").read_text())
    assert isinstance(r, TriageReport) and r.outcome == "framework_state" and r.source == "pasted text"
    r = run_triage(path=str(FIX / "k8s_oomkilled.txt"))
    assert r.outcome == "heavy_load" and r.line_no == 19  # the driver traceback, not the earlier WARN lines
    assert dict(r.also_seen) == {"k8s_oom_killed": 2}
    r = run_triage(text="nothing useful here")
    assert r.outcome == "unknown"
    md = run_triage(text=(FIX / "kryo_spark2.txt").read_text()).to_markdown()
    assert "spark.kryoserializer.buffer.max" in md and "f_kryo" in md


def test_technique_parameter_errors():
    with pytest.raises(ParameterError) as e:
        run_triage()
    assert e.value.message == ("[DCS101] parameter 'text'; expected a traceback or log excerpt; found nothing. "
                               "Fix: paste the error text, or give the path of a log file")
    with pytest.raises(ParameterError) as e:
        run_triage(path="/no/such/file.log")
    assert e.value.message == ("[DCS101] log file '/no/such/file.log'; expected an existing file; found nothing "
                               "there. Fix: check the path (it is read on the machine running dcs-doctor)")
    with pytest.raises(ParameterError) as e:
        run_triage(text="x", path=str(FIX / "kryo_spark2.txt"))
    assert "found both" in e.value.message


# ---------------------------------------------------------------- streaming
def _write_big_log(path: Path, mb: int, error: str, noise_errors: int = 3) -> int:
    """INFO lines, a few benign WARN exceptions early, the error near the end; returns its first line."""
    info = ("26/11/25 14:07:%02d INFO TaskSetManager: Finished task %d.0 in stage 12.0 (TID %d) in 35 ms "
            "on 10.0.0.7 (executor 3) (%d/200)\n")
    warn = ("26/11/25 14:07:01 WARN BlockManager: Putting block rdd_4_%d failed due to exception "
            "java.io.IOException: Connection reset by peer.\n")
    target = mb << 20
    line = 0
    with open(path, "w") as f:
        written = 0
        i = 0
        while written < target * 0.97:
            s = info % (i % 60, i % 200, i, i % 200)
            if i in (10, 5000, 90000)[:noise_errors]:
                s += warn % i
                line += 1
            f.write(s)
            written += len(s)
            line += 1
            i += 1
        start = line + 1
        f.write(error)
        for j in range(50):
            f.write(info % (j % 60, j, j, j))
    return start


def test_streaming_big_file_bounded_memory(tmp_path):
    err = (FIX / "spark2_ipython_attribute_error.txt").read_text()
    p = tmp_path / "driver.log"
    start = _write_big_log(p, 20, "26/11/25 14:09:00 ERROR TaskSetManager: Task 0 in stage 31.0 failed 4 times\n" + err)
    assert p.stat().st_size > 19 << 20
    tracemalloc.start()
    try:
        r = triage_file(p)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.exception_class == "AttributeError" and r.catalog_id == "python_data_error"
    assert r.user_frame == "<ipython-input-22-334b6583877b>:1 in <lambda>"
    assert r.line_no == start + 2  # the Py4JJavaError header line: the ERROR line above has no error word
    assert peak < 64 << 20, peak  # the file is 20 MB; chunks are 8 MB


def test_streaming_picks_the_fatal_block_not_later_noise(tmp_path):
    err = (FIX / "yarn_container_killed.txt").read_text()
    tail = ("26/11/25 14:10:00 INFO SparkContext: Invoking stop() from shutdown hook\n"
            "26/11/25 14:10:01 WARN NettyRpcEnv: Ignored failure: java.util.concurrent.RejectedExecutionException: "
            "Task rejected\n")
    p = tmp_path / "yarn.log"
    _write_big_log(p, 1, err + tail)
    r = triage_file(p)
    assert r.catalog_id == "yarn_memory" and r.node_id == "f_lighten"
    assert dict(r.also_seen).get("yarn_memory", 0) >= 1


def test_streaming_small_chunks_match_text_triage(tmp_path):
    from dcs_engine.triage import triage_stream

    for name in CASES:
        data = (FIX / name).read_bytes()
        with open(FIX / name, "rb") as f:
            from dcs_engine.triage import stream

            res = stream.scan(f, chunk=257)  # lines cut across chunk borders
        assert res.block is not None, name
        whole = triage_text(data.decode())
        with open(FIX / name, "rb") as f:
            streamed = triage_stream(f)
        assert (streamed.exception_class, streamed.catalog_id) == (whole.exception_class, whole.catalog_id), name


def test_streaming_file_without_errors(tmp_path):
    p = tmp_path / "clean.log"
    p.write_text("26/11/25 14:07:00 INFO SparkContext: Running Spark version 4.3.0\n" * 1000)
    r = triage_file(p)
    assert r.exception_class == "NoError" and r.outcome == "unknown"
    assert r.message == "no error lines in 1000 lines"


# ---------------------------------------------------------------------- CLI
def _cli(*args, stdin: bytes | None = None):
    return subprocess.run([sys.executable, "-m", "dcs_engine", "triage", *args], cwd=ROOT, input=stdin,
                          capture_output=True, timeout=60)


def test_cli_json_and_stdin():
    out = _cli(str(FIX / "spark43_max_result_size_captured.txt"), "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    for key in ("exception_class", "message", "error_condition", "sqlstate", "symptom", "root_cause", "node_id",
                "recovery"):
        assert key in d
    assert (d["exception_class"], d["root_cause"], d["node_id"]) == ("SparkException", "heavy_load", "f_lighten")
    assert any("spark.driver.maxResultSize" in s for s in d["recovery"])
    out = _cli("-", "--json", stdin=(FIX / "spark43_kryo_foldbykey_captured.txt").read_bytes())
    d = json.loads(out.stdout)
    assert (d["error_condition"], d["sqlstate"], d["node_id"]) == ("KRYO_BUFFER_OVERFLOW", "54006", "f_kryo")
    out = _cli(str(FIX / "spark2_ipython_attribute_error.txt"))
    text = out.stdout.decode()
    assert "Innermost error : AttributeError: 'NoneType' object has no attribute 'startswith'" in text
    assert "Runbook node    : c_data_variance" in text
    out = _cli("/no/such.log")
    assert out.returncode == 2 and b"cannot read /no/such.log" in out.stderr


# ----------------------------------------------------------------- UI view
def test_result_view_renders_innermost_error_cause_recovery():
    from streamlit.testing.v1 import AppTest

    def page():
        import sys
        from pathlib import Path

        import streamlit as st

        sys.path.insert(0, str(Path.cwd()))
        from app_pages.results import triage as view
        from dcs_engine.triage import triage_text

        view.render(triage_text(st.session_state["text"]))

    at = AppTest.from_function(page, default_timeout=60)
    at.session_state["text"] = (FIX / "spark2_ipython_attribute_error.txt").read_text()
    at.run()
    assert not at.exception
    assert at.error[0].value == "AttributeError: 'NoneType' object has no attribute 'startswith'"
    md = "\n".join(m.value for m in at.markdown)
    assert "<ipython-input-22-334b6583877b>:1 in <lambda>" in md
    assert "**Cause:** Your Python function met a value" in md
    assert "1. Find the rows that break the function" in md
    assert [m.value for m in at.metric] == ["data variance", "c_data_variance", "python_data_error"]
    at.session_state["text"] = (FIX / "unknown_permission_denied.txt").read_text()
    at.run()
    assert at.warning[0].value.startswith("This error is not in the catalog")
    assert [m.value for m in at.metric] == ["unknown", "t_take", "none"]
