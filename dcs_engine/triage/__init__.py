"""Traceback triage: from a wall of Java to the innermost real error and the runbook node.

``triage_text(text)`` reads a pasted traceback or log excerpt, ``triage_exception(exc)``
an exception raised in this process (Spark's structured error condition and
SQLSTATE are taken from the exception object when it has them),
``triage_file(path)`` / ``triage_stream(fileobj)`` a log of any size in bounded
memory.  All return a :class:`TriageReport`: the innermost error, the
condition/SQLSTATE, the user's frame, the failing stage/task/executor, and --
from the catalog (``catalog.yaml``) -- the cause, the root cause in the talk's
terms, the runbook node to continue from and the recovery steps with the exact
Spark configuration keys.  Errors not in the catalog keep the innermost error,
with ``catalog_id`` None and outcome ``unknown``.
"""
from __future__ import annotations

import traceback
from collections import Counter
from dataclasses import asdict, dataclass
from typing import BinaryIO

from ..results import md_table
from .catalog import ROOT_CAUSES, Entry, load_catalog, match
from .parse import extract

UNKNOWN_NODE = "t_take"
UNKNOWN_RECOVERY = (
    "Not in the catalog: read the innermost error above; it is the one that matters.",
    "Display the program state; take a few rows of the input of the failing step and compare them with what the code assumes.",
    "Scale out and up in steps (a small local sample, then distributed, then 1%, 10%, 20%, 40%) to see where it starts failing.",
)
OUTCOMES = ROOT_CAUSES + ("unknown",)


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
    # additions (issue 6)
    title: str | None = None
    cause: str | None = None
    conf: tuple[tuple[str, str], ...] = ()
    exception_qualname: str | None = None
    chain: tuple[str, ...] = ()
    kind: str = "none"
    user_code: str | None = None
    stage: str | None = None
    task: str | None = None
    executor: str | None = None
    matched_by: str | None = None
    source: str = "text"
    line_no: int | None = None
    also_seen: tuple[tuple[str, int], ...] = ()

    @property
    def headline(self) -> str:
        text = f"{self.exception_class}: {self.message}" if self.message else self.exception_class
        if self.error_condition and f"[{self.error_condition}]" not in text:
            text = f"[{self.error_condition}] {text}"
        return text

    @property
    def first_fix(self) -> str:
        return self.recovery[0] if self.recovery else "open the traceback triage technique with this error"

    @property
    def outcome(self) -> str:
        return self.root_cause if self.root_cause in ROOT_CAUSES else "unknown"

    @property
    def in_catalog(self) -> bool:
        return self.catalog_id is not None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["outcome"] = self.outcome
        d["headline"] = self.headline
        d["conf"] = dict(self.conf)
        d["also_seen"] = dict(self.also_seen)
        for k in ("recovery", "chain"):
            d[k] = list(d[k])
        return d

    def to_markdown(self) -> str:
        rows = [("innermost error", self.headline),
                ("error condition", self.error_condition or "-"), ("SQLSTATE", self.sqlstate or "-"),
                ("your code", self.user_frame or "-"),
                ("stage / task / executor", " / ".join(v or "-" for v in (self.stage, self.task, self.executor))),
                ("root cause", self.outcome), ("runbook node", self.node_id or "-"),
                ("catalog entry", self.catalog_id or "not in the catalog")]
        body = md_table(["", ""], rows, width=200)
        steps = "\n".join(f"{i}. {s}" for i, s in enumerate(self.recovery, 1))
        cause = f"\n\n**Cause:** {self.cause}" if self.cause else ""
        return f"**Triage:** {self.headline}\n\n{body}{cause}\n\n**Recovery:**\n\n{steps}"


