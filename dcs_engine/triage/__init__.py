"""Traceback triage: from a wall of Java to the innermost real error.

Minimal first version (issue 2); the full catalog-driven triage builds on the
same ``TriageReport`` and entry points.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class TriageReport:
    exception_class: str
    message: str
    error_condition: str | None = None
    sqlstate: str | None = None
    user_frame: str | None = None
    symptom: str = "crash"
    root_cause: str | None = None
    node_id: str | None = None
    recovery: tuple[str, ...] = ()
    catalog_id: str | None = None

    @property
    def headline(self) -> str:
        return f"{self.exception_class}: {self.message}" if self.message else self.exception_class

    @property
    def first_fix(self) -> str:
        return self.recovery[0] if self.recovery else "open the traceback triage technique with this error"


_PY_EXC = re.compile(r"^(?:[\w.$]+\.)?([A-Z][\w$]*(?:Error|Exception|Exit|Interrupt|Warning))(?::\s?(.*))?$")


def innermost_message(exc: BaseException) -> str:
    return triage_text(_exception_text(exc)).headline


def _exception_text(exc: BaseException) -> str:
    parts = [f"{exc.__class__.__name__}: {exc}"]
    cause = exc.__cause__ or exc.__context__
    seen = 0
    while cause is not None and seen < 5:
        parts.append(f"{cause.__class__.__name__}: {cause}")
        cause = cause.__cause__ or cause.__context__
        seen += 1
    return "\n".join(parts)


def triage_exception(exc: BaseException) -> TriageReport:
    return triage_text(_exception_text(exc))


def triage_text(text: str) -> TriageReport:
    last = None
    for line in text.splitlines():
        line = line.strip()
        for lead in (": ", "Caused by: "):
            if line.startswith(lead):
                line = line[len(lead):]
        m = _PY_EXC.match(line)
        if m:
            last = (m.group(1), (m.group(2) or "").strip())
    if last is None:
        first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "unknown error")
        return TriageReport("UnknownError", first[:300])
    return TriageReport(last[0], last[1][:500])
