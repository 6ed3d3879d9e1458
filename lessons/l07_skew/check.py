"""client_totals: the right totals, and no task reading more than MAX_SHARE of the rows in a shuffle."""
import uuid

from dcs_engine.results import md_table
from lessons.checking import fail, lesson_df, ok, student_function

MAX_SHARE = 0.25


def _get(url: str):
    import json
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 (the driver's UI on loopback)
        return json.loads(resp.read().decode("utf-8"))


def shuffle_reads(sc, tag: str) -> tuple[int | None, int, int]:
    """(most shuffle bytes read by one task, shuffle bytes read in all, stages) over the tagged jobs."""
    import time

    from dcs_engine.runtime import metrics

    base = metrics.rest_base(sc)
    job_ids = set(metrics.job_ids_for_tag(sc, tag))
    if base is None or not job_ids:
        return None, 0, 0
    deadline = time.time() + 20
    while True:
        jobs = [j for j in _get(f"{base}/jobs") if j["jobId"] in job_ids]
        if (len(jobs) == len(job_ids) and all(j["status"] != "RUNNING" for j in jobs)) or time.time() > deadline:
            break
        time.sleep(0.1)
    most = total = seen = 0
    for sid in sorted({s for j in jobs for s in j.get("stageIds", [])}):
        for att in _get(f"{base}/stages/{sid}?details=false"):
            if att.get("status") != "COMPLETE" or not att.get("shuffleReadBytes"):
                continue
            summary = _get(f"{base}/stages/{sid}/{att['attemptId']}/taskSummary?quantiles=1.0")
            seen += 1
            total += int(att["shuffleReadBytes"])
            most = max(most, int(summary["shuffleReadMetrics"]["readBytes"][0]))
    return most, total, seen


def tagged(sc, work):
    tag = f"lesson-skew-{uuid.uuid4().hex[:8]}"
    sc.addJobTag(tag)
    try:
        out = work()
    finally:
        sc.removeJobTag(tag)
    return out, tag


def check(spark, student_code: str):
    from pyspark.sql import functions as F

    func = student_function(student_code, "client_totals")
    df = lesson_df(__file__, spark)
    want = {r[0]: (r[1], round(r[2], 3)) for r in
            df.groupBy("client_id").agg(F.count("*"), F.sum("value")).collect()}
    n = sum(v[0] for v in want.values())
    sc = spark.sparkContext

    def run():
        out = func(df)
        return out.collect() if hasattr(out, "collect") else out

    out, tag = tagged(sc, run)
    got = {}
    for row in out:
        key, val = row[0], row[1]
        got[key] = (int(val[0]), float(val[1]))
    wrong = [k for k in set(want) | set(got)
             if k not in got or k not in want or got[k][0] != want[k][0] or abs(got[k][1] - want[k][1]) > 1e-3]
    if wrong:
        rows = [(k, got.get(k), want.get(k)) for k in sorted(wrong, key=str)[:6]]
        return fail(f"{len(wrong)} client(s) get wrong totals.", md_table(["client_id", "yours", "expected"], rows))
    most, _, stages = shuffle_reads(sc, tag)
    # the yardstick: the bytes a plain shuffle of every row by client moves
    _, base_tag = tagged(sc, lambda: df.rdd.map(lambda r: (r["client_id"], r["value"])).groupByKey().count())
    _, all_bytes, _ = shuffle_reads(sc, base_tag)
    hot = max(want, key=lambda k: want[k][0])
    share = (most / all_bytes) if most is not None and all_bytes else None
    evidence = md_table(["", ""], [("rows", f"{n:,}"), ("hot client", f"{hot}: {want[hot][0]:,} rows "
                                                                      f"({want[hot][0] / n:.0%})"),
                                   ("shuffle stages of your job", stages),
                                   ("most shuffle data read by one task", "unknown" if most is None else
                                    f"{most:,} bytes"),
                                   ("shuffling every row by client moves", f"{all_bytes:,} bytes"),
                                   ("largest task's share", "unknown" if share is None else f"{share:.0%}"),
                                   ("allowed", f"{MAX_SHARE:.0%}")], width=120)
    if share is None:
        return ok("Right totals. (Task sizes could not be read: the Spark UI is off, so skew was not measured.)",
                  evidence)
    if share > MAX_SHARE:
        return fail(f"Right totals, but one task reads {share:.0%} of all the rows' data: the hot client still "
                    f"lands in one task.", evidence)
    return ok(f"Right totals, and no task reads more than {share:.0%} of the data: the skew is gone.", evidence)