def _report(text: str, *, condition: str | None = None, sqlstate: str | None = None,
            source: str = "text", line_no: int | None = None, also_seen=()) -> TriageReport:
    ex = extract(text)
    if condition and condition not in ex.conditions:
        ex.conditions.insert(0, condition)
    if sqlstate and not ex.sqlstate:
        ex.sqlstate = sqlstate
    m = match(ex, text)
    inner = ex.innermost
    if inner is not None:
        cls, msg, qual = inner.name, inner.message, inner.qualname
    elif m is not None:
        cls, msg, qual = "LogLine", _line_with(text, m.evidence), None
    else:
        first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        cls, msg, qual = "UnknownError", first or "no error text", None
    common = dict(
        exception_class=cls, message=msg[:1000], exception_qualname=qual,
        error_condition=ex.conditions[0] if ex.conditions else None, sqlstate=ex.sqlstate,
        user_frame=ex.user_frame, user_code=ex.user_code, kind=ex.kind,
        chain=tuple(f"{e.qualname}: {e.message}"[:300] for e in ex.chain),
        stage=ex.stage, task=ex.task, executor=ex.executor, source=source, line_no=line_no,
        also_seen=tuple(also_seen))
    if m is None:
        return TriageReport(symptom="crash", root_cause=None, node_id=UNKNOWN_NODE, recovery=UNKNOWN_RECOVERY,
                            catalog_id=None, title="Not in the catalog", **common)
    e: Entry = m.entry
    return TriageReport(symptom=e.symptom, root_cause=e.root_cause, node_id=e.node, recovery=e.recovery,
                        catalog_id=e.id, title=e.title, cause=e.cause, conf=e.conf,
                        matched_by=m.evidence, **common)


def _line_with(text: str, needle: str) -> str:
    for ln in text.splitlines():
        if needle in ln:
            return ln.strip()
    return needle


def triage_text(text: str, source: str = "text") -> TriageReport:
    return _report(text or "", source=source)


def _exception_text(exc: BaseException) -> str:
    try:
        return "".join(traceback.format_exception(exc))
    except Exception:  # an exception whose str() fails
        return f"{exc.__class__.__name__}: {exc!r}"


def _structured(exc: BaseException) -> tuple[str | None, str | None]:
    """Error condition and SQLSTATE from PySpark exception objects (innermost wins)."""
    cond = state = None
    seen = 0
    cur: BaseException | None = exc
    while cur is not None and seen < 8:
        for getter in ("getCondition", "getErrorClass"):
            fn = getattr(cur, getter, None)
            if callable(fn):
                try:
                    cond = fn() or cond
                except Exception:
                    pass
                break
        fn = getattr(cur, "getSqlState", None)
        if callable(fn):
            try:
                state = fn() or state
            except Exception:
                pass
        cur = cur.__cause__ or cur.__context__
        seen += 1
    return cond, state


def triage_exception(exc: BaseException) -> TriageReport:
    cond, state = _structured(exc)
    return _report(_exception_text(exc), condition=cond, sqlstate=state, source="exception")


def innermost_message(exc: BaseException) -> str:
    return triage_exception(exc).headline


def triage_stream(fileobj: BinaryIO, source: str = "stream") -> TriageReport:
    """Triage a binary stream of any size (bounded memory)."""
    from .stream import scan

    entries = load_catalog()
    seen: Counter = Counter()

    def on_block(block):
        text = block.text()
        for e in entries:
            if e.text_hit(text):
                seen[e.id] += 1
                block.severity = max(block.severity, 2)
                break

    res = scan(fileobj, on_block=on_block)
    if res.block is None:
        return TriageReport("NoError", f"no error lines in {res.lines} lines", symptom="crash", node_id=UNKNOWN_NODE,
                            recovery=UNKNOWN_RECOVERY, title="No error found", source=source, kind="none")
    return _report(res.block.text(), source=source, line_no=res.block.start_line,
                   also_seen=sorted(seen.items(), key=lambda kv: (-kv[1], kv[0])))


def triage_file(path) -> TriageReport:
    with open(path, "rb") as f:
        return triage_stream(f, source=str(path))


__all__ = ["TriageReport", "triage_text", "triage_exception", "innermost_message", "triage_file",
           "triage_stream", "load_catalog", "OUTCOMES"]
