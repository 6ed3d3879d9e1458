"""Bench: the profile's one pass against a plain ``df.count()``, over parquet and over JSON lines.

    python bench/profile.py [--rows 1000000] [--rounds 3]

The same rows (the telemetry demo) are written twice: as parquet and as JSON lines.

- Parquet: ``count()`` reads no column data at all -- only the files' metadata -- while the
  profile reads every column and ships it to Python through Arrow.  That ratio is printed but
  cannot reach 3: the ``mapInArrow`` transport alone costs about 11 counts.
- JSON lines (what telemetry pings are): ``count()`` parses every record, so the comparison
  is fair.  The profile reads the JSON with its string fields as VARIANT (to count each
  record's JSON token types) in the same single scan; the profile of the typed columns only
  (the technique's ``json_types`` off) is timed too.

Each round also times a full read into Spark's ``noop`` sink (every column read, nothing done)
as the floor.  Prints medians and as last line ``ratio: <profile/count on JSON lines>``.
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
# this file is named like the standard library's ``profile`` (used by cProfile, which pyspark
# imports): take bench/ off the import path so ``import profile`` finds the real one
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

WHERE = "submission_date > '2017-05-19'"


def _time(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _compare(label, df, profile, rows, rounds):
    """Median seconds of (profile, count, full read) over ``rounds``."""
    prof, base, scan = [], [], []
    for r in range(rounds):
        t, rep = _time(profile)
        prof.append(t)
        assert rep.rows == rows, (rep.rows, rows)
        t, n = _time(df.count)
        base.append(t)
        assert n == rows
        t, _ = _time(lambda: df.write.format("noop").mode("overwrite").save())
        scan.append(t)
        print(f"{label} round {r + 1}: profile {prof[-1]:.2f} s ({rep.outcome})  count {base[-1]:.2f} s  "
              f"full read (noop sink) {scan[-1]:.2f} s", flush=True)
    mp, mb, ms = statistics.median(prof), statistics.median(base), statistics.median(scan)
    print(f"{label}: profile median {mp:.2f} s; count median {mb:.2f} s; full read median {ms:.2f} s; "
          f"profile/count {mp / mb:.2f}; profile/full read {mp / ms:.2f}", flush=True)
    return mp, mb, ms, rep


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--master", default="local[2]")
    args = ap.parse_args()

    from dcs_engine.inputs.demo import build
    from dcs_engine.runtime.session import MANAGER, SparkSettings
    from dcs_engine.techniques.profile import json_frame, profile_df

    spark = MANAGER.session(SparkSettings(master=args.master, app_name="bench-profile"))
    tmp = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    build(spark, "telemetry", args.rows, 42).write.parquet(str(tmp / "telemetry.parquet"))
    build(spark, "telemetry", args.rows, 42).write.json(str(tmp / "telemetry.json"))

    pq = spark.read.parquet(str(tmp / "telemetry.parquet"))
    print(f"rows: {args.rows:,}  columns: {len(pq.columns)}  partitions: {pq.rdd.getNumPartitions()}")
    profile_df(pq.limit(1000), where=WHERE)  # warm-up
    pq.count()
    p_prof, p_count, _, _ = _compare("parquet", pq, lambda: profile_df(pq, where=WHERE), args.rows,
                                          args.rounds)

    js_path = str(tmp / "telemetry.json")
    js = spark.read.json(js_path)  # schema inference happens here, once, outside the timings
    frame, variants = json_frame(spark, js_path, js.schema) or (js, None)

    def profile_json():
        return profile_df(frame, where=WHERE, variants=variants, json_source=True)

    j_prof, j_count, j_scan, rep = _compare("json lines", js, profile_json, args.rows, args.rounds)
    typed = []
    for _ in range(args.rounds):
        t, _ = _time(lambda: profile_df(js, where=WHERE, json_source=True))
        typed.append(t)
    j_typed = statistics.median(typed)
    print(f"json lines, typed columns only (json_types off): profile median {j_typed:.2f} s; "
          f"profile/count {j_typed / j_count:.2f}")
    mixed = ", ".join(f"{c.name}: {', '.join(f'{k} {n:,}' for k, n in c.json_types)}"
                      for c in rep.columns if c.json_types and len(c.json_types) > 1)
    print(f"json types seen (fields with more than one): {mixed or 'none'}")
    print(f"parquet ratio (count reads no column data; floor ~11): {p_prof / p_count:.3f}")
    print(f"json lines ratio: {j_prof / j_count:.3f}; profile/full read {j_prof / j_scan:.2f}")
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"ratio: {j_prof / j_count:.3f}")


if __name__ == "__main__":
    main()
