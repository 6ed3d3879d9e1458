"""A JVM that dies under the app is detected, triaged, and replaced by a new session."""
import json
import os
import subprocess
import sys
from pathlib import Path


def test_dead_jvm_is_detected_and_restarted():
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    proc = subprocess.run([sys.executable, str(Path(__file__).with_name("dead_jvm_driver.py"))],
                          capture_output=True, text=True, timeout=300, env=env)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
    assert line, proc.stdout[-2000:] + proc.stderr[-3000:]
    out = json.loads(line[len("RESULT "):])
    assert out["before"] == "running"
    assert out["after_kill"] == "dead"
    assert out["run_error"] == "SparkConnectionError"
    assert out["run_message"] == (
        "[DCS201] the Spark session; expected a live JVM behind the Py4J gateway; found it stopped (the driver "
        "JVM died or was shut down; often memory). Fix: start a new Spark session (button on the technique "
        "panel or the Connection page); your evidence log is kept")
    assert out["after_restart"] == "running"
    assert out["rows_after_restart"] == 2
