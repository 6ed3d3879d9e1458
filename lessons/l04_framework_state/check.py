"""Run the student's e10s_distributed in a separate Spark driver whose executors cannot see the
helper module unless it is shipped (local[1] in a clean working dir, or a real cluster)."""
import os
import tempfile
from pathlib import Path

from dcs_engine.results import md_table
from lessons.checking import fail, fenced, lesson_df, ok, run_driver, sibling, student_function

BODY = """
sys.path.insert(0, PAYLOAD["helper_dir"])          # the driver (only) sees the helper module
from pyspark.sql import Row
from dcs_engine.inputs.usercode import from_code
sample = [Row(**r) for r in PAYLOAD["rows"]]
try:
    func = from_code(PAYLOAD["code"], "e10s_distributed").func
    got = func(sc, sample)
    OUT["result"] = sorted(r["document_id"] for r in got)
except Exception as exc:
    from dcs_engine.triage import triage_exception
    rep = triage_exception(exc)
    OUT["error"] = rep.headline
    OUT["exception_class"] = rep.exception_class
"""


def helper_dir() -> str:
    helper = sibling(__file__, "helper_module")
    d = Path(tempfile.gettempdir()) / "dcs-lesson04-notebook"
    d.mkdir(exist_ok=True)
    (d / f"{helper.NAME}.py").write_text(helper.SOURCE)
    return str(d)


def check(spark, student_code: str, master: str | None = None):
    master = master or os.environ.get("DCS_LESSON_MASTER", "") or "local[1]"
    hdir = helper_dir()
    import sys
    sys.path.insert(0, hdir)
    try:
        student_function(student_code, "e10s_distributed")      # loads on the driver? (syntax, imports)
    finally:
        sys.path.remove(hdir)
    df = lesson_df(__file__, spark).orderBy("document_id")
    rows = (df.where("active_experiment_id is not null").limit(6).collect()
            + df.where("active_experiment_id is null").limit(4).collect())
    sample = [{"document_id": r["document_id"], "active_experiment_id": r["active_experiment_id"]} for r in rows]
    want = sorted(r["document_id"] for r in sample if (r["active_experiment_id"] or "").startswith("e10s"))
    conf = {"spark.cores.max": "2"} if master.startswith("spark://") else {}
    run = run_driver(BODY, conf, master=master, payload={"helper_dir": hdir, "rows": sample, "code": student_code},
                     timeout=240)
    where = f"a separate driver on {master}, working dir without {hdir}"
    evidence = md_table(["", ""], [("ran on", where), ("seconds", f"{run.seconds:.1f}"),
                                   ("sample rows", len(sample)), ("e10s rows expected", len(want))], width=200)
    out = run.output
    if "error" in out:
        return fail(f"Distributed, your code fails on the executors: {out['error']}",
                    evidence + "\n\nThe driver imports my_local_utilities; the executors cannot.")
    if "result" not in out:
        return fail("The check's Spark driver did not finish.", evidence + "\n\n" + fenced(run.stderr))
    if out["result"] != want:
        return fail(f"It runs distributed, but keeps {len(out['result'])} rows where {len(want)} are e10s.",
                    evidence)
    return ok(f"Distributed on {master}, your code keeps exactly the {len(want)} e10s rows of the sample.",
              evidence)
