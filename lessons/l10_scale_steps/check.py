"""pings_per_major on 1%, 10%, 20%, 40% and 100% of the data; the first failing step is the scale fail."""
import time

from dcs_engine.results import md_table
from lessons.checking import fail, innermost, lesson_df, ok, student_function

FRACTIONS = (0.01, 0.1, 0.2, 0.4, 1.0)


def expected(df):
    from pyspark.sql import functions as F

    head = F.split("app_version", r"\.").getItem(0)
    major = F.when(head.rlike("^[0-9]+$"), head.cast("int"))
    return {r[0]: r[1] for r in df.groupBy(major.alias("major")).count().collect()}


def check(spark, student_code: str):
    func = student_function(student_code, "pings_per_major")
    full = lesson_df(__file__, spark)
    steps, failure = [], None
    for fraction in FRACTIONS:
        part = full if fraction == 1.0 else full.sample(fraction=fraction, seed=7)
        want = expected(part)
        rows = sum(want.values())
        start = time.perf_counter()
        try:
            out = func(part)
            got = {r["major"]: r["pings"] for r in out.collect()}
            status = "ok" if got == want else "wrong counts"
        except Exception as exc:
            got, status = None, f"failed: {innermost(exc)}"
        steps.append((f"{fraction:.0%}", f"{rows:,}", f"{time.perf_counter() - start:.1f} s", status))
        if status != "ok":
            failure = (fraction, status, got, want)
            break
    evidence = md_table(["step", "rows", "time", "result"], steps, width=160)
    if failure:
        fraction, status, got, want = failure
        if status == "wrong counts":
            diff = sorted((k for k in set(got) | set(want) if got.get(k) != want.get(k)), key=str)[:4]
            detail = ", ".join(f"major {k}: {got.get(k)} vs {want.get(k)}" for k in diff)
            return fail(f"Scale fail at {fraction:.0%}: the counts differ ({detail}).", evidence)
        return fail(f"Scale fail at {fraction:.0%} of the data: {status[len('failed: '):]}", evidence)
    return ok("Every step passes, from 1% to all of the data.", evidence)
