"""Bench: the profile's one pass against a full read of the same columns, on parquet and on JSON lines.

    python bench/profiling.py [--rows 1000000] [--rounds 3] [--dir DIR]

The same rows (the telemetry demo: ids, yyyyMMdd dates as text, nulls, counters) are written as
parquet and as JSON lines.  Per format and round the bench times

- the profile (``profile_df``: probe, the one aggregation pass, examples; with the talk's where
  clause, so the filter is counted as written, rewritten and by meaning in the same pass; for JSON
  lines with the JSON types per record on, as the technique runs by default);
- the baseline: a full read of the same columns into Spark's ``noop`` sink (every value decoded,
  nothing computed) -- what any per-value look at the data costs at least.

Both read with the schema known (JSON schema inference happens once, outside the timings, for
both).  Rounds alternate engine and baseline; medians are printed, and as last line
``ratio: <profile/full read>``, the worse of the two formats.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

WHERE = "submission_date > '2017-05-19'"


def _time(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _full_read(frame) -> None:
    frame.write.format("noop").mode("overwrite").save()


def compare(label: str, profile, baseline, rows: int, rounds: int) -> float:
    """Median seconds of the profile and of the baseline over ``rounds``; prints them and returns the ratio."""
    profile()   # warm-up: plans, codegen, file listing caches
    baseline()
    prof, base = [], []
    for r in range(rounds):
        t, rep = _time(profile)
        assert rep.rows == rows, (rep.rows, rows)
        prof.append(t)
        t, _ = _time(baseline)
        base.append(t)
        print(f"{label} round {r + 1}: profile {prof[-1]:.2f} s ({rep.outcome}, {len(rep.findings)} findings)  "
              f"full read (noop sink) {base[-1]:.2f} s", flush=True)
    mp, mb = statistics.median(prof), statistics.median(base)
    print(f"{label}: profile median {mp:.2f} s; full read median {mb:.2f} s; profile/full read {mp / mb:.3f}",
          flush=True)
    return mp / mb


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--dir", default="", help="where to write the data (a temporary folder by default)")
    args = ap.parse_args(argv)

    from dcs_engine.inputs.demo import build
    from dcs_engine.runtime.session import MANAGER, SparkSettings
    from dcs_engine.techniques.profile import profile_df
    from dcs_engine.techniques.profile.probe import json_frame

    spark = MANAGER.session(SparkSettings(master=args.master, app_name="bench-profiling"))
    tmp = Path(args.dir or tempfile.mkdtemp(prefix="bench-profiling-"))
    pq_path, js_path = str(tmp / "telemetry.parquet"), str(tmp / "telemetry.json")
    demo = build(spark, "telemetry", args.rows, 42)
    demo.write.mode("overwrite").parquet(pq_path)
    demo.write.mode("overwrite").json(js_path)

    pq = spark.read.parquet(pq_path)
    print(f"rows: {args.rows:,}  columns: {len(pq.columns)}  partitions: {pq.rdd.getNumPartitions()}", flush=True)
    ratios = {"parquet": compare("parquet", lambda: profile_df(pq, where=WHERE), lambda: _full_read(pq),
                                 args.rows, args.rounds)}

    schema = spark.read.json(js_path).schema   # inferred once, outside the timings
    js = spark.read.schema(schema).json(js_path)
    frame, variants = json_frame(spark, js_path, schema, 2000) or (js, None)

    def profile_json():
        return profile_df(frame, where=WHERE, variants=variants, json_source=True)

    ratios["json lines"] = compare("json lines", profile_json, lambda: _full_read(js), args.rows, args.rounds)
    print(f"json types read as VARIANT: {', '.join(variants) if variants else 'none'}")
    worst = max(ratios, key=ratios.get)
    print("ratios: " + ", ".join(f"{k} {v:.3f}" for k, v in ratios.items()) + f" (worse: {worst}; target <= 1.5)")
    if not args.dir:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"ratio: {ratios[worst]:.3f}")


if __name__ == "__main__":
    main()
