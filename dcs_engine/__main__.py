"""Command line: ``python -m dcs_engine triage FILE [--json]`` (FILE may be ``-`` for stdin)."""
from __future__ import annotations

import argparse
import json
import sys

JSON_KEYS = ("exception_class", "message", "error_condition", "sqlstate", "user_frame", "symptom",
             "root_cause", "node_id", "recovery", "catalog_id", "outcome", "conf", "stage", "task",
             "executor", "cause", "line_no")


def _print_report(r) -> None:
    print(f"Innermost error : {r.headline}")
    if r.error_condition or r.sqlstate:
        print(f"Condition       : {r.error_condition or '-'}  SQLSTATE {r.sqlstate or '-'}")
    if r.user_frame:
        print(f"Your code       : {r.user_frame}" + (f"  ->  {r.user_code}" if r.user_code else ""))
    where = [f"{k} {v}" for k, v in (("stage", r.stage), ("task", r.task), ("executor", r.executor)) if v]
    if where:
        print(f"Where           : {', '.join(where)}")
    if r.line_no:
        print(f"Log line        : {r.line_no}")
    print(f"Catalog         : {r.catalog_id or 'not in the catalog'}" + (f" ({r.title})" if r.catalog_id else ""))
    if r.cause:
        print(f"Cause           : {r.cause}")
    print(f"Symptom / root  : {r.symptom} / {r.outcome}")
    print(f"Runbook node    : {r.node_id}")
    print("Recovery:")
    for i, step in enumerate(r.recovery, 1):
        print(f"  {i}. {step}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dcs_engine", description="dcs-doctor engine tools")
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("triage", help="triage a traceback or log file")
    t.add_argument("file", help="a log or traceback file, or - for stdin")
    t.add_argument("--json", action="store_true", help="print the report as JSON")
    args = ap.parse_args(argv)
    from dcs_engine.triage import triage_file, triage_stream

    try:
        report = triage_stream(sys.stdin.buffer, source="stdin") if args.file == "-" else triage_file(args.file)
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if args.json:
        d = report.to_dict()
        print(json.dumps({k: d[k] for k in JSON_KEYS}, indent=2))
    else:
        _print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
