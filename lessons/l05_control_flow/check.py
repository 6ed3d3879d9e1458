"""to_sessions per client on the executors: bad pings must be exactly the pings without payload.info."""
from dcs_engine.results import md_table
from lessons.checking import fail, lesson_df, ok, student_function


def _summary(func):
    def per_client(kv):
        client_id, pings = kv
        try:
            out = func((client_id, list(pings)))
            in_sessions = sum(len(s.get("pings", ())) for s in out.get("sessions", ()))
            return (client_id, True, int(out.get("bad_pings", 0)), in_sessions, len(pings), "")
        except Exception as exc:
            return (client_id, False, 0, 0, len(pings), f"{exc.__class__.__name__}: {exc}")
    return per_client


def check(spark, student_code: str):
    func = student_function(student_code, "to_sessions")
    df = lesson_df(__file__, spark)
    total = df.count()
    no_info = df.where("payload.info is null").count()
    rows = (df.rdd.map(lambda r: (r["client_id"], r.asDict(recursive=True))).groupByKey()
            .map(_summary(func)).collect())
    errors = [r for r in rows if not r[1]]
    if errors:
        return fail(f"to_sessions raises for {len(errors)} of {len(rows)} clients: {errors[0][5]}",
                    md_table(["client_id", "pings", "error"], [(r[0], r[4], r[5]) for r in errors[:5]], width=120))
    bad = sum(r[2] for r in rows)
    placed = sum(r[3] for r in rows)
    evidence = md_table(["", "pings"], [("all pings", f"{total:,}"), ("without payload.info", f"{no_info:,}"),
                                        ("counted bad by your code", f"{bad:,}"), ("in sessions", f"{placed:,}"),
                                        ("clients", f"{len(rows):,}")])
    if bad != no_info:
        return fail(f"Your code counts {bad:,} bad pings ({bad / total:.0%} of all); only {no_info:,} "
                    f"({no_info / total:.0%}) have no payload.info. The 'rare' branch still runs too often.",
                    evidence)
    if bad + placed != total:
        return fail(f"{total - bad - placed:,} pings are neither in a session nor counted bad.", evidence)
    return ok(f"Exactly the {no_info:,} pings without payload.info are bad; the other {placed:,} are in sessions.",
              evidence)
