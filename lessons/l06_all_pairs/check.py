"""close_pairs must give the exact per-client counts without comparing across clients."""
import re
import time

from dcs_engine.results import md_table
from lessons.checking import fail, lesson_df, ok, student_function

ALL_PAIRS = re.compile(r"\.cartesian\(|\.crossJoin\(|how\s*=\s*['\"]cross['\"]")


def as_counts(out) -> dict:
    if hasattr(out, "collect"):
        out = out.collect()
    counts = {}
    for row in out:
        key, n = (row[0], row[1])
        if n:
            counts[str(key)] = int(n)
    return counts


def check(spark, student_code: str):
    from pyspark.sql import functions as F

    func = student_function(student_code, "close_pairs")
    df = lesson_df(__file__, spark)
    a, b = df.alias("a"), df.alias("b")
    truth = (a.join(b, (F.col("a.client_id") == F.col("b.client_id")) & (F.col("a.ping_id") < F.col("b.ping_id"))
                    & (F.abs(F.col("a.ts") - F.col("b.ts")) < 60))
             .groupBy("a.client_id").count().collect())
    want = {r[0]: r[1] for r in truth}
    sizes = [r[1] for r in df.groupBy("client_id").count().collect()]
    n = sum(sizes)
    start = time.perf_counter()
    got = as_counts(func(df))
    seconds = time.perf_counter() - start
    all_pairs = n * n
    within = sum(s * s for s in sizes)
    evidence = md_table(["", ""], [("rows", f"{n:,}"), ("clients", len(sizes)),
                                   ("comparisons, every row with every row", f"{all_pairs:,}"),
                                   ("comparisons within clients", f"{within:,}"),
                                   ("your job's time", f"{seconds:.2f} s")])
    wrong = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))
    if wrong:
        rows = [(k, got.get(k, 0), want.get(k, 0)) for k in wrong[:6]]
        return fail(f"{len(wrong)} client(s) get the wrong count of close pairs.",
                    evidence + "\n\n" + md_table(["client_id", "yours", "expected"], rows))
    if ALL_PAIRS.search(student_code):
        return fail(f"The counts are right, but the job still compares every row with every row "
                    f"({all_pairs:,} comparisons where {within:,} are needed): remove the cartesian/cross join.",
                    evidence)
    return ok(f"Right counts for all {len(want)} clients, comparing only within each client "
              f"({within:,} instead of {all_pairs:,} comparisons).", evidence)
