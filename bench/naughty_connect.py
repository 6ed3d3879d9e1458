"""Bench: naughty_rows on Spark Connect against the hand-written idiom Connect allows -- ``mapInPandas``
with try/except that yields the bad rows -- on generated rows with 0.1% bad ones.

Connect has no ``df.rdd``, so the talk's ``df.rdd.filter(is_this_row_naughty)`` is not available;
the idiom a user writes instead walks each pandas batch row by row (``iterrows``: each row is a
Series, so ``row['col']`` and ``row.col`` work as on a Row) and yields the rows whose call raised:
the first ratio compares the engine's default (rows as ``Row``) with it.  The faster idiom walks
``to_dict('records')`` (dicts): it is compared with the engine giving dicts (``row_type='dict'``),
like with like, and with the engine's default ``Row`` objects.  The engine does more than
either (signatures, examples, line numbers), through ``mapInArrow``.

    python -P bench/naughty_connect.py [--rows 2000000] [--rounds 3] [--filler 0] [--remote sc://127.0.0.1:15002]

``--filler 24`` makes the table wide (24 more columns the function never reads): the engine then
reads only the column the function uses, while the idioms convert every column.

Without ``--remote`` it starts a Spark Connect server from the pinned pyspark (``local[2]``, bound to
127.0.0.1) and stops it at the end.  Prints medians, the three engine/idiom ratios and, as the last
line, the worst of them: ``ratio: <max of the three>`` (target <= 0.5 for each).

Each timed run follows an untimed run of the same path on 2,000 rows (two tasks): the engine turns Spark's Python
worker logs on for its run, which gives it a pool of Python workers of its own, and Spark stops
workers idle for a minute -- without it, whichever path comes after the slow ``iterrows`` idiom
would pay for starting workers, and the comparison would measure the order of the runs.
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


def is_e10s(row):
    return row['active_experiment_id'].startswith('e10s')


def iterrows_idiom(pdfs):
    for pdf in pdfs:
        bad = []
        for i, (_, row) in enumerate(pdf.iterrows()):
            try:
                is_e10s(row)
            except Exception:
                bad.append(i)
        yield pdf.iloc[bad]


def records_idiom(pdfs):
    for pdf in pdfs:
        bad = []
        for i, row in enumerate(pdf.to_dict("records")):
            try:
                is_e10s(row)
            except Exception:
                bad.append(i)
        yield pdf.iloc[bad]


def _engine_run(row_type):
    from dcs_engine.techniques.naughty_rows import find_naughty_rows

    def run(frame):
        rep = find_naughty_rows(frame, is_e10s, row_type=row_type)
        assert rep.engine == "arrow", rep.engine
        return rep.raised
    return run


def _idiom_run(idiom):
    return lambda frame: frame.mapInPandas(idiom, frame.schema).count()


def connect_url(args, stack):
    if args.remote:
        return args.remote
    from tests.connect_fixture import start_connect_server

    server = start_connect_server(Path(tempfile.mkdtemp(prefix="bench-connect-")))
    stack.append(server)
    return server.url


def make_data(spark, rows: int, filler: int = 0):
    """The rows; ``filler`` adds that many columns the function never reads (half text, half double)."""
    from pyspark.sql import functions as F

    path = str(Path(tempfile.mkdtemp(prefix="bench-naughty-connect-")) / "data.parquet")
    h = F.pmod(F.xxhash64("id", F.lit(7)), F.lit(1000))
    (spark.range(rows, numPartitions=max(2, rows // 500_000))
     .select("id", F.when(h == 0, F.lit(None)).otherwise(F.lit("e10s-beta45")).alias("active_experiment_id"),
             (F.col("id") % 400).cast("string").alias("day"),
             *[(F.col("id") * i % 997).cast("string").alias(f"s{i}") for i in range(filler // 2)],
             *[(F.col("id") * 1.5 + i).alias(f"d{i}") for i in range(filler - filler // 2)])
     .write.parquet(path))
    return spark.read.parquet(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--filler", type=int, default=0,
                    help="extra columns the function never reads (a wide table: the scan reads only what it uses)")
    ap.add_argument("--remote", default="", help="a running Spark Connect server (default: start one)")
    args = ap.parse_args()

    from dcs_engine.runtime.session import MANAGER, SparkSettings

    stack = []
    try:
        spark = MANAGER.session(SparkSettings(master=connect_url(args, stack), app_name="bench-naughty-connect"))
        df = make_data(spark, args.rows, args.filler)
        expected = df.where("active_experiment_id is null").count()
        print(f"Spark Connect {spark.version}; rows: {args.rows:,}  bad rows: {expected:,}")
        runs = {"engine": _engine_run("row"), "iterrows": _idiom_run(iterrows_idiom),
                "engine dict": _engine_run("dict"), "records": _idiom_run(records_idiom)}
        small = df.limit(2000).repartition(2)   # two tasks: warms both Python workers of local[2]
        times = {name: [] for name in runs}
        for r in range(args.rounds):
            for name, run in runs.items():
                run(small)                 # warm this path's Python workers (see the docstring)
                t = time.perf_counter()
                found = run(df)
                times[name].append(time.perf_counter() - t)
                assert found == expected, (name, found, expected)
            print(f"round {r + 1}: " + "  ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()))
        med = {k: statistics.median(v) for k, v in times.items()}
        for k, v in med.items():
            print(f"{k:>9} median {v:.2f} s = {args.rows / v:,.0f} rows/s")
        ratios = {"engine (rows as Row) / mapInPandas iterrows() idiom": med["engine"] / med["iterrows"],
                  "engine (rows as dicts) / mapInPandas to_dict('records') idiom (dicts)":
                      med["engine dict"] / med["records"],
                  "engine (rows as Row) / mapInPandas to_dict('records') idiom": med["engine"] / med["records"]}
        for name, value in ratios.items():
            print(f"{name}: {value:.3f}")
        print(f"ratio: {max(ratios.values()):.3f}")
    finally:
        MANAGER.stop()
        for server in stack:
            server.stop()


if __name__ == "__main__":
    main()
