"""Isolation: each diagnosis' work runs in a worker process of its own (issue 16).

What these tests hold the product to:
- pasted code that ends its process (``os._exit``) ends only its diagnosis' worker, reported as such;
- a loop on the driver is stopped by Cancel: the worker, its JVM with it, is ended after the grace time;
- a JVM killed while Spark starts never blocks the next start;
- two diagnoses use two masters at once (local and Spark Connect), and one's restart touches nobody else;
- the protocol offers only its allow-list; idle workers end; finished runs are released.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from dcs_engine import service
from dcs_engine.errors import DcsError, JobCancelled, ParameterError, WorkerError
from dcs_engine.runtime import protocol, worker
from dcs_engine.runtime.session import SparkSettings
from dcs_engine.runtime.workers import WorkerPool, pool

TAKE = {"source": {"kind": "demo", "rows": 40}, "n": 3}


def _take(owner: str, timeout: float = 300):
    return service.start_run(owner, "take", TAKE).outcome(timeout)


def _pid(owner: str) -> int:
    w = pool().worker(owner)
    assert w is not None and w.ready.wait(120), f"{owner} has no ready worker"
    return w.pid


def _gone(pid: int, timeout: float = 30) -> bool:
    """Has the process ended (without reaping it: the pool collects its own children's exit codes)?"""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture()
def warm(worker_owner):
    """The suite's warm diagnosis (local[2]), as the bystander of the fault tests."""
    return worker_owner


# -- the protocol ----------------------------------------------------------------------------

def test_the_worker_offers_exactly_the_allow_list_and_refuses_other_names():
    assert set(worker.HANDLERS) == set(protocol.OPS)
    with pytest.raises(WorkerError) as e:
        pool().submit("t-nobody", "os.system", {"command": "true"})
    assert e.value.condition == "WORKER_OP_UNKNOWN" and e.value.params["op"] == "os.system"
    assert pool().worker("t-nobody") is None          # nothing was started for it


def test_limits_come_from_the_environment_with_clear_errors():
    cfg = protocol.WorkerConfig.from_env({"DCS_WORKER_IDLE_S": "90", "DCS_MAX_WORKERS": "3"})
    assert (cfg.idle_s, cfg.max_workers, cfg.runs_kept) == (90.0, 3, protocol.WorkerConfig.runs_kept)
    with pytest.raises(ParameterError) as e:
        protocol.WorkerConfig.from_env({"DCS_MAX_WORKERS": "lots"})
    assert e.value.params == {"param": "DCS_MAX_WORKERS", "found": "lots"}
    assert "expected a positive whole number" in e.value.message
    assert protocol.WorkerConfig.from_env({"DCS_WORKER_NICE": "0"}).nice == 0
    with pytest.raises(ParameterError):
        protocol.WorkerConfig.from_env({"DCS_CANCEL_GRACE_S": "0"})


def test_finished_runs_are_released_after_the_last_few():
    """No Spark needed: 'spark_state' runs in a worker without starting a JVM."""
    small = WorkerPool(protocol.WorkerConfig(runs_kept=2))
    try:
        runs = [small.submit("t-keep", "spark_state") for _ in range(1)]
        for _ in range(3):
            runs[-1].outcome(60)
            runs.append(small.submit("t-keep", "spark_state"))
        assert runs[-1].outcome(60) == "not started"
        assert [small.get(r.id) is not None for r in runs] == [False, False, True, True]
    finally:
        small.shutdown()


def test_an_idle_worker_ends_and_nothing_is_left():
    small = WorkerPool(protocol.WorkerConfig(idle_s=1.0))
    run = small.submit("t-idle", "spark_state")
    w = small.worker("t-idle")              # busy until the run is answered: it cannot have ended yet
    assert run.outcome(60) == "not started"
    assert w.ended.wait(30), "the idle worker did not end"
    assert _gone(w.proc.pid) and w.end_reason.startswith("it was idle for more than 1 s")
    assert small.worker("t-idle") is None and small.state("t-idle") == "not started"


def test_the_least_recently_used_idle_worker_makes_room():
    small = WorkerPool(protocol.WorkerConfig(max_workers=1))
    try:
        assert small.call("t-lru-a", "spark_state", timeout=60) == "not started"
        first = small.worker("t-lru-a").pid
        assert small.call("t-lru-b", "spark_state", timeout=60) == "not started"
        assert small.worker("t-lru-a") is None and _gone(first)
        assert small.worker("t-lru-b") is not None
    finally:
        small.shutdown()


def test_a_worker_ends_when_its_app_goes_away(tmp_path):
    script = tmp_path / "app.py"
    script.write_text(textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(os.getcwd())!r})
        from dcs_engine.runtime.workers import pool
        run = pool().submit("t-orphan", "spark_state")
        run.outcome(60)
        print(pool().worker("t-orphan").pid, flush=True)
        os._exit(0)   # the app dies without ending its workers
    """))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                         cwd=os.path.dirname(os.path.dirname(__file__)))
    pid = int(out.stdout.split()[-1])
    assert _gone(pid, 30), "the worker outlived its app"


# -- faults ------------------------------------------------------------------------------------

@pytest.mark.timeout(400)
def test_os_exit_in_pasted_code_ends_only_its_worker(warm):
    bystander = _pid(warm)
    run = service.start_run("t-exit", "naughty_rows", {
        "source": {"kind": "demo", "rows": 40}, "code": "import os\nos._exit(1)\n\ndef f(row):\n    return True\n"})
    assert run.wait(300)
    assert isinstance(run.error, WorkerError) and run.error.condition == "WORKER_ENDED"
    assert run.error.params["exit_code"] == 1
    assert "This is not a verdict on your data" in run.error.message
    assert service.spark_state("t-exit") == "dead"
    assert _pid(warm) == bystander and len(_take(warm).rows) == 3   # the other diagnosis goes on
    assert len(_take("t-exit").rows) == 3                           # a fresh worker on demand
    assert service.spark_state("t-exit") == "running"
    pool().end("t-exit")


@pytest.mark.timeout(400)
def test_a_driver_side_endless_loop_is_stopped_by_cancel():
    run = service.start_run("t-loop", "naughty_rows", {
        "source": {"kind": "demo", "rows": 40}, "code": "while True:\n    pass\n\ndef f(row):\n    return True\n"})
    deadline = time.time() + 300
    while run.progress().text != "preparing…" and not run.done and time.time() < deadline:
        time.sleep(0.1)                 # "preparing…": Spark is up and the run's work (loading the code) began
    worker_pid, jvm_pid = _pid("t-loop"), pool().worker("t-loop").status.jvm_pid
    time.sleep(0.5)
    assert not run.done
    t0 = time.time()
    run.cancel()
    assert run.wait(10), "Cancel did not stop a driver-side loop within the issue's 10 s"
    print(f"cancel to stop: {time.time() - t0:.1f} s (grace {pool().config.cancel_grace_s:g} s)")
    assert isinstance(run.error, JobCancelled) and run.error.params["worker_ended"] is True
    assert _gone(worker_pid) and (jvm_pid is None or _gone(jvm_pid)), "the worker or its JVM is still there"
    assert service.spark_state("t-loop") == "not started"


@pytest.mark.timeout(500)
def test_the_jvm_killed_during_start_then_a_successful_start():
    run = service.start_run("t-jvm", "take", TAKE)
    killed, deadline = None, time.time() + 240
    while killed is None and not run.done and time.time() < deadline:
        w = pool().worker("t-jvm")
        if w is not None and w.pid:
            try:
                javas = [p for p in psutil.Process(w.pid).children(recursive=True) if "java" in p.name()]
            except psutil.NoSuchProcess:
                javas = []
            if javas:
                javas[0].send_signal(signal.SIGKILL)
                killed = javas[0].pid
        time.sleep(0.02)
    assert killed, "no JVM was seen starting"
    assert run.wait(240)
    assert isinstance(run.error, DcsError), run.result
    assert run.error.condition in ("SPARK_START_FAILED", "SPARK_SESSION_DEAD", "WORKER_ENDED"), run.error.message
    assert len(_take("t-jvm").rows) == 3       # the half-started JVM does not block the next start
    assert service.spark_state("t-jvm") == "running"
    pool().end("t-jvm")


@pytest.mark.connect
@pytest.mark.timeout(600)
def test_two_diagnoses_with_different_masters_at_once_and_a_restart_touches_nobody_else(connect_server, warm):
    remote = SparkSettings(master=connect_server.url, app_name="dcs-worker-tests")
    info = service.connect("t-remote", remote)
    assert info.master == f"sc://127.0.0.1:{connect_server.port}"
    assert service.connection_info(warm).master == "local[2]"
    remote_pid, local_pid = _pid("t-remote"), _pid(warm)
    both = [service.start_run("t-remote", "take", TAKE), service.start_run(warm, "take", TAKE)]
    assert [len(r.outcome(300).rows) for r in both] == [3, 3]
    # the local diagnosis restarts (a fresh worker) while the remote one runs
    going = service.start_run("t-remote", "take", {**TAKE, "n": 5})
    service.restart_spark(warm)
    assert _pid(warm) != local_pid and len(going.outcome(300).rows) == 5
    assert _pid("t-remote") == remote_pid and service.current_settings("t-remote") == remote
    assert service.current_settings(warm).master == "local[2]"
    pool().end("t-remote")


# -- what the app refuses before (or instead of) running anything ------------------------------

@pytest.mark.timeout(400)
def test_a_where_clause_that_reaches_the_jvm_is_refused_and_the_session_lives(warm):
    """``reflect('java.lang.System','exit',0)`` would end the diagnosis' JVM: the worker refuses it before
    Spark sees it, and the same worker and session go on."""
    pid = _pid(warm)
    where = "reflect('java.lang.System', 'exit', 0) is null"
    run = service.start_run(warm, "take", {**TAKE, "source": {**TAKE["source"], "where": where}})
    with pytest.raises(DcsError) as e:
        run.outcome(300)
    assert e.value.condition == "SOURCE_REFUSED", e.value.message
    assert "reflect" in e.value.message
    assert _pid(warm) == pid and service.spark_state(warm) == "running"
    assert len(_take(warm).rows) == 3


def test_a_viewer_is_refused_a_run_before_any_worker_starts():
    from dcs_engine import access
    from dcs_engine.errors import AccessDenied

    viewer = access.User("val", "viewer", "shared secret")
    with pytest.raises(AccessDenied) as e:
        service.start_run_as(viewer, "t-viewer", "naughty_rows", {
            "source": {"kind": "demo", "rows": 40}, "code": "def f(row):\n    return True\n"})
    assert e.value.params["role"] == "viewer" and e.value.params["action"] == "run"
    assert pool().worker("t-viewer") is None      # nothing of the user's code reached a process


def test_the_readme_documents_every_worker_setting():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for name, var in protocol.WorkerConfig.ENV.items():
        assert f"| `{var}` | {getattr(protocol.WorkerConfig, name):g} |" in readme, var
