"""Bench: naughty_rows' full scan with signature counts against the talk's idiom
``df.rdd.filter(is_this_row_naughty).count()``, on generated rows with 0.1% bad ones.

    python bench/naughty.py [--rows 10000000] [--rounds 3]

Prints medians, rows/s per core, and as last line ``ratio: <engine/baseline>``.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


def is_e10s(row):
    return row['active_experiment_id'].startswith('e10s')


def is_this_row_naughty(row):
    try:
        is_e10s(row)
    except Exception:
        return True
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--master", default="local[2]")
    args = ap.parse_args()

    from pyspark.sql import functions as F

    from dcs_engine.runtime.session import MANAGER, SparkSettings
    from dcs_engine.techniques.naughty_rows import find_naughty_rows

    spark = MANAGER.session(SparkSettings(master=args.master, app_name="bench-naughty"))
    cores = spark.sparkContext.defaultParallelism
    path = Path(tempfile.mkdtemp(prefix="bench-naughty-")) / "data.parquet"
    h = F.pmod(F.xxhash64("id", F.lit(7)), F.lit(1000))
    (spark.range(args.rows, numPartitions=max(2, args.rows // 500_000))
     .select("id", F.when(h == 0, F.lit(None)).otherwise(F.lit("e10s-beta45")).alias("active_experiment_id"),
             (F.col("id") % 400).cast("string").alias("day"))
     .write.parquet(str(path)))
    df = spark.read.parquet(str(path))
    expected = df.where("active_experiment_id is null").count()
    print(f"rows: {args.rows:,}  bad rows: {expected:,}  cores: {cores}  partitions: {df.rdd.getNumPartitions()}")

    # warm up both paths (Python workers, pyarrow import) outside the timed rounds
    small = df.limit(1000)
    find_naughty_rows(small, is_e10s)
    small.rdd.filter(is_this_row_naughty).count()
    eng, base = [], []
    for r in range(args.rounds):
        t = time.perf_counter()
        rep = find_naughty_rows(df, is_e10s)
        eng.append(time.perf_counter() - t)
        assert rep.raised == expected, (rep.raised, expected)
        t = time.perf_counter()
        n = df.rdd.filter(is_this_row_naughty).count()
        base.append(time.perf_counter() - t)
        assert n == expected
        print(f"round {r + 1}: engine {eng[-1]:.2f} s ({rep.engine}, {len(rep.signatures)} signature)  "
              f"rdd.filter().count() {base[-1]:.2f} s")
    me, mb = statistics.median(eng), statistics.median(base)
    print(f"engine median {me:.2f} s = {args.rows / me / cores:,.0f} rows/s per core")
    print(f"baseline median {mb:.2f} s = {args.rows / mb / cores:,.0f} rows/s per core")
    print(f"ratio: {me / mb:.3f}")


if __name__ == "__main__":
    main()
