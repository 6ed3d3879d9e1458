"""Bench: stratified sampling (stratum counts + exact-size sample) against df.sampleBy with the
same fractions and against an exact group-by count, on the talk's categories data with a rare
0.1% stratum; and the accuracy of the rare stratum's estimate (stratified vs a random sample).
Last line: ratio of stratified cost to sampleBy cost (target <= 2.5)."""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/ holds scripts named like stdlib modules (profile.py): keep it off the path.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ["PYSPARK_PYTHON"] = sys.executable

from dcs_engine.inputs.demo import build  # noqa: E402
from dcs_engine.runtime.session import MANAGER, SparkSettings  # noqa: E402
from dcs_engine.techniques.sample import stratified_report  # noqa: E402
from dcs_engine.techniques.sample.stratified import stratified_sample, stratum_counts, target_sizes  # noqa: E402


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    spark = MANAGER.session(SparkSettings(master="local[2]", app_name="bench-sampling",
                                          conf=(("spark.sql.shuffle.partitions", "8"),)))
    df = build(spark, "categories", args.rows, 42).cache()
    df.count()

    def stratified():
        counts = {k: n for k, (n, _) in stratum_counts(df, "category").items()}
        return stratified_sample(df, "category", target_sizes(counts, 0.1, 30), counts, 7).count()

    def sample_by():
        return df.sampleBy("category", fractions={k: 0.1 for k in ("a", "b", "c", "r")}, seed=7).count()

    def exact():
        return df.groupBy("category").count().collect()

    times = {"stratified": [], "sampleBy": [], "exact group-by": []}
    for fn in (stratified, sample_by, exact):  # warm-up: code generation, Python-free but JIT-bound
        fn()
    for _ in range(args.rounds):
        for name, fn in (("stratified", stratified), ("sampleBy", sample_by), ("exact group-by", exact)):
            times[name].append(timed(fn)[0])
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in med.items():
        print(f"{k:15} {v:7.3f} s (median of {args.rounds})")
    res = stratified_report(spark, df, "category", 0.1, 30, 7, "converted", ("a",), ("b", "c"))
    r = next(s for s in res.strata if s.stratum == "r")
    srs = "none" if r.srs_rate is None else f"{r.srs_rate.value:.3f} (error {abs(r.srs_rate.value - r.exact_rate):.3f})"
    print(f"rare stratum 'r': {r.population:,} rows; exact rate {r.exact_rate:.3f}; stratified "
          f"{r.strat_rate.value:.3f} on {r.strat_rows} rows (error {abs(r.strat_rate.value - r.exact_rate):.3f}, "
          f"CI covers: {r.strat_rate.covers(r.exact_rate)}); random sample {srs} on {r.srs_rows} rows")
    print(f"ratio a:(b or c): exact {res.ratio_exact:.3f}, random sample {res.ratio_srs.text(pct=False)}")
    print(f"stratified vs exact group-by: {med['stratified'] / med['exact group-by']:.2f}")
    print(f"ratio: {med['stratified'] / med['sampleBy']:.2f}")


if __name__ == "__main__":
    main()
