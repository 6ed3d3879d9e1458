"""The job runner (what runs each request inside a worker): progress, cancel isolation, no repeats,
no verdict after Cancel; and the service door in front of the workers."""
import time

import pytest

from dcs_engine import service
from dcs_engine.errors import JobCancelled, SparkConnectionError, SparkJobError, TechniqueUnavailable
from dcs_engine.runtime.jobs import RUNNER
from dcs_engine.runtime.session import MANAGER, SparkSettings, check_master, parse_conf
from dcs_engine.runtime.workers import pool


def _slow_job(spark, seconds=20):
    # Each task sleeps a little, so the job is long enough to cancel but finishes on its own.
    def nap(it):
        import time as t
        t.sleep(seconds / 8)
        return [sum(1 for _ in it)]
    return sum(spark.sparkContext.parallelize(range(80), 8).mapPartitions(nap).collect())


def test_cancel_in_one_session_leaves_the_other_running(spark):
    a = RUNNER.submit("sessA", "slow A", lambda: spark, lambda ctx: _slow_job(ctx.spark, 4))
    b = RUNNER.submit("sessB", "slow B", lambda: spark, lambda ctx: _slow_job(ctx.spark, 4))
    deadline = time.time() + 30
    while time.time() < deadline and not (a.progress().jobs and b.progress().jobs):
        time.sleep(0.1)
    assert a.progress().jobs == 1 and b.progress().jobs == 1
    a.cancel()
    assert b.outcome() == 80          # the other session's work completes
    a.wait(30)
    with pytest.raises(JobCancelled) as e:
        a.outcome()
    assert e.value.message == ("[DCS203] run 'slow A'; found cancelled by the user. "
                               "Fix: press Run again to start it anew")
    assert a.group != b.group


def test_progress_reports_tasks(spark):
    h = RUNNER.submit("sessP", "progress", lambda: spark, lambda ctx: _slow_job(ctx.spark, 2))
    seen = []
    while not h.wait(0.2):
        seen.append(h.progress())
    assert h.outcome() == 80
    assert any(p.tasks_total == 8 for p in seen)
    assert h.progress().fraction == 1.0


def test_failed_job_is_triaged(spark):
    def boom(ctx):
        return ctx.spark.sparkContext.parallelize([1, None], 2).map(lambda x: x + 1).collect()
    h = RUNNER.submit("sessF", "boom", lambda: spark, boom)
    h.wait(60)
    with pytest.raises(SparkJobError) as e:
        h.outcome()
    assert e.value.triage.exception_class == "TypeError"
    assert "NoneType" in e.value.triage.message


def test_a_finished_run_is_not_repeated(spark):
    calls = []

    def work(ctx):
        calls.append(1)
        return ctx.spark.range(5).count()
    h = RUNNER.submit("sessR", "once", lambda: spark, work)
    assert h.outcome() == 5
    assert RUNNER.get(h.id).outcome() == 5 and calls == [1]


def test_service_runs_take_in_the_worker_and_refuses_snippet_only_techniques(worker_owner):
    h = service.start_run(worker_owner, "take", {"source": {"kind": "demo", "rows": 50}, "n": 3})
    assert len(h.outcome(300).rows) == 3
    assert service.get_run(h.id) is h
    with pytest.raises(TechniqueUnavailable) as e:
        service.start_run(worker_owner, "spark_ui", {})
    assert e.value.condition == "TECHNIQUE_NOT_RUNNABLE"


def test_bad_parameters_are_refused_in_the_app_before_any_worker_starts():
    from dcs_engine.errors import ParameterError

    with pytest.raises(ParameterError) as e:
        service.start_run("t-params", "take", {"source": {"kind": "demo"}, "n": 0})
    assert e.value.condition == "PARAM_OUT_OF_RANGE" and e.value.params["param"] == "n"
    assert pool().worker("t-params") is None


def test_describe_source_gives_columns_and_types(worker_owner):
    """The schema is read in the diagnosis' worker and comes back as the SourceSchema the forms use."""
    schema = service.describe_source(worker_owner, {"kind": "demo", "demo": "telemetry", "rows": 10,
                                                    "columns": "client_id, subsession_length"})
    assert schema.columns == ("client_id", "subsession_length") and schema.types == ("string", "bigint")
    assert schema.type_of("subsession_length") == "bigint"
    from dcs_engine.errors import SourceError

    with pytest.raises(SourceError) as e:
        service.describe_source(worker_owner, {"kind": "demo", "rows": 10, "where": "no_such_col > 1"})
    assert "where clause" in e.value.message


