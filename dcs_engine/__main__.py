"""Command line.

``python -m dcs_engine triage FILE [--json]`` (FILE may be ``-`` for stdin);
``python -m dcs_engine eventlog PATH_OR_URL [--app ID_OR_NAME] [--thresholds FILE] [--list] [--json]``;
``python -m dcs_engine compare A B [--app-a X] [--app-b Y] [--json]``.
"""
from __future__ import annotations

import argparse
import json
import os
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


def _eventlog(args) -> int:
    from . import eventlog

    try:
        if args.list:
            for e in eventlog.list_applications(args.target):
                print(f"{e.app_id}\t{e.name}\t{e.source.label}")
            return 0
        report = eventlog.analyze(args.target, app=args.app, thresholds=args.thresholds)
    except eventlog.EventLogError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    print(report.to_json() if args.json else report.to_markdown())
    return 0


def _compare(args) -> int:
    from . import eventlog

    try:
        result = eventlog.compare(args.a, args.b, app_a=args.app_a, app_b=args.app_b, thresholds=args.thresholds)
    except eventlog.EventLogError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    print(result.to_json() if args.json else result.to_markdown())
    return 0


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m dcs_engine", description="dcs-doctor engine tools")
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("triage", help="triage a traceback or log file")
    t.add_argument("file", help="a log or traceback file, or - for stdin")
    t.add_argument("--json", action="store_true", help="print the report as JSON")
    e = sub.add_parser("eventlog", help="diagnose an application from its event log or a History Server URL")
    e.add_argument("target", help="an event log file or directory (rolled, many apps, zip), or http(s)://host:port")
    e.add_argument("--app", help="which application, by id or name (a directory of many, or a server)")
    e.add_argument("--thresholds", help="a YAML file overriding the findings' thresholds")
    e.add_argument("--list", action="store_true", help="list the applications found and stop")
    e.add_argument("--json", action="store_true", help="print the report as JSON")
    c = sub.add_parser("compare", help="compare two runs (event logs or History Server URLs)")
    c.add_argument("a", help="run A: a path or URL")
    c.add_argument("b", help="run B: a path or URL")
    c.add_argument("--app-a", help="application id or name in A")
    c.add_argument("--app-b", help="application id or name in B")
    c.add_argument("--thresholds", help="a YAML file overriding the thresholds")
    c.add_argument("--json", action="store_true", help="print the comparison as JSON")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.cmd == "eventlog":
        return _eventlog(args)
    if args.cmd == "compare":
        return _compare(args)
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


def _run() -> int:
    try:
        return main()
    except BrokenPipeError:  # the reader closed the pipe (`| head`): what it wanted was printed
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(_run())
