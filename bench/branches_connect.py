"""Bench: branch counting through Spark against the uninstrumented function through the same path.

The sessionisation demo (``to_sessions`` over the ``pings`` demo grouped by client) runs twice per
round on the same parquet data: the branch_count technique (the instrumented function, one dict of
counts per task through ``mapInArrow``), and the plain function called the same way (the same
clustering by client, the same rows as dicts).  So the ratio is what counting costs a user on their
Spark, Spark's own work included.

    python -P bench/branches_connect.py [--rows 400000] [--rounds 3] [--remote sc://host:port | --master local[2]]

Without ``--remote``/``--master`` it starts a Spark Connect server from the pinned pyspark
(``local[2]``, 127.0.0.1) and stops it at the end.  Last line: ``ratio: <counted / plain>``
(target <= 1.5 on Spark Connect).
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]   # bench/profile.py shadows stdlib
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=400_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--remote", default="", help="a running Spark Connect server (default: start one)")
    ap.add_argument("--master", default="", help="a classic master instead, e.g. local[2]")
    args = ap.parse_args()

    from dcs_engine import registry
    from dcs_engine.inputs.demo import build
    from dcs_engine.inputs.demo.datasets import to_sessions_demo as demo
    from dcs_engine.inputs.sources import FrameSource
    from dcs_engine.inputs.usercode import from_code
    from dcs_engine.runtime.context import context_for
    from dcs_engine.runtime.session import MANAGER, SparkSettings
    from dcs_engine.techniques.branch_count import counting

    stack = []
    try:
        master = args.master or args.remote
        if not master:
            from tests.connect_fixture import start_connect_server

            stack.append(start_connect_server(Path(tempfile.mkdtemp(prefix="bench-connect-"))))
            master = stack[0].url
        spark = MANAGER.session(SparkSettings(master=master, app_name="bench-branches-spark"))
        path = str(Path(tempfile.mkdtemp(prefix="bench-branches-")) / "pings.parquet")
        build(spark, "pings", args.rows, 42).write.parquet(path)
        df = spark.read.parquet(path)
        ctx = context_for(spark)
        plain = from_code(demo.SOURCE, demo.FUNCTION).func
        params = {"source": FrameSource(df), "group_by": "client_id", "worker_logs": False}
        print(f"{ctx.kind} Spark {spark.version}; {args.rows:,} pings")
        registry.run_technique("branch_count", ctx, params)     # warm up the Python workers
        counting.apply(ctx, plain, df, "dict", "client_id", keep=False)
        times = {"counted": [], "plain": []}
        for r in range(args.rounds):
            t = time.perf_counter()
            res = registry.run_technique("branch_count", ctx, params)
            times["counted"].append(time.perf_counter() - t)
            t = time.perf_counter()
            calls = sum(counting.apply(ctx, plain, df, "dict", "client_id", keep=False))
            times["plain"].append(time.perf_counter() - t)
            assert calls == res.calls, (calls, res.calls)
            print(f"round {r + 1}: counted {times['counted'][-1]:.2f} s  plain {times['plain'][-1]:.2f} s  "
                  f"({res.calls:,} calls)")
        med = {k: statistics.median(v) for k, v in times.items()}
        for k, v in med.items():
            print(f"{k:>8} median {v:.2f} s")
        print(f"ratio: {med['counted'] / med['plain']:.3f}")
    finally:
        MANAGER.stop()
        for server in stack:
            server.stop()


if __name__ == "__main__":
    main()
