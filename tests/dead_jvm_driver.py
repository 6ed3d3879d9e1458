"""Run in a subprocess by test_dead_jvm.py: kill the JVM under a session, detect it, restart."""
import json
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dcs_engine import service  # noqa: E402
from dcs_engine.runtime.session import MANAGER, SparkSettings  # noqa: E402

out = {}
spark = MANAGER.session(SparkSettings(master="local[1]", app_name="dead-jvm"))
out["before"] = service.spark_state()
pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
os.kill(pid, signal.SIGKILL)
time.sleep(2)
out["after_kill"] = service.spark_state()
h = service.start_run("o", "take", {"source": {"kind": "demo", "rows": 20}, "n": 2})
h.wait(120)
err = h.error
out["run_error"] = type(err).__name__
out["run_message"] = getattr(err, "message", str(err))
service.restart_spark()
out["after_restart"] = service.spark_state()
h = service.start_run("o", "take", {"source": {"kind": "demo", "rows": 20}, "n": 2})
out["rows_after_restart"] = len(h.outcome().rows)
print("RESULT " + json.dumps(out))
MANAGER.stop()
