"""Run many light techniques through the app's door and report the memory of the app and its worker.

Run by tests/test_worker_memory.py in a process of its own (so nothing else of the suite is in the
measured process): ``python tests/many_runs.py RUNS N ROWS [--keep]`` prints one line
``RESULT {json}`` with the resident set sizes (MB) of this process (the app's role), of the worker
process and of its JVM, after the warm-up runs and at the end.  ``--keep`` holds every result, as
the single-process design did, to show what the bound catches.
"""
import json
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dcs_engine import service  # noqa: E402
from dcs_engine.runtime.workers import pool  # noqa: E402

OWNER = "t-many"
WARMUP = 50


def rss_mb(pid: int | None) -> float | None:
    try:
        return round(psutil.Process(pid).memory_info().rss / 2**20, 1) if pid else None
    except psutil.NoSuchProcess:
        return None


def snapshot() -> dict:
    w = pool().worker(OWNER)
    return {"app": rss_mb(psutil.Process().pid), "worker": rss_mb(w.pid if w else None),
            "jvm": rss_mb(w.status.jvm_pid if w else None)}


def main() -> None:
    runs, n, rows = (int(a) for a in sys.argv[1:4])
    keep = "--keep" in sys.argv
    params = {"source": {"kind": "demo", "rows": rows}, "n": n}
    held, seconds, out = [], [], {}
    for i in range(1, runs + 1):
        t0 = time.perf_counter()
        result = service.start_run(OWNER, "take", params).outcome(600)
        seconds.append(time.perf_counter() - t0)
        assert len(result.rows) == min(n, rows)
        if keep:
            held.append(result)
        del result
        if i == WARMUP:
            out["after_warmup"] = snapshot()
    out["end"] = snapshot()
    out["runs"] = runs
    out["kept_in_pool"] = sum(1 for r in list(pool()._runs.values()) if r.owner == OWNER)
    out["median_run_s"] = round(sorted(seconds)[len(seconds) // 2], 3)
    print("RESULT " + json.dumps(out), flush=True)
    pool().shutdown()


if __name__ == "__main__":
    main()
