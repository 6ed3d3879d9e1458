"""Spark Connect client for the triage corpus (run in a subprocess by tests/triage_corpus.py).

argv[1] is the server's sc:// URL.  Once a process holds a Connect session, pyspark treats the whole
process as a Connect client, so these failures are made here and not in the test process.  For each
failure the last stdout line (JSON) carries the console text (``traceback.format_exception``) and
what ``triage_exception`` reads from the exception object itself.
"""
import json
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _fail(fn):
    try:
        fn()
    except Exception as exc:
        return exc
    raise AssertionError("expected the Spark Connect call to fail")


def failures(url: str) -> dict:
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql.connect.client.retries import DefaultPolicy

    from tests.cluster_fixture import free_port

    session = SparkSession.builder.remote(url).create()

    @F.udf("int")
    def bucket(months):
        return {0: 1, 1: 2}[months // 12]

    out = {
        "connect_udf_key_error": _fail(lambda: session.range(30).select(bucket("id")).collect()),
        "connect_ansi_divide_by_zero": _fail(lambda: session.sql("select 1 / 0 as x").collect()),
        "connect_unresolved_column": _fail(lambda: session.range(2).select("nope").collect()),
        "connect_spark_context": _fail(lambda: session.sparkContext),
    }
    other = SparkSession.builder.remote(url).create()
    other.stop()
    out["connect_stopped_session"] = _fail(lambda: other.range(3).collect())
    dead = SparkSession.builder.remote(f"sc://127.0.0.1:{free_port()}").create()
    dead.client.set_retry_policies([DefaultPolicy(max_retries=1, initial_backoff=10, max_backoff=20)])
    out["connect_dead_endpoint"] = _fail(lambda: dead.range(1).collect())
    for s in (dead, session):
        try:
            s.stop()
        except Exception:
            pass
    return out


def summary(report) -> dict:
    return {"surfaced_qualname": report.surfaced_qualname, "exception_qualname": report.exception_qualname,
            "conditions": [c.condition for c in report.conditions], "outcome": report.outcome,
            "node_id": report.node_id, "message": report.message, "user_frame": report.user_frame,
            "why": report.why}


def main() -> None:
    from dcs_engine.triage import triage_exception

    result = {}
    for name, exc in failures(sys.argv[1]).items():
        result[name] = {"text": "".join(traceback.format_exception(exc)), "object": summary(triage_exception(exc))}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
