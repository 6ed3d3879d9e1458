"""Client sessions of a Spark Connect server, and what kind of application a log is.

A Connect server's log carries ``SparkListenerConnectSession*`` and
``SparkListenerConnectOperation*`` events (Spark 3.4+): per session, the
operations its client ran, how many failed or were cancelled, and the rows
they produced.  Operation failures are not counted again as failures here:
their tasks, stages, jobs and SQL executions already are.

:func:`app_kind` tells a batch application from one that serves requests
(a Connect or Thrift server, a streaming query): those sit idle between
requests or triggers by design, which the idle-cores rule must not report.
"""
from __future__ import annotations

from dataclasses import dataclass

SERVER_MAINS = {"SparkConnectServer": "connect server", "HiveThriftServer2": "thrift server"}


@dataclass(frozen=True)
class SessionSummary:
    session_id: str
    user: str
    started_ms: int | None
    closed_ms: int | None
    operations: int
    failed: int
    cancelled: int
    rows: int
    first_error: str | None = None


class SessionTally:
    def __init__(self):
        self.sessions: dict[str, dict] = {}
        self.op_session: dict[str, str] = {}

    def _session(self, sid) -> dict:
        return self.sessions.setdefault(str(sid or "?"), {"user": "", "started": None, "closed": None, "ops": 0,
                                                          "failed": 0, "cancelled": 0, "rows": 0, "error": None})

    def _of_op(self, ev: dict) -> dict:
        op = str(ev.get("operationId") or "?")
        sid = ev.get("sessionId") or self.op_session.get(op)
        if sid is None:   # the job tag names both: ..._Session_<sid>_Operation_<oid>
            tag = str(ev.get("jobTag") or "")
            sid = tag.split("_Session_", 1)[-1].split("_Operation_", 1)[0] if "_Session_" in tag else "?"
        return self._session(sid)

    def feed(self, kind: bytes, ev: dict) -> None:
        if kind == b"SessionStarted":
            s = self._session(ev.get("sessionId"))
            s["started"], s["user"] = ev.get("eventTime"), str(ev.get("userId") or "")
        elif kind == b"SessionClosed":
            self._session(ev.get("sessionId"))["closed"] = ev.get("eventTime")
        elif kind == b"OperationStarted":
            self.op_session[str(ev.get("operationId"))] = str(ev.get("sessionId") or "?")
            self._of_op(ev)["ops"] += 1
        elif kind == b"OperationFinished":
            self._of_op(ev)["rows"] += int(ev.get("producedRowCount") or 0)
        elif kind == b"OperationFailed":
            s = self._of_op(ev)
            s["failed"] += 1
            s["error"] = s["error"] or (str(ev.get("errorMessage") or "")[:500] or None)
        elif kind == b"OperationCanceled":
            self._of_op(ev)["cancelled"] += 1

    def summaries(self) -> tuple[SessionSummary, ...]:
        return tuple(SessionSummary(sid, s["user"], s["started"], s["closed"], s["ops"], s["failed"], s["cancelled"],
                                    s["rows"], s["error"]) for sid, s in self.sessions.items())


def app_kind(env: dict, streams, sessions) -> str:
    """``batch``, ``connect server``, ``thrift server`` or ``streaming`` (from the main class and the events)."""
    command = str((env or {}).get("system", {}).get("sun.java.command") or "")
    for main, kind in SERVER_MAINS.items():
        if main in command:
            return kind
    if sessions:
        return "connect server"
    if streams:
        return "streaming"
    return "batch"
