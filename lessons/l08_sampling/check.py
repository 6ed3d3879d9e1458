"""ratio_a_to_bc within TOLERANCE of the exact ratio at 10^5 rows and at 10 rows."""
import math

from dcs_engine.results import md_table
from lessons.checking import fail, lesson_df, ok, student_function

SIZES = (100_000, 10)
TOLERANCE = 0.10


def check(spark, student_code: str):
    func = student_function(student_code, "ratio_a_to_bc")
    rows, problems = [], []
    for size in SIZES:
        df = lesson_df(__file__, spark, rows=size)
        counts = {r["category"]: r["count"] for r in df.groupBy("category").count().collect()}
        exact = counts.get("a", 0) / (counts.get("b", 0) + counts.get("c", 0))
        try:
            got = float(func(df))
            err = abs(got - exact) / exact if not math.isnan(got) else float("inf")
            shown = f"{got:.3f}"
        except Exception as exc:
            got, err, shown = None, float("inf"), f"{exc.__class__.__name__}: {exc}"
        rows.append((f"{size:,}", f"{exact:.3f}", shown, "—" if err == float("inf") else f"{err:.1%}"))
        if err > TOLERANCE:
            problems.append((size, shown, exact))
    evidence = md_table(["rows", "exact ratio", "your estimate", "error"], rows, width=100)
    if problems:
        size, shown, exact = problems[0]
        return fail(f"At {size:,} rows your estimate is {shown} where the exact ratio is {exact:.3f}.", evidence)
    return ok("Within 10% of the exact ratio on 100,000 rows and on 10 rows.", evidence)
