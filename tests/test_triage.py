"""Traceback triage on text: details the corpus (test_triage_corpus.py) does not state -- stage/task/executor,
conditions and SQLSTATE, the technique, streaming of big logs (both engines), the bench, the command line
and the result view."""
from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from dcs_engine import registry
from dcs_engine.errors import ParameterError
from dcs_engine.triage import TriageReport, stream, triage_file, triage_stream, triage_text

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "tracebacks"
TEXTS = sorted(FIX.rglob("*.txt"))

def test_stage_task_executor_are_read():
    r = triage_text((FIX / "spark2_yarn_import_error.txt").read_text())
    assert (r.stage, r.task, r.executor) == ("4.0", "0.3", "164")
    r = triage_text((FIX / "yarn_container_killed.txt").read_text())
    assert (r.stage, r.task, r.executor) == ("9.0", "112.3", "11")
    r = triage_text((FIX / "spark43_worker_exit_captured.txt").read_text())
    assert (r.stage, r.task, r.executor) == ("3.0", "0.0", "driver")


def test_condition_and_sqlstate():
    r = triage_text((FIX / "spark43_kryo_foldbykey_captured.txt").read_text())
    assert (r.error_condition, r.sqlstate, r.matched_by) == ("KRYO_BUFFER_OVERFLOW", "54006", "KryoException")
    assert ("spark.kryoserializer.buffer.max", "512m") in r.conf
    assert r.headline == "[KRYO_BUFFER_OVERFLOW] KryoException: Buffer overflow. Available: 0, required: 1048576"
    kryo = r.conditions[0]
    assert (kryo.condition, kryo.sqlstate, kryo.known) == ("KRYO_BUFFER_OVERFLOW", "54006", True)
    assert kryo.meaning.startswith("Kryo serialization failed: <exceptionMsg>.")  # Spark's documented template
    assert [lv.name for lv in r.levels] == ["Py4JJavaError", "SparkException", "KryoException"]
    assert r.levels[1].conditions[0].condition == "KRYO_BUFFER_OVERFLOW" and not r.levels[2].conditions
    r = triage_text((FIX / "spark4_python_exception_condition.txt").read_text())
    assert r.sqlstate == "38000" and r.surfaced_qualname == "org.apache.spark.api.python.PythonException"
    assert r.levels[0].conditions[0].condition == "PYTHON_EXCEPTION" and r.exception_class == "ZeroDivisionError"


def test_condition_without_printed_sqlstate_gets_it_from_sparks_catalog():
    # Spark 3.x printed the condition without "SQLSTATE:"; the catalog in the pinned jar knows it
    r = triage_text((FIX / "spark35" / "unresolved_column.txt").read_text())
    assert "SQLSTATE" not in r.levels[0].message
    assert (r.error_condition, r.sqlstate) == ("UNRESOLVED_COLUMN.WITH_SUGGESTION", "42703")


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
    text = ("py4j.protocol.Py4JJavaError: An error occurred while calling o92.run.\n"
            ": com.acme.grid.GridStallException: partition 7 stalled in phase FROB\n"
            "\tat com.acme.grid.Runner.run(Runner.java:41)\n")
    r = triage_text(text)
    assert (r.exception_class, r.message) == ("GridStallException", "partition 7 stalled in phase FROB")
    assert r.exception_qualname == "com.acme.grid.GridStallException" and r.surfaced_class == "Py4JJavaError"
    assert (r.catalog_id, r.root_cause, r.outcome, r.node_id) == (None, None, "unknown", "t_take")
    assert r.recovery[0].startswith("Not in the catalog")
    assert "not in the catalog" in r.to_markdown()


@pytest.mark.parametrize("text,surfaced,innermost", [
    # after a prefix this reader has never seen (a container id)
    ("container_1700_0042_01_000002: java.lang.OutOfMemoryError: Java heap space\n\tat x.Y.z(Y.java:1)\n",
     "OutOfMemoryError", "OutOfMemoryError"),
    # inside quotes, in a key=value log line
    ('ts=2024-05-01T10:00:00Z level=error msg="task failed" error="java.io.IOException: No space left on device"\n',
     "IOException", "IOException"),
    # a bare base class, with no module
    ("Error: Could not find or load main class org.apache.spark.deploy.SparkSubmit\n", "Error", "Error"),
    ("RuntimeError: Java gateway process exited before sending its port number\n", "RuntimeError", "RuntimeError"),
    # a level in lower case after a timestamp, the exception in its message
    ("2024-05-01 10:00:00,123 error Executor - task 3 failed: java.lang.ArithmeticException: / by zero\n",
     "ArithmeticException", "ArithmeticException"),
    # a Python class that does not end in Error, closing a traceback
    ("Traceback (most recent call last):\n  File \"a.py\", line 3, in <module>\n    x()\n"
     "decimal.InvalidOperation: [<class 'decimal.ConversionSyntax'>]\n", "InvalidOperation", "InvalidOperation"),
    # a truncated IPython cell output: the header still names the class
    ("KeyError                                  Traceback (most recent call last)\n<ipython-input-4-aa> in <module>\n"
     "----> 1 d['x']\n", "KeyError", "KeyError"),
    # Java chain with "... N more": the deepest cause is the innermost
    ("java.lang.RuntimeException: outer\n\tat a.B.c(B.java:1)\nCaused by: java.lang.IllegalStateException: inner\n"
     "\t... 3 more\n", "RuntimeException", "IllegalStateException"),
])
def test_parser_rules(text, surfaced, innermost):
    r = triage_text(text)
    assert (r.surfaced_class, r.exception_class) == (surfaced, innermost), r.levels


