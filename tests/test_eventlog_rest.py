"""The same applications read through a real History Server (from the pip package) and a live driver UI.

The History Server serves the logs this session's tests wrote; its REST answers
must give the report the logs give: same jobs, stages, bytes, failures and findings.
"""
from __future__ import annotations

import pytest

from dcs_engine.eventlog import EventLogError, analyze, compare
from tests import eventlog_fixture

SMALL_DATA = {"data_skew": {"min_max_bytes": 65536}}
# rules on measured times or uptime could tip either way on a busy machine: compare the others
NO_TIMING = {**SMALL_DATA, "task_skew": {"min_max_s": 1e9}, "gc": {"min_task_time_s": 1e9},
             "long_stage": {"min_wall_s": 1e9}, "idle_cores": {"min_uptime_s": 1e9},
             "python_udf": {"min_time_s": 1e9}}
SERVED = ("clean", "skew", "spill", "pairs", "udf_fail")


@pytest.fixture(scope="session")
def eventlogs(tmp_path_factory) -> dict:
    return eventlog_fixture.produce(tmp_path_factory)


@pytest.fixture(scope="session")
def history_server(eventlogs, tmp_path_factory):
    with eventlog_fixture.history_server(eventlogs, tmp_path_factory) as url:
        yield url


def _stages(r):
    return sorted((s.stage_id, s.attempt, s.status, s.tasks_succeeded, s.tasks_failed, s.input_bytes,
                   s.shuffle_read_bytes, s.shuffle_write_bytes, s.disk_spilled) for s in r.stages)


@pytest.mark.parametrize("scenario", SERVED)
def test_history_server_gives_the_report_the_log_gives(eventlogs, history_server, scenario):
    info = eventlogs[scenario]
    log = analyze(info["dir"], app=info["app_id"], thresholds=NO_TIMING)
    rest = analyze(history_server, app=info["app_id"], thresholds=NO_TIMING)
    assert rest.read.codec == "REST" and rest.app.app_id == log.app.app_id and rest.app.name == log.app.name
    assert rest.app.spark_version == log.app.spark_version and rest.app.completed
    assert [(j.job_id, j.status, j.stage_ids) for j in rest.jobs] == [(j.job_id, j.status, j.stage_ids)
                                                                     for j in log.jobs]
    assert _stages(rest) == _stages(log)
    assert {(f.rule, f.stage_id, f.sql_id) for f in rest.findings} == {(f.rule, f.stage_id, f.sql_id)
                                                                       for f in log.findings}
    tasks = lambda r: [(g.headline, g.count, g.node_id) for g in r.failures if g.kind == "task"]   # noqa: E731
    assert tasks(rest) == tasks(log)
    assert (rest.first_failure is None) == (log.first_failure is None)
    if log.first_failure:
        assert rest.first_failure.headline == log.first_failure.headline and rest.node_id == log.node_id
    for a, b in zip(sorted(rest.stages, key=lambda s: s.stage_id), sorted(log.stages, key=lambda s: s.stage_id)):
        assert (a.run_time, a.read_bytes if b.read_bytes and b.read_bytes.max else None) == \
               (b.run_time, b.read_bytes if b.read_bytes and b.read_bytes.max else None)   # Spark's quantiles
        assert abs(a.run_time_s - b.run_time_s) < 1e-6
    assert dict(rest.config)["spark.master"] == dict(log.config)["spark.master"]


def test_urls_and_choices(eventlogs, history_server):
    skew = eventlogs["skew"]["app_id"]
    page = analyze(f"{history_server}/history/{skew}/jobs/", thresholds=SMALL_DATA)
    assert page.app.app_id == skew and any(f.rule == "data_skew" for f in page.findings)
    assert analyze(f"{history_server}/api/v1", app="dcs-spill").app.name == "dcs-spill"
    with pytest.raises(EventLogError, match="5 applications"):
        analyze(history_server)
    with pytest.raises(EventLogError, match="no-such-app"):
        analyze(history_server, app="no-such-app")
    same = compare(f"{history_server}/history/{skew}", eventlogs["skew"]["dir"], app_b=skew)
    assert same.first_growth is None and not same.config_changes and len(same.stages) >= 4


def test_live_driver_ui(spark):
    spark.range(0, 10_000, numPartitions=3).selectExpr("id % 5 as k").groupBy("k").count().collect()
    url = spark.sparkContext.uiWebUrl
    r = analyze(url)
    assert r.app.app_id == spark.sparkContext.applicationId and not r.app.completed
    assert r.jobs and any(s.tasks_succeeded == 3 for s in r.stages)


def test_nothing_listening():
    from tests.cluster_fixture import free_port

    with pytest.raises(EventLogError, match="History Server or driver UI"):
        analyze(f"http://127.0.0.1:{free_port()}")


def test_a_log_the_history_server_compacted(eventlogs, tmp_path_factory, tmp_path):
    """Spark's own compaction (maxFilesToRetain) leaves events_N_<app>.compact: reading starts there."""
    import shutil
    import time
    from pathlib import Path

    rolled = Path(eventlog_fixture.resolve_dir(eventlogs, "rolled"))
    copy = tmp_path / "logs"
    shutil.copytree(rolled.parent, copy)
    extra = "spark.history.fs.eventLog.rolling.maxFilesToRetain=1\n"
    with eventlog_fixture.history_server(eventlogs, tmp_path_factory, copy, apps=1, extra=extra):
        deadline = time.time() + 120
        while not list(copy.rglob("*.compact")) and time.time() < deadline:
            time.sleep(1)
    compact = list(copy.rglob("*.compact"))
    assert compact, sorted(p.name for p in copy.rglob("*"))
    r = analyze(copy)
    assert r.read.files[0].endswith(".compact") and r.read.bad_lines == 0
    assert r.app.name == "dcs-rolled" and r.app.completed
    assert len(r.read.files) < len(analyze(rolled).read.files)
