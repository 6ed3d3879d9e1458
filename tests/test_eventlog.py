"""Event-log reader and report on logs that real Spark applications wrote in this test session.

The logs come from tests/eventlog_driver.py (one subprocess, one SparkContext per
scenario, each with its own codec and rolling): Spark 4 defaults (zstd, rolled),
lz4, snappy (rolled), lzf, plain, a multi-file rolled zstd log, and a log left in
progress by a killed driver.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from dcs_engine.errors import JobCancelled
from dcs_engine.eventlog import EventLogError, analyze, compare, list_applications, load_thresholds
from dcs_engine.eventlog.codecs import decoded, detect
from dcs_engine.eventlog.locate import resolve
from dcs_engine.triage import triage_text
from tests import eventlog_fixture

ROOT = Path(__file__).resolve().parents[1]
SMALL_DATA = {"data_skew": {"min_max_bytes": 65536}}   # the tests' inputs are KBs, not the 256 MB of production


@pytest.fixture(scope="session")
def eventlogs(tmp_path_factory) -> dict:
    return eventlog_fixture.produce(tmp_path_factory)


def apps_dir(logs) -> str:
    return str(Path(logs["_root"]) / "apps")


def report(logs, scenario: str, thresholds=None):
    info = logs[scenario]
    return analyze(info["dir"], app=info["app_id"], thresholds=thresholds)


def all_lines(src):
    for f in src.files:
        with f.open() as raw:
            codec = detect(f.name, raw.read(8))
        with f.open() as raw:
            yield from decoded(raw, codec)


@pytest.mark.parametrize("scenario,codec,rolled", [
    ("clean", "zstd", True), ("skew", "lz4", False), ("spill", "snappy", True), ("pairs", "lzf", False),
    ("udf_fail", "none", False), ("rolled", "zstd", True)])
def test_every_codec_decodes_to_whole_json_lines(eventlogs, scenario, codec, rolled):
    src = resolve(eventlogs[scenario]["dir"], eventlogs[scenario]["app_id"])
    assert src.rolled is rolled
    events = [json.loads(line)["Event"] for line in all_lines(src)]
    assert events[0] == "SparkListenerLogStart" and events[-1] == "SparkListenerApplicationEnd"
    r = report(eventlogs, scenario)
    assert r.read.codec == codec and r.read.bad_lines == 0 and not r.read.truncated
    assert r.read.lines == len(events)
    assert r.app.name == f"dcs-{scenario}" and r.app.completed and r.app.spark_version.startswith("4.")
    assert {j.job_id for j in r.jobs} == set(range(len(r.jobs)))


def test_rolled_log_is_read_across_its_files_in_order(eventlogs):
    r = report(eventlogs, "rolled")
    numbers = [int(name.split("_")[1]) for name in r.read.files]
    assert len(numbers) >= 3 and numbers == list(range(1, len(numbers) + 1))
    assert all(j.status == "succeeded" for j in r.jobs) and len(r.jobs) >= 4
    assert len([e for e in r.read.events if e[0] == "SparkListenerJobStart"]) == 1


def test_a_directory_of_many_applications(eventlogs):
    listed = {e.name: e.app_id for e in list_applications(apps_dir(eventlogs))}
    assert listed == {f"dcs-{s}": eventlogs[s]["app_id"] for s in ("clean", "skew", "spill", "pairs", "udf_fail")}
    with pytest.raises(EventLogError) as err:
        analyze(apps_dir(eventlogs))
    assert "5 applications" in err.value.message and "dcs-skew" in err.value.message and "--app" in err.value.message
    by_name = analyze(apps_dir(eventlogs), app="dcs-spill")
    by_id = analyze(apps_dir(eventlogs), app=eventlogs["spill"]["app_id"])
    assert by_name.app.app_id == by_id.app.app_id == eventlogs["spill"]["app_id"]
    with pytest.raises(EventLogError, match="no-such-app"):
        analyze(apps_dir(eventlogs), app="no-such-app")


def test_zip_and_an_upload_without_its_name(eventlogs, tmp_path):
    rolled_dir = resolve(eventlogs["spill"]["dir"], eventlogs["spill"]["app_id"]).label
    archive = tmp_path / "logs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in Path(rolled_dir).iterdir():
            zf.write(p, f"{Path(rolled_dir).name}/{p.name}")
    assert analyze(archive).app.name == "dcs-spill"
    lz4 = Path(resolve(eventlogs["skew"]["dir"], eventlogs["skew"]["app_id"]).files[0].name)
    upload = tmp_path / "upload.bin"
    shutil.copy(Path(eventlogs["skew"]["dir"]) / lz4, upload)
    r = analyze(upload)
    assert r.read.codec == "lz4" and r.app.name == "dcs-skew"


def test_a_log_left_in_progress_by_a_killed_driver(eventlogs):
    r = report(eventlogs, "in_progress")
    assert not r.app.completed and r.read.files[0].endswith(".inprogress")
    assert any("in progress" in n for n in r.read.notes)
    assert r.jobs and r.jobs[0].status == "succeeded" and r.app.end_ms >= r.jobs[0].completed_ms


def test_not_an_event_log(tmp_path):
    bad = tmp_path / "driver.log"
    bad.write_text("26/11/25 14:07:01 INFO SparkContext: Running Spark version 4.3.0\n" * 20)
    with pytest.raises(EventLogError, match="Spark listener events"):
        analyze(bad)
    with pytest.raises(EventLogError, match="existing file"):
        analyze(tmp_path / "missing")


def test_udf_failure_goes_through_triage_to_its_node(eventlogs):
    r = report(eventlogs, "udf_fail")
    first = r.first_failure
    assert first.kind == "task" and first.reason == "ExceptionFailure"
    assert "AttributeError" in first.headline and "startswith" in first.headline
    assert first.node_id == triage_text(first.example).node_id
    assert r.outcome == first.root_cause and r.node_id == first.node_id
    stage = r.stage(first.stages[0])
    assert first.count == stage.tasks_failed >= 2 and first.executors == ("driver",)
    assert {g.kind for g in r.failures} >= {"task", "stage", "job", "sql"} and r.failed
    assert any(j.status == "failed" for j in r.jobs)


def test_skewed_join_is_found_with_its_key_and_table(eventlogs):
    r = report(eventlogs, "skew", SMALL_DATA)
    f = next(f for f in r.findings if f.rule == "data_skew")
    st = r.stage(f.stage_id)
    assert "SortMergeJoin" in st.operators and st.keys[0] == "client_id"
    assert st.read_bytes.max > 5 * st.read_bytes.median and st.biggest.read_bytes == st.read_bytes.max
    assert f.node_id == "t_skew" and f.technique == "skew" and f.params["keys"].startswith("client_id")
    assert f.params["source"]["kind"] == "path" and f.params["source"]["path"].endswith("work/skew/hotkey")
    assert ("max_over_median", 5, load_thresholds().source("data_skew", "max_over_median")) in f.thresholds
    assert not [f for f in report(eventlogs, "skew").findings if f.rule == "data_skew"]   # 256 MB by default


def test_spilling_sort(eventlogs):
    r = report(eventlogs, "spill")
    st = max(r.stages, key=lambda s: s.disk_spilled)
    assert st.disk_spilled > 0 and "Sort" in st.operators
    f = next(f for f in r.findings if f.rule == "spill")
    assert f.stage_id == st.stage_id and f.node_id == "t_spend"


def test_all_pairs_plans(eventlogs):
    r = report(eventlogs, "pairs")
    rules = {f.rule for f in r.findings}
    assert {"cartesian", "nested_loop_join", "window_single_partition", "python_udf"} <= rules
    py = next(s for s in r.stages if "FlatMapGroupsInPandas" in s.operators)
    assert py.python_time_s > 0 and py.keys == ("client_id",)
    q = next(q for q in r.sql if "nested_loop_join" in q.plan_flags)
    assert any(j.startswith("BroadcastNestedLoopJoin") for j in q.joins) and "BroadcastNestedLoopJoin" in q.plan_text


def test_where_the_time_went(eventlogs):
    r = report(eventlogs, "clean")
    t = r.timeline
    assert not r.failures and not [f for f in r.findings if f.severity == "high"]
    assert 0 < t.jobs_s <= t.uptime_s and abs(t.driver_s - (t.uptime_s - t.jobs_s)) < 1e-6
    assert abs(t.task_s - sum(s.task_time_s for s in r.stages)) < 0.01 and t.core_s > t.task_s
    path = t.critical_path
    assert path and path[0].start_ms >= r.app.start_ms and path[-1].end_ms <= r.app.end_ms
    assert all(a.end_ms <= b.start_ms + 1 for a, b in zip(path, path[1:]))
    ran = [s for s in r.stages if s.status == "succeeded"]
    assert sum(s.tasks_succeeded for s in ran) == dict(r.read.events)["SparkListenerTaskEnd"]
    for s in ran:
        d = s.duration
        assert d.min <= d.p25 <= d.median <= d.p75 <= d.max and d.n == s.tasks_succeeded
    assert {s.status for s in r.stages} >= {"succeeded"}
    write = next(q for q in r.sql if q.files_written)
    assert write.bytes_written > 0


def test_configuration(eventlogs):
    r = report(eventlogs, "skew")
    conf = dict(r.config)
    assert conf["spark.sql.shuffle.partitions"] == "8" and conf["spark.sql.adaptive.skewJoin.enabled"] == "false"
    assert "spark.app.id" not in conf and "spark.driver.port" not in conf


def test_compare_two_runs_finds_the_stage_that_grew_faster_than_its_input(eventlogs):
    c = compare(eventlogs["compare_a"]["dir"], eventlogs["compare_b"]["dir"])
    g = c.first_growth
    assert c.outcome == "cost_grew_faster" and g is not None
    assert "FlatMapGroupsInPandas" in g.b.operators and abs(g.input_growth - 5) < 1e-9
    assert g.cost_growth > 1.5 * g.input_growth
    assert ("spark.sql.shuffle.partitions", "4", "6") in c.config_changes
    assert g.b.label in c.headline and "spark.sql.shuffle.partitions" in c.headline
    same = compare(eventlogs["compare_a"]["dir"], eventlogs["compare_a"]["dir"])
    assert same.first_growth is None and not same.config_changes and same.outcome == "in_step"


def test_progress_and_cancel(eventlogs):
    seen = []
    r = analyze(eventlogs["rolled"]["dir"], progress=lambda f, text: seen.append((f, text)))
    assert seen[-1][0] == 1.0 and r.app.completed
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)
    stop = threading.Event()
    stop.set()
    with pytest.raises(JobCancelled):
        analyze(eventlogs["rolled"]["dir"], cancel=stop)


def test_thresholds_are_data_with_sources():
    from runbook import load_builtin

    book = load_builtin()
    th = load_thresholds()
    for rule, spec in th.rules.items():
        node = book.nodes[spec["node"]]
        assert spec["cause"] and spec["title"]
        if spec["technique"]:
            reachable = {node.technique} | {book.nodes[e.to].technique for e in node.edges}
            assert spec["technique"] in reachable, rule
        for limit, value, source in th.cited(rule):
            assert source and value is not None, (rule, limit)
    with pytest.raises(EventLogError, match="task_skew → min_max_seconds"):
        load_thresholds({"task_skew": {"min_max_seconds": 1}})


def test_cli_eventlog_compare_and_triage(eventlogs, tmp_path):
    run = lambda *a: subprocess.run([sys.executable, "-m", "dcs_engine", *a], cwd=ROOT, capture_output=True,
                                    text=True, timeout=120)
    out = run("eventlog", apps_dir(eventlogs), "--app", "dcs-udf_fail", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["first_failure"]["kind"] == "task" and "AttributeError" in d["headline"]
    md = run("eventlog", apps_dir(eventlogs), "--app", "dcs-pairs")
    assert "CartesianProduct" in md.stdout and "## Where the time went" in md.stdout
    listed = run("eventlog", apps_dir(eventlogs), "--list")
    assert listed.stdout.count("dcs-") == 5
    bad = run("eventlog", apps_dir(eventlogs))
    assert bad.returncode == 2 and "[DCS110]" in bad.stderr
    cmp = run("compare", eventlogs["compare_a"]["dir"], eventlogs["compare_b"]["dir"], "--json")
    assert json.loads(cmp.stdout)["outcome"] == "cost_grew_faster"
    tb = tmp_path / "tb.txt"
    tb.write_text(d["first_failure"]["example"])
    tri = run("triage", str(tb), "--json")
    assert tri.returncode == 0 and json.loads(tri.stdout)["exception_class"] == "AttributeError"


def test_spark35_log_fixture():
    r = analyze(eventlog_fixture.SPARK35, thresholds={"data_skew": {"min_max_bytes": 65536}})
    assert r.app.spark_version == "3.5.9" and r.read.codec == "lz4" and r.read.bad_lines == 0
    assert r.first_failure.kind == "task" and "AttributeError" in r.first_failure.headline
    assert r.first_failure.count == 4 and r.first_failure.node_id == triage_text(r.first_failure.example).node_id
    skew = next(f for f in r.findings if f.rule == "data_skew")
    assert skew.params["keys"] == "client_id"
    assert any(f.rule == "python_udf" for f in r.findings)


@pytest.mark.parametrize("scenario", ["skew", "spill", "pairs", "clean"])
def test_a_compressed_log_cut_off_mid_stream(eventlogs, scenario, tmp_path):
    """A driver killed while writing: the reader keeps every whole block and says the log is cut off."""
    src = resolve(eventlogs[scenario]["dir"], eventlogs[scenario]["app_id"])
    data = src.files[0].open().read()
    cut = tmp_path / src.files[0].name
    cut.write_bytes(data[: len(data) * 6 // 10])
    whole = report(eventlogs, scenario)
    r = analyze(cut)
    assert r.app.name == f"dcs-{scenario}" and not r.app.completed
    assert 0 < r.read.lines < whole.read.lines and r.read.bad_lines <= 1
    if r.read.codec != "zstd":   # zstd frames carry no block lengths ahead: a cut frame just ends
        assert r.read.truncated and any("mid-block" in n for n in r.read.notes)
