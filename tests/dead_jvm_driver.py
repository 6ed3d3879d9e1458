"""Run in a subprocess by test_dead_jvm.py: kill the JVM under an engine session, detect it, restart.

This is what runs inside a worker process (and in a notebook): the manager notices the dead gateway,
refuses to hand it out, and starts a new JVM in the same process when asked."""
import json
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dcs_engine import registry  # noqa: E402
from dcs_engine.runtime.jobs import RUNNER  # noqa: E402
from dcs_engine.runtime.session import MANAGER, SparkSettings  # noqa: E402

TAKE = {"source": {"kind": "demo", "rows": 20}, "n": 2}


def state() -> str:
    return "running" if MANAGER.is_alive() else ("dead" if MANAGER.is_started() else "not started")


def take():
    return RUNNER.submit("o", "take", MANAGER.session, lambda ctx: registry.run_technique("take", ctx, TAKE))


out = {}
settings = SparkSettings(master="local[1]", app_name="dead-jvm")
spark = MANAGER.session(settings)
out["before"] = state()
pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
os.kill(pid, signal.SIGKILL)
time.sleep(2)
out["after_kill"] = state()
h = take()
h.wait(120)
err = h.error
out["run_error"] = type(err).__name__
out["run_message"] = getattr(err, "message", str(err))
MANAGER.stop()
MANAGER.session(settings)
out["after_restart"] = state()
out["rows_after_restart"] = len(take().outcome().rows)
print("RESULT " + json.dumps(out))
MANAGER.stop()
