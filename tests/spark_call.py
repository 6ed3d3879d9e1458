"""Run functions against a Spark of any kind in a fresh process (used by the Connect and cluster fixtures).

A process is either a classic PySpark driver or a Spark Connect client: pyspark marks the whole
process as Connect once a remote session exists (``SPARK_CONNECT_MODE_ENABLED``), after which
classic sessions cannot start there.  So tests that need another kind of Spark than the suite's
local session call into a subprocess: argv[1] is a JSON task ``{"master": ..., "conf": [[k, v]],
"calls": [{"fn": "package.module:function", "kwargs": {...}}]}``; each function is called as
``fn(spark, **kwargs)`` and the list of outcomes (a value, or the exception raised) is pickled to
the file named by argv[2].
"""
import json
import pickle
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _portable(exc: BaseException) -> BaseException:
    try:
        pickle.dumps(exc)
        return exc
    except Exception:
        return RuntimeError(f"{exc.__class__.__module__}.{exc.__class__.__name__}: {exc}\n"
                            + "".join(traceback.format_exception(exc)))


def main() -> None:
    import importlib

    from dcs_engine.runtime.session import MANAGER, SparkSettings

    task = json.loads(sys.argv[1])
    t0 = time.time()
    spark = MANAGER.session(SparkSettings(master=task["master"], app_name=task.get("app", "dcs-test-call"),
                                          conf=tuple(tuple(kv) for kv in task.get("conf", ()))))
    outcomes = [("startup_s", time.time() - t0)]
    for call in task["calls"]:
        mod, _, name = call["fn"].partition(":")
        fn = getattr(importlib.import_module(mod), name)
        start = time.time()
        try:
            outcomes.append(("ok", fn(spark, **call.get("kwargs", {})), time.time() - start))
        except BaseException as exc:  # the test decides what an error means
            outcomes.append(("error", _portable(exc), time.time() - start))
    Path(sys.argv[2]).write_bytes(pickle.dumps(outcomes))
    MANAGER.stop()


if __name__ == "__main__":
    main()