def test_a_worker_that_lost_its_jvm_is_a_symptom_of_the_error_before_it():
    text = ("26/12/01 21:52:48 ERROR Executor: Exception in task 0.0 in stage 2.0 (TID 3)\n"
            "java.lang.OutOfMemoryError: Java heap space\n\tat scala.collection.mutable.ArrayBuffer.addOne(x.scala:1)\n"
            "Traceback (most recent call last):\n  File \"/opt/spark/python/lib/pyspark.zip/pyspark/daemon.py\", "
            "line 193, in manager\n    code = worker(sock, authenticated)\nEOFError\n")
    r = triage_text(text)
    assert (r.exception_class, r.outcome) == ("OutOfMemoryError", "heavy_load")
    only = triage_text(text[text.index("Traceback"):])  # alone, the lost peer is all there is to read
    assert only.exception_class == "EOFError"


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


# ---------------------------------------------------------------- technique
def run_triage(**params):
    tech = registry.get("triage")
    assert tech.needs_spark is False and tech.runnable
    return registry.run_technique(tech, None, params)


def test_technique_on_pasted_text_and_path():
    r = run_triage(text=(FIX / "spark2_yarn_import_error.txt").read_text())
    assert isinstance(r, TriageReport) and r.outcome == "framework_state" and r.source == "pasted text"
    r = run_triage(path=str(FIX / "k8s_oomkilled.txt"))
    assert r.outcome == "heavy_load" and r.line_no == 18  # the record before the driver traceback, not the WARNs
    assert dict(r.also_seen) == {"k8s_oom_killed": 3}
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
    assert r.line_no == start  # the ERROR record that announces the failure, right above the traceback
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


def _blocks(scan_fn):
    seen = []
    res = scan_fn(lambda b: seen.append((b.start_line, b.lines, b.severity, b.text())))
    return seen, res


def test_the_pinned_ripgrep_and_grep_are_found():
    assert [name for name, _ in stream.searchers()] == ["rg", "grep"]  # ripgrep comes with requirements.txt


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: str(p.relative_to(FIX)))
def test_every_engine_cuts_the_same_blocks(path, monkeypatch):
    with open(path, "rb") as f:
        py, _ = _blocks(lambda cb: stream.scan(f, on_block=cb, chunk=257))  # lines cut across chunk borders
    assert py
    for name, command in stream.searchers() + [(None, None)]:
        monkeypatch.setattr(stream, "_searcher", lambda n=name, c=command: (n, c) if n else None)
        found, res = _blocks(lambda cb: stream.scan_file(path, on_block=cb))
        assert res.engine == (name or "python") and found == py, name


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: str(p.relative_to(FIX)))
def test_a_streamed_log_triages_like_the_whole_text(path):
    whole = triage_text(path.read_text())
    with open(path, "rb") as f:
        streamed = triage_stream(f)
    assert (streamed.exception_qualname, streamed.catalog_id, streamed.outcome) == \
        (whole.exception_qualname, whole.catalog_id, whole.outcome)


def test_the_memory_error_elsewhere_in_a_big_log_explains_the_panic(tmp_path):
    oom = ('Exception in thread "dispatcher-event-loop-1" java.lang.OutOfMemoryError: Java heap space\n'
           "\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)\n")
    panic = ("Traceback (most recent call last):\n  File \"report.py\", line 5, in <module>\n    pdf = df.toPandas()\n"
             "py4j.protocol.Py4JError: An error occurred while calling o208.collectToPython\n")
    p = tmp_path / "driver.log"
    _write_big_log(p, 1, oom + "".join(f"26/11/25 14:09:{i:02d} INFO Executor: tick {i}\n" for i in range(60)) + panic)
    r = triage_file(p)
    assert r.surfaced_class == "Py4JError" and (r.outcome, r.catalog_id) == ("heavy_load", "jvm_out_of_memory")
    assert "elsewhere in the log" in r.why


def test_bench_runs_at_a_tiny_size():
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "triage.py"), "--mb", "3", "--rounds", "1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.strip().splitlines()
    assert "-> python_data_error / c_data_variance" in out.stdout  # the planted error was found
    assert "same result: True" in out.stdout  # the Python engine agrees with the file engine
    assert any(ln.startswith("MB/s: ") and "peak MB: " in ln for ln in lines)
    assert lines[-1].startswith("ratio: ") and float(lines[-1].split()[1]) > 0


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
    assert "Surfaced as `Py4JJavaError`; innermost `AttributeError`" in md
    assert at.info[0].value.startswith("**Why:** decided by a catalog entry, by the exception class — catalog "
                                       "entry 'python_data_error'")
    # every level's condition, with Spark's documented meaning and SQLSTATE
    at.session_state["text"] = (FIX / "spark43_kryo_foldbykey_captured.txt").read_text()
    at.run()
    md = "\n".join(m.value for m in at.markdown)
    assert "2. `org.apache.spark.SparkException` (jvm)" in md
    assert "condition `KRYO_BUFFER_OVERFLOW`, SQLSTATE `54006`" in md
    assert "Kryo serialization failed: <exceptionMsg>" in md
    at.session_state["text"] = "com.acme.grid.GridStallException: partition 7 stalled\n"
    at.run()
    assert at.warning[0].value.startswith("This error is not in the catalog")
    assert [m.value for m in at.metric] == ["unknown", "t_take", "none"]
    assert at.info[0].value.startswith("**Why:** decided by nothing matched")
