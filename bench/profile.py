"""Bench: the profile's one pass against a plain ``df.count()`` over the same parquet.

    python bench/profile.py [--rows 2000000] [--rounds 3]

Prints medians and as last line ``ratio: <profile/count>``.  Note that a
parquet ``count()`` reads no column at all, while the profile reads them all.
"""
import argparse
import os
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--master", default="local[2]")
    args = ap.parse_args()

    from dcs_engine.demo import build
    from dcs_engine.spark import MANAGER, SparkSettings
    from dcs_engine.techniques.profile import profile_df

    spark = MANAGER.session(SparkSettings(master=args.master, app_name="bench-profile"))
    path = Path(tempfile.mkdtemp(prefix="bench-profile-")) / "telemetry.parquet"
    build(spark, "telemetry", args.rows, 42).write.parquet(str(path))
    df = spark.read.parquet(str(path))
    where = "submission_date > '2017-05-19'"
    print(f"rows: {args.rows:,}  columns: {len(df.columns)}  partitions: {df.rdd.getNumPartitions()}")
    profile_df(df.limit(1000), where=where)  # warm-up
    df.count()
    prof, base, scan = [], [], []
    for r in range(args.rounds):
        t = time.perf_counter()
        rep = profile_df(df, where=where)
        prof.append(time.perf_counter() - t)
        assert rep.rows == args.rows
        t = time.perf_counter()
        n = df.count()
        base.append(time.perf_counter() - t)
        assert n == args.rows
        t = time.perf_counter()
        df.write.format("noop").mode("overwrite").save()  # reads every column: a fairer floor
        scan.append(time.perf_counter() - t)
        print(f"round {r + 1}: profile {prof[-1]:.2f} s ({rep.outcome})  count {base[-1]:.2f} s  "
              f"full read (noop sink) {scan[-1]:.2f} s")
    mp, mb = statistics.median(prof), statistics.median(base)
    ms = statistics.median(scan)
    print(f"profile median {mp:.2f} s; count median {mb:.2f} s; full read median {ms:.2f} s "
          f"(profile/full read: {mp / ms:.2f})")
    print(f"ratio: {mp / mb:.3f}")


if __name__ == "__main__":
    main()
