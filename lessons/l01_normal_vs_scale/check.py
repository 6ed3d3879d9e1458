"""Run the student's extract_and_transform on every record; compare with the contract."""
from dcs_engine.results import md_table
from lessons.checking import call_rows, error_summary, fail, lesson_df, ok, student_function

FUNCTION = "extract_and_transform"


def check(spark, student_code: str):
    func = student_function(student_code, FUNCTION)
    df = lesson_df(__file__, spark)
    fields = {r["record_id"]: r["field"] for r in df.collect()}
    calls = call_rows(df, func, "record_id")
    n_err, top, table = error_summary(calls)
    if n_err:
        return fail(f"{n_err} of {len(calls):,} records still raise: {top}",
                    f"Errors by message:\n\n{table}")
    wrong = []
    for rid, _, got in calls:
        field = fields[rid]
        want = None if field is None else float(field)
        if got != want or type(got) is not type(want):
            wrong.append((rid, field, repr(got), repr(want)))
    if wrong:
        return fail(f"{len(wrong)} of {len(calls):,} records give the wrong value (first: field {wrong[0][1]!r} "
                    f"gave {wrong[0][2]}, expected {wrong[0][3]}).",
                    md_table(["record_id", "field", "yours", "expected"], wrong[:8]))
    nones = sum(1 for f in fields.values() if f is None)
    return ok(f"All {len(calls):,} records pass: {nones} without a value give None, the rest their number.")
