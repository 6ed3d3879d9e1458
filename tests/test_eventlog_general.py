"""The event-log reader on applications unlike the project's demo jobs, logged for real in this module.

tests/eventlog_general_driver.py writes them (one subprocess, one SparkContext each):
a Structured Streaming query stopped after a few micro-batches, one whose sink
fails, and plain RDD jobs (no SQL execution).  A Spark Connect server with event
logs on serves two client sessions (one runs a failing query).  Copies of a real
log cut mid-line, or with a foreign platform's event added, check that the reader
reports what it could not read instead of guessing.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dcs_engine.eventlog import analyze
from dcs_engine.eventlog.locate import resolve

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / "tests" / "eventlog_general_driver.py"
SCENARIOS = ["streaming", "stream_fail", "stream_stopped_mid_batch", "rdd_only"]


@pytest.fixture(scope="module")
def general(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("general-eventlogs")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable}
    proc = subprocess.run([sys.executable, str(DRIVER), json.dumps({"out": str(out), "scenarios": SCENARIOS})],
                          cwd=out, env=env, capture_output=True, text=True, timeout=500)
    got = {d["scenario"]: d for d in (json.loads(ln) for ln in proc.stdout.splitlines() if ln.startswith("{"))}
    assert set(got) == set(SCENARIOS), f"driver wrote {sorted(got)} (rc {proc.returncode}):\n{proc.stderr[-4000:]}"
    return got


def read(info: dict):
    return analyze(info["dir"], app=info["app_id"])


def test_a_stopped_streaming_query_is_summarised_and_its_interrupted_batch_is_no_failure(general):
    info = general["streaming"]
    r = read(info)
    assert r.app.kind == "streaming"
    assert len(r.streams) == 1
    q = r.streams[0]
    assert q.name == "rate_counts" and q.status == "stopped" and q.exception is None
    assert q.batches >= info["expect"]["batches_min"] >= 1
    assert q.input_rows > 0 and q.batch_s_max > 0
    assert not r.failed and r.first_failure is None, r.failures   # stop() interrupts the running batch
    assert r.outcome == "clean"
    assert not [f for f in r.findings if f.rule in ("idle_cores", "small_tasks")]
    assert "## Streaming queries" in r.to_markdown()
    assert all("\n" not in j.name for j in r.jobs)   # micro-batch descriptions span lines


def test_a_query_stopped_mid_batch_cancels_a_job_and_that_is_no_failure(general):
    """The stop finds a batch's tasks running (tests/eventlog_general_driver.py holds them at a gate),
    so Spark fails its stage and job as cancelled; the log really holds those, and the report names
    them one interrupted batch of a stopped query, not failures."""
    info = general["stream_stopped_mid_batch"]
    assert info["expect"]["stopped_mid_batch"], "the driver never saw the gated batch running"
    logged = "\n".join(f.read_text() for f in Path(info["dir"]).iterdir() if f.is_file())
    failed_stages = [json.loads(ln) for ln in logged.splitlines() if '"SparkListenerStageCompleted"' in ln
                     and '"Failure Reason"' in ln]
    assert failed_stages, "the event log holds no failed stage: the stop did not cut a batch"
    r = read(info)
    q = r.streams[0]
    assert q.name == "gated_rows" and q.status == "stopped" and q.exception is None
    assert q.interrupted_batches == 1                # its stage, job and two SQL executions: one batch
    assert [j.status for j in r.jobs if j.status != "succeeded"] == ["cancelled"]
    assert not r.failed and r.first_failure is None, r.failures


def test_a_streaming_query_that_dies_is_a_failure_with_its_exception(general):
    info = general["stream_fail"]
    assert info["expect"]["error"], "the query was expected to fail"
    r = read(info)
    q = r.streams[0]
    assert q.status == "failed" and "dcs stream sink refused batch" in (q.exception or "")
    groups = [g for g in r.failures if g.kind == "stream"]
    assert groups and "dcs stream sink refused batch" in groups[0].example
    assert r.failed and r.outcome != "clean"


def test_an_rdd_only_application_reads_without_sql(general):
    r = read(general["rdd_only"])
    exp = general["rdd_only"]["expect"]
    assert r.app.kind == "batch" and not r.sql and not r.streams
    assert len(r.jobs) == exp["jobs"] and all(j.status == "succeeded" for j in r.jobs)
    ran = [s for s in r.stages if s.status == "succeeded"]
    assert len(ran) == exp["stages"]
    assert sum(s.tasks_succeeded for s in ran) == exp["tasks"]
    assert not r.failures and not r.read.notes and not r.read.skipped_events


def _copy(info: dict, dest: Path) -> Path:
    src = resolve(info["dir"], info["app_id"]).files[0]
    target = dest / Path(src.name).name
    with src.open() as f:
        target.write_bytes(f.read())
    return target


def test_a_log_cut_mid_line_without_its_end_is_reported_as_cut_and_incomplete(general, tmp_path):
    log = _copy(general["rdd_only"], tmp_path)
    lines = log.read_bytes().splitlines(keepends=True)
    end = next(i for i, ln in enumerate(lines) if b'"SparkListenerJobEnd"' in ln and b'"Job ID":1' in ln)
    log.write_bytes(b"".join(lines[:end]) + lines[end][:40])   # the driver died writing job 1's end
    r = analyze(str(log))
    assert r.read.truncated and r.read.cut_files == (log.name,)
    assert r.read.bad_lines == 1
    assert not r.app.completed and r.app.app_id == general["rdd_only"]["app_id"]
    assert [j.status for j in r.jobs] == ["succeeded", "running"]
    assert any("cut off mid-event" in n for n in r.read.notes)
    assert any("never ended" in n for n in r.read.notes)
    assert "no ApplicationEnd" in r.headline


def test_an_unknown_event_type_is_skipped_counted_and_named(general, tmp_path):
    log = _copy(general["rdd_only"], tmp_path)
    before = analyze(str(log))
    lines = log.read_bytes().splitlines(keepends=True)
    foreign = b'{"Event":"com.example.platform.ClusterHealthEvent","ts":1,"nested":{"a":[1,2]}}\n'
    log.write_bytes(b"".join(lines[:5]) + foreign * 3 + b"".join(lines[5:]))
    r = analyze(str(log))
    assert r.read.skipped_events == (("com.example.platform.ClusterHealthEvent", 3),)
    assert any("ClusterHealthEvent (3)" in n for n in r.read.notes)
    assert r.read.bad_lines == 0
    assert [(s.stage_id, s.tasks_succeeded) for s in r.stages] == [(s.stage_id, s.tasks_succeeded)
                                                                    for s in before.stages]


@pytest.mark.connect
def test_a_connect_servers_log_shows_its_sessions_and_a_failed_request(tmp_path_factory):
    from tests.connect_fixture import start_connect_server

    base = tmp_path_factory.mktemp("connect-eventlog")
    logs = base / "logs"
    logs.mkdir()
    server = start_connect_server(base, {"spark.eventLog.enabled": "true", "spark.eventLog.dir": logs.as_uri(),
                                         "spark.ui.enabled": "false"})
    try:
        for fail in (False, True):
            out = server.call([("tests.eventlog_general_driver:connect_session", {"fail": fail})])
            assert out[0][0] == "ok", out
    finally:
        server.stop()
    r = analyze(str(next(logs.iterdir())))
    assert r.app.kind == "connect server"
    assert len(r.sessions) == 2 and all(s.closed_ms for s in r.sessions)
    assert sorted(s.failed for s in r.sessions) == [0, 1]
    assert sum(s.operations for s in r.sessions) >= 3
    assert "USER_RAISED_EXCEPTION" in next(s.first_error for s in r.sessions if s.failed)
    assert "served 2 client session(s)" in r.headline
    assert not [f for f in r.findings if f.rule == "idle_cores"]
    assert all(len(j.name) <= 160 and "\n" not in j.name for j in r.jobs)
    assert not [n for n in r.read.notes if "does not know" in n], r.read.notes


def test_thresholds_keep_the_serving_kinds_as_data():
    from dcs_engine.eventlog import load_thresholds

    th = load_thresholds()
    assert set(th.limits("idle_cores")["skip_kinds"]) >= {"streaming", "connect server"}
    th2 = load_thresholds({"idle_cores": {"skip_kinds": {"value": []}}})
    assert th2.limits("idle_cores")["skip_kinds"] == []


def test_the_page_shows_a_streaming_apps_queries(general):
    from tests.test_eventlog_app import page
    from tests.test_eventlog_app import read as read_page

    info = general["streaming"]
    at = read_page(page(), info["dir"], info["app_id"])
    assert "Streaming queries" in [h.value for h in at.subheader]
    frames = at.dataframe
    assert frames and any("rate_counts" in str(f.value) for f in frames)