@pytest.mark.timeout(60)  # the failure this guards against is minutes of client retries, not seconds
@pytest.mark.parametrize("master,condition,fragment", [
    ("lokal[*]", "SPARK_BAD_MASTER", "found 'lokal[*]'"),
    ("spark://127.0.0.1", "SPARK_BAD_MASTER", "expected spark://HOST:PORT with a numeric port"),
    ("spark://127.0.0.1:1", "SPARK_UNREACHABLE", "expected a standalone master listening at spark://127.0.0.1:1; "
                                                 "found no answer"),
    ("sc://127.0.0.1:1", "SPARK_UNREACHABLE", "expected a Spark Connect server listening at 127.0.0.1:1"),
    ("sc://127.0.0.1:x", "SPARK_BAD_MASTER", "expected sc://HOST:PORT with a numeric port"),
    ("sc://127.0.0.1:15002/;tokn=abc", "SPARK_BAD_MASTER", "key=value with key one of token, use_ssl"),
])
def test_wrong_master_is_refused_before_spark_tries_it(master, condition, fragment):
    with pytest.raises(SparkConnectionError) as e:
        check_master(master)
    assert e.value.condition == condition
    assert fragment in e.value.message


def test_connect_url_token_is_masked_wherever_the_master_is_shown():
    from dcs_engine.runtime.session import SparkSettings, parse_connect_url

    url = parse_connect_url("sc://spark.example.com/;use_ssl=true;token=s3cr3t")
    assert (url.host, url.port, dict(url.params)) == ("spark.example.com", 15002,
                                                      {"use_ssl": "true", "token": "s3cr3t"})
    shown = SparkSettings(master="sc://spark.example.com/;use_ssl=true;token=s3cr3t").shown_master
    assert "s3cr3t" not in shown and shown == "sc://spark.example.com:15002/;use_ssl=true;token=***"


def test_wrong_master_leaves_the_running_session(spark):
    with pytest.raises(SparkConnectionError):
        MANAGER.session(SparkSettings(master="spark://127.0.0.1:1", app_name="x"))
    # the old session and its settings are still there and usable
    assert MANAGER.is_alive() and MANAGER.settings.master == "local[2]"
    assert spark.range(3).count() == 3


def test_wrong_master_leaves_the_diagnosis_worker_and_its_settings(worker_owner):
    before, pid = service.current_settings(worker_owner), pool().worker(worker_owner).pid
    with pytest.raises(SparkConnectionError) as e:
        service.connect(worker_owner, service.settings_from("spark://127.0.0.1:1", "x", ""))
    assert e.value.condition == "SPARK_UNREACHABLE"
    assert service.current_settings(worker_owner) == before and pool().worker(worker_owner).pid == pid
    assert service.spark_state(worker_owner) == "running"


def test_conf_lines():
    assert parse_conf("# c\nspark.a=1\n\n spark.b = x=y \n") == (("spark.a", "1"), ("spark.b", "x=y"))
    with pytest.raises(SparkConnectionError) as e:
        parse_conf("spark.a 1")
    assert e.value.message == ("[DCS201] extra Spark conf, line 1; expected key=value; found 'spark.a 1'. "
                               "Fix: write one setting per line, e.g. spark.sql.shuffle.partitions=8")


def test_connection_info_local(spark):
    info = MANAGER.info()
    assert info.master.startswith("local") and info.default_parallelism >= 1
    assert info.spark_version.startswith(("3.", "4."))
    import sys
    assert info.python_workers == sys.executable


def test_cancel_wins_over_a_technique_that_wraps_the_spark_error(spark):
    def wrapped(ctx):
        try:
            return _slow_job(ctx.spark, 8)
        except Exception as exc:  # what a technique does with Spark's own error
            raise SparkJobError("scan failed", found=str(exc)[:80]) from exc
    h = RUNNER.submit("sessW", "wrapped", lambda: spark, wrapped)
    while not h.progress().jobs:
        time.sleep(0.1)
    h.cancel()
    h.wait(60)
    with pytest.raises(JobCancelled):
        h.outcome()


def test_worker_python_follows_the_conf_key():
    import sys

    from dcs_engine.runtime.session import SparkSettings, worker_python

    assert worker_python(SparkSettings()) == sys.executable
    cluster = SparkSettings(master="spark://h:7077", conf=(("spark.pyspark.python", "/opt/py"),))
    assert worker_python(cluster) == "/opt/py"


SLOW_WHEN_DISTRIBUTED = """
def slow_when_distributed(row):
    from pyspark import TaskContext
    if TaskContext.get() is not None:   # on an executor only: the local step stays fast
        import time
        open(MARKER, "w").close()
        time.sleep(120)
    return True
"""


def test_a_cancelled_scale_out_gives_no_verdict(spark, tmp_path):
    """Spark's "job cancelled" must not read as "fails when distributed" (issue 16)."""
    from dcs_engine import registry

    marker = tmp_path / "distributed-step-started"
    code = f"MARKER = {str(marker)!r}\n" + SLOW_WHEN_DISTRIBUTED
    params = {"source": {"kind": "demo", "rows": 20}, "code": code, "n": 4}
    h = RUNNER.submit("sessC", "scale out", lambda: spark,
                      lambda ctx: registry.run_technique("scale_out", ctx, params))
    while not marker.exists():          # the executors are in the distributed step
        assert not h.wait(0.1), h.error or h.result
    h.cancel()
    assert h.wait(120)
    with pytest.raises(JobCancelled):
        h.outcome()
    assert h.result is None
