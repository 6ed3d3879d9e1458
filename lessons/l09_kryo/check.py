"""Run job(sc) in a fresh Spark driver started with the student's CONF."""
from dcs_engine.results import md_table
from lessons.checking import fail, fenced, ok, run_driver, triage_text

TABLE_BYTES = 4 * 1024 * 1024

BODY = """
from dcs_engine.inputs.usercode import from_code
try:
    OUT["bytes"] = int(from_code(PAYLOAD["code"], "job").func(sc))
except Exception as exc:
    from dcs_engine.triage import triage_exception
    rep = triage_exception(exc)
    OUT["error"] = rep.headline
    OUT["catalog"] = rep.catalog_id
"""


def check(spark, student_code: str):
    from dcs_engine.inputs.usercode import from_code

    module_conf = from_code(student_code, "job").func.__globals__.get("CONF", {})
    if not isinstance(module_conf, dict) or not all(isinstance(k, str) for k in module_conf):
        return fail("CONF must be a dict of setting name -> value.")
    conf = {k: str(v) for k, v in module_conf.items()}
    run = run_driver(BODY, conf, payload={"code": student_code}, timeout=180)
    evidence = md_table(["setting", "value"], sorted(conf.items()) or [("(none)", "")], width=100)
    evidence += f"\n\nDriver ran {run.seconds:.1f} s."
    out = run.output
    if "error" in out:
        kind = "the Kryo buffer overflow" if out.get("catalog") == "kryo_buffer_overflow" else "an error"
        return fail(f"With your settings the job hits {kind}: {out['error']}", evidence)
    if "bytes" not in out:
        rep = triage_text(run.stderr) if run.stderr else None
        why = rep.headline if rep is not None else "no output"
        return fail(f"The Spark driver did not start with your settings: {why}", evidence + "\n\n" + fenced(run.stderr))
    if out["bytes"] < TABLE_BYTES:
        return fail(f"The job serialized only {out['bytes']:,} bytes; the table is {TABLE_BYTES:,}. "
                    "Shrinking the table loses data: raise the buffer or serialize it in chunks.", evidence)
    return ok(f"The job completes and serializes {out['bytes']:,} bytes with your settings.", evidence)
