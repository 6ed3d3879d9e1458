"""recent_pings on the lesson's data against the exact count of the last week's pings."""
from datetime import date

from dcs_engine.results import md_table
from lessons.checking import fail, lesson_df, ok, student_function

TODAY = date(2017, 5, 26)


def check(spark, student_code: str):
    from pyspark.sql import functions as F

    func = student_function(student_code, "recent_pings")
    df = lesson_df(__file__, spark)
    total = df.count()
    truth = df.where(F.to_date("submission_date", "yyyyMMdd") > F.lit("2017-05-19").cast("date"))
    want = truth.count()
    out = func(df)
    if not hasattr(out, "columns"):
        return fail(f"recent_pings must return a DataFrame; it returned {type(out).__name__}.")
    if "ping_id" not in out.columns:
        return fail("The DataFrame recent_pings returns has lost the ping_id column: keep the rows as they are.")
    got = out.count()
    extra = out.select("ping_id").subtract(truth.select("ping_id")).count()
    missing = truth.select("ping_id").subtract(out.select("ping_id")).count()
    shown = [(r["submission_date"],) for r in out.orderBy("submission_date").limit(3).collect()]
    evidence = md_table(["", "rows"], [("all pings", f"{total:,}"), ("last week (exact)", f"{want:,}"),
                                       ("your result", f"{got:,}"), ("of those, not in the last week", f"{extra:,}"),
                                       ("last week's pings you miss", f"{missing:,}")])
    evidence += "\n\nThe earliest submission_date in your result: " + (", ".join(s for (s,) in shown) or "none")
    if extra or missing:
        share = got / total if total else 0
        return fail(f"Your filter keeps {got:,} of {total:,} pings ({share:.0%}); the last week has {want:,}.",
                    evidence)
    return ok(f"Exactly the {want:,} pings of the last week ({want / total:.1%} of all), not a third of the data.",
              evidence)
