"""df.rdd.filter(student's function): no row may raise, and the kept rows are exactly the e10s ones."""
from dcs_engine.results import md_table
from lessons.checking import call_rows, error_summary, fail, lesson_df, ok, student_function


def check(spark, student_code: str):
    from pyspark.sql import functions as F

    func = student_function(student_code, "is_e10s_experiment")
    df = lesson_df(__file__, spark)
    calls = call_rows(df, func, "document_id", as_dict=False)   # rows arrive as Row, as in df.rdd.filter
    n_err, top, table = error_summary(calls)
    if n_err:
        nulls = df.where("active_experiment_id is null").count()
        return fail(f"{n_err:,} of {len(calls):,} rows still raise: {top}",
                    f"{table}\n\nRows with active_experiment_id = null: {nulls:,}. "
                    "`df.rdd.filter(f)` dies at the first of them.")
    want = {r[0] for r in df.where(F.col("active_experiment_id").startswith("e10s")).select("document_id").collect()}
    kept = {k for k, _, v in calls if v}
    extra, missing = kept - want, want - kept
    evidence = md_table(["", "rows"], [("rows", f"{len(calls):,}"), ("e10s rows (exact)", f"{len(want):,}"),
                                       ("kept by your filter", f"{len(kept):,}"),
                                       ("kept but not e10s", f"{len(extra):,}"),
                                       ("e10s but dropped", f"{len(missing):,}")])
    if extra or missing:
        return fail(f"No row raises, but your filter keeps {len(kept):,} rows where {len(want):,} are e10s pings.",
                    evidence)
    bad = [k for k, _, v in calls if not isinstance(v, bool)]
    note = f"\n\nNote: {len(bad):,} calls returned a non-bool (fine for filter, but say False)." if bad else ""
    return ok(f"df.rdd.filter(is_e10s_experiment) keeps exactly the {len(want):,} e10s pings and never raises.",
              evidence + note)
