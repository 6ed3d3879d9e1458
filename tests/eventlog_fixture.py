"""Real event logs for the event-log tests, written once per test session, and a real History Server.

``produce`` runs tests/eventlog_driver.py in a subprocess (event-log settings
need a fresh SparkContext, which the shared ``spark`` fixture cannot give) and
returns {scenario: info}.  Several test modules call it from their own session
fixture; the logs are kept in the session's base temp dir behind a marker file,
so they are written once.  ``history_server`` (a context manager) starts
``org.apache.spark.deploy.history.HistoryServer`` from the pip package on
127.0.0.1 and a free port, over the directory of those logs.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.cluster_fixture import cluster_env, free_port, spark_home

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / "tests" / "eventlog_driver.py"
SCENARIOS = ["clean", "skew", "spill", "pairs", "udf_fail", "compare_a", "compare_b", "rolled", "in_progress"]
SPARK35 = ROOT / "tests" / "fixtures" / "eventlog" / "spark35"


def run_driver(out: Path, scenarios: list[str], master: str | None = None, timeout: float = 500) -> dict:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable}
    if master:
        env = {**cluster_env(), "PYTHONUNBUFFERED": "1"}
    out.mkdir(parents=True, exist_ok=True)
    task = {"out": str(out), "scenarios": scenarios, "master": master}
    proc = subprocess.run([sys.executable, str(DRIVER), json.dumps(task)], cwd=out, env=env, capture_output=True,
                          text=True, timeout=timeout)
    lines = [json.loads(ln) for ln in proc.stdout.splitlines() if ln.startswith("{")]
    got = {ln["scenario"]: ln for ln in lines}
    if set(got) != set(scenarios):
        raise AssertionError(f"event-log driver wrote {sorted(got)} of {scenarios} (rc {proc.returncode}):\n"
                             f"{proc.stdout[-2000:]}\n{proc.stderr[-5000:]}")
    return got


def produce(tmp_path_factory) -> dict:
    """Write every scenario's log once per session (later callers read the marker)."""
    base = tmp_path_factory.getbasetemp() / "eventlogs"
    marker, failed = base / "done.json", base / "failed.txt"
    if marker.exists():
        return json.loads(marker.read_text())
    if failed.exists():   # one attempt per session: later tests fail fast with the first error
        raise AssertionError(failed.read_text())
    try:
        got = run_driver(base, SCENARIOS)
    except BaseException as exc:
        base.mkdir(parents=True, exist_ok=True)
        failed.write_text(f"writing the event logs failed: {exc}"[:20000])
        raise
    got["_root"] = str(base)
    marker.write_text(json.dumps(got))
    return got


def wait_for_apps(url: str, n: int, proc, log: Path, timeout: float = 400) -> None:
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v1/applications", timeout=3) as r:
                if len(json.load(r)) >= n:
                    return
        except (OSError, ValueError):  # not up yet, or answering HTML while it starts
            pass
        if proc.poll() is not None or time.time() > deadline:
            raise RuntimeError(f"History Server did not list {n} applications:\n{log.read_text()[-3000:]}")
        time.sleep(1)


@contextlib.contextmanager
def history_server(eventlogs: dict, tmp_path_factory, log_dir: Path | None = None, apps: int = 5,
                   extra: str = ""):
    """A real History Server over the directory holding the clean, skew, spill, pairs and udf_fail logs."""
    apps_dir = log_dir or Path(eventlogs["_root"]) / "apps"
    base = tmp_path_factory.mktemp("history-server")
    port = free_port()
    props = base / "history.conf"
    props.write_text(f"spark.history.fs.logDirectory={apps_dir.as_uri()}\nspark.history.ui.port={port}\n"
                     "spark.history.fs.update.interval=1s\n" + extra)
    log = base / "history.log"
    cmd = [os.path.join(spark_home(), "bin", "spark-class"), "org.apache.spark.deploy.history.HistoryServer",
           "--properties-file", str(props)]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=base, env=cluster_env(), stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_apps(url, apps, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def resolve_dir(eventlogs: dict, scenario: str) -> str:
    """The rolled directory (or file) holding one scenario's log."""
    from dcs_engine.eventlog.locate import resolve

    info = eventlogs[scenario]
    return resolve(info["dir"], info["app_id"]).label
