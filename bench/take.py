"""bench/take.py: the engine's take against a plain df.take(n).

Writes a seeded multi-million-row parquet once (bench/_data/), then runs, in one
process and in alternating order, the app engine's take technique (source spec →
DataFrame → take + schema) and `spark.read.parquet(path).take(n)`, several rounds.
Prints medians and, as the last line, `ratio: <engine/baseline>` (target ≤ 1.1).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/ holds profile.py, which would shadow the standard library's `profile` module.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--n", type=int, default=10)
    args = ap.parse_args()

    from dcs_engine import registry
    from dcs_engine.inputs.sources import SourceSpec, load
    from dcs_engine.runtime.session import MANAGER, SparkSettings

    spark = MANAGER.session(SparkSettings(master="local[2]", app_name="bench-take"))
    path = ROOT / "bench" / "_data" / f"telemetry_{args.rows}.parquet"
    if not path.exists():
        t = time.perf_counter()
        load(spark, SourceSpec(rows=args.rows, seed=1)).write.parquet(str(path))
        print(f"wrote {args.rows:,} rows to {path} in {time.perf_counter() - t:.1f} s")
    where = "active_experiment_id is not null"
    tech = registry.get("take")
    params = registry.coerce_params(tech, {"n": args.n, "source": {"kind": "path", "path": str(path),
                                                                    "format": "parquet", "where": where}})

    def engine():
        return registry.run_technique(tech, spark, params).rows

    def baseline():
        return spark.read.parquet(str(path)).where(where).take(args.n)

    engine(), baseline()  # warm up both paths
    times = {"engine": [], "baseline": []}
    for r in range(args.rounds):
        order = (("engine", engine), ("baseline", baseline))
        if r % 2:
            order = order[::-1]
        for name, fn in order:
            t = time.perf_counter()
            out = fn()
            times[name].append(time.perf_counter() - t)
            assert len(out) == args.n
    e, b = statistics.median(times["engine"]), statistics.median(times["baseline"])
    print(f"rows: {args.rows:,}  n: {args.n}  rounds: {args.rounds}")
    print(f"engine take   median {e * 1000:.1f} ms")
    print(f"df.take(n)    median {b * 1000:.1f} ms")
    print(f"ratio: {e / b:.3f}")


if __name__ == "__main__":
    main()
