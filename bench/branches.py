"""Overhead of automatic branch counting (AST probes) vs the plain function vs a sys.settrace line counter.

The sessionisation demo function runs over the ``pings`` demo grouped by client,
in one process (the data is collected once, so Spark's own cost is not part of
the figures; this is the function's own slowdown, the worst case for the ratio).
Each round runs: plain, instrumented (partition runner: plain integers, one
dict at the end), and a sys.settrace line counter.  Medians over the rounds.

    python bench/branches.py [--rows 200000] [--rounds 5]

Last line: ``ratio: <instrumented / plain>`` (target <= 1.2).
"""
from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import time
from collections import Counter, defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.dirname(os.path.abspath(__file__))
# bench/ holds scripts whose names shadow stdlib modules (profile.py): keep it off sys.path
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
sys.path.insert(0, ROOT)


def load_groups(rows: int, seed: int = 42):
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from dcs_engine.inputs.demo import build
    from dcs_engine.runtime.session import MANAGER, SparkSettings

    spark = MANAGER.session(SparkSettings(master="local[2]", app_name="bench-branches"))
    groups = defaultdict(list)
    for r in build(spark, "pings", rows, seed).toLocalIterator():
        groups[r["client_id"]].append(r.asDict(recursive=True))
    MANAGER.stop()
    return list(groups.items())


def plain_pass(func, groups):
    for g in groups:
        func(g)


def settrace_pass(func, groups):
    lines = Counter()
    code_file = func.__code__.co_filename

    def local_trace(frame, event, arg):
        if event == "line":
            lines[frame.f_lineno] += 1
        return local_trace

    def global_trace(frame, event, arg):
        return local_trace if frame.f_code.co_filename == code_file else None

    sys.settrace(global_trace)
    try:
        for g in groups:
            func(g)
    finally:
        sys.settrace(None)
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    from dcs_engine.inputs.demo.datasets import to_sessions_demo as demo
    from dcs_engine.inputs.usercode import from_code
    from dcs_engine.techniques.branch_count.instrument import instrument, partition_counter

    groups = load_groups(args.rows)
    uf = from_code(demo.SOURCE, demo.FUNCTION)
    inst = instrument(uf)
    print(f"{args.rows:,} pings, {len(groups):,} clients, {len(inst.probes)} probes, {args.rounds} rounds")

    class Acc:
        value = None

        def add(self, v):
            self.value = v

    times = {"plain": [], "instrumented": [], "settrace": []}
    for _ in range(args.rounds):
        # each pass gets its own copy: the function sorts the ping lists in place
        data = copy.deepcopy(groups)
        t = time.perf_counter()
        plain_pass(uf.func, data)
        times["plain"].append(time.perf_counter() - t)
        data = copy.deepcopy(groups)
        acc = Acc()
        t = time.perf_counter()
        partition_counter(inst.func, acc)(iter(data))
        times["instrumented"].append(time.perf_counter() - t)
        data = copy.deepcopy(groups)
        t = time.perf_counter()
        settrace_pass(uf.func, data)
        times["settrace"].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in med.items():
        print(f"{k:>13}: {v * 1000:9.1f} ms  ({v / med['plain']:.2f}x plain)")
    print(f"calls counted: {acc.value['calls']:,}")
    print(f"ratio: {med['instrumented'] / med['plain']:.3f}")


if __name__ == "__main__":
    main()
