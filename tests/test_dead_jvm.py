"""A JVM that dies under a diagnosis is detected, reported, and replaced by a new session."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dcs_engine import service
from dcs_engine.errors import SparkConnectionError
from dcs_engine.runtime.session import SparkSettings
from dcs_engine.runtime.workers import pool

DEAD_MESSAGE = (
    "[DCS201] the Spark session; expected a live JVM behind the Py4J gateway; found it stopped (the driver "
    "JVM died or was shut down; often memory). Fix: start a new Spark session (button on the technique "
    "panel or the Connection page); your evidence log is kept")
TAKE = {"source": {"kind": "demo", "rows": 20}, "n": 2}


def test_dead_jvm_is_detected_and_restarted_by_the_engine():
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    proc = subprocess.run([sys.executable, str(Path(__file__).with_name("dead_jvm_driver.py"))],
                          capture_output=True, text=True, timeout=300, env=env)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    assert line, proc.stdout[-2000:] + proc.stderr[-3000:]
    out = json.loads(line[len("RESULT "):])
    assert out["before"] == "running"
    assert out["after_kill"] == "dead"
    assert out["run_error"] == "SparkConnectionError"
    assert out["run_message"] == DEAD_MESSAGE
    assert out["after_restart"] == "running"
    assert out["rows_after_restart"] == 2


@pytest.mark.timeout(500)
def test_dead_jvm_under_a_worker_is_reported_and_a_restart_starts_a_new_one():
    owner = "t-dead-jvm"
    service.connect(owner, SparkSettings(master="local[1]", app_name="dead-jvm"))
    worker = pool().worker(owner)
    os.kill(worker.status.jvm_pid, signal.SIGKILL)
    deadline = time.time() + 60
    while service.spark_state(owner) != "dead" and time.time() < deadline:
        time.sleep(0.2)
    assert service.spark_state(owner) == "dead"
    run = service.start_run(owner, "take", TAKE)
    assert run.wait(120)
    assert isinstance(run.error, SparkConnectionError) and run.error.condition == "SPARK_SESSION_DEAD"
    assert run.error.message == DEAD_MESSAGE
    assert service.spark_state(owner) == "dead"       # until a new session starts
    service.restart_spark(owner)
    assert service.spark_state(owner) == "running" and pool().worker(owner) is not worker
    assert len(service.start_run(owner, "take", TAKE).outcome(300).rows) == 2
    pool().end(owner)
