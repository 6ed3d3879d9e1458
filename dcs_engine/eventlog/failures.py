"""Failures an application recorded, grouped by signature, each read by the traceback triage.

Task end reasons (``ExceptionFailure`` carries the Python worker's traceback in
its description), executors removed for a reason that is not routine, failed
stages, jobs and SQL executions.  Each distinct text goes once through
:func:`dcs_engine.triage.triage_text` (the public triage API); texts that differ
only in numbers (row values, task and stage ids, ports) share one signature.
Memory is bounded: at most ``MAX_SIGNATURES`` distinct texts are triaged, the
rest count under their reason type.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import FailureGroup

MAX_SIGNATURES = 200
MAX_EXACT = 2000
MAX_EXAMPLE = 6000
MAX_PLACES = 50
_NUM = re.compile(r"0x[0-9a-fA-F]+|\d+")
_SPACE = re.compile(r"\s+")
NOT_FAILURES = ("TaskKilled", "Resubmitted", "TaskCommitDenied")   # consequences, not causes


def normalize(text: str) -> str:
    return _SPACE.sub(" ", _NUM.sub("N", text[:2000])).strip()


def reason_text(reason: dict, executor: str = "?") -> str:
    """The failure as Spark prints it (what a user would paste into triage)."""
    kind = str(reason.get("Reason", "UnknownReason"))
    if kind == "ExceptionFailure":
        full = reason.get("Full Stack Trace")
        if full:
            return str(full)
        return f"{reason.get('Class Name', 'Exception')}: {reason.get('Description', '')}"
    if kind == "ExecutorLostFailure":
        caused = reason.get("Exit Caused By App", True)
        why = "caused by one of the running tasks" if caused else "unrelated to the running tasks"
        return (f"ExecutorLostFailure (executor {reason.get('Executor ID', executor)} exited {why}) "
                f"Reason: {reason.get('Loss Reason') or 'unknown'}")
    if kind == "FetchFailed":
        bm = reason.get("Block Manager Address") or {}
        return (f"FetchFailed(BlockManagerId({bm.get('Executor ID', '?')}, {bm.get('Host', '?')}), "
                f"shuffleId={reason.get('Shuffle ID')}, reduceId={reason.get('Reduce ID')}, message=\n"
                f"{reason.get('Message', '')}")
    if kind == "TaskKilled":
        return f"TaskKilled ({reason.get('Kill Reason', 'killed')})"
    return kind


@dataclass
class _Group:
    kind: str
    reason: str
    headline: str
    triage: object
    example: str
    where: str
    count: int = 0
    executors: set = field(default_factory=set)
    hosts: set = field(default_factory=set)
    stages: set = field(default_factory=set)
    first_ms: int | None = None
    last_ms: int | None = None

    def add(self, t_ms, executor, host, stage) -> None:
        self.count += 1
        for bag, v in ((self.executors, executor), (self.hosts, host), (self.stages, stage)):
            if v is not None and len(bag) < MAX_PLACES:
                bag.add(v)
        if t_ms is not None:
            self.first_ms = t_ms if self.first_ms is None else min(self.first_ms, t_ms)
            self.last_ms = t_ms if self.last_ms is None else max(self.last_ms, t_ms)


class FailureTally:
    def __init__(self, benign_removals: tuple[str, ...] = ()):
        self._benign = tuple(b.lower() for b in benign_removals)
        self._by_text: dict[tuple[str, str], tuple] = {}     # (kind, normalized text) -> group key
        self._groups: dict[tuple, _Group] = {}
        self._exact: dict[tuple[str, str], tuple] = {}
        self.overflow = 0

    def _triage(self, text: str):
        from ..triage import triage_text  # the public API; its internals improve independently

        return triage_text(text, source="event log")

    def _group(self, kind: str, reason: str, text: str, where: str) -> _Group:
        exact = self._exact.get((kind, text[:2000]))   # retries of one task often repeat their text exactly
        if exact is not None:
            return self._groups[exact]
        norm = (kind, normalize(text))
        key = self._by_text.get(norm)
        if key is None:
            if len(self._by_text) >= MAX_SIGNATURES:
                self.overflow += 1
                key = (kind, reason, "(more signatures than the report keeps)")
                return self._groups.setdefault(key, _Group(kind, reason, key[2], None, text[:MAX_EXAMPLE], where))
            report = self._triage(text)
            headline = getattr(report, "headline", text.splitlines()[0] if text else reason)
            key = (kind, reason, normalize(headline))
            self._by_text[norm] = key
            if key not in self._groups:
                self._groups[key] = _Group(kind, reason, headline, report, text[:MAX_EXAMPLE], where)
        if len(self._exact) < MAX_EXACT:
            self._exact[(kind, text[:2000])] = key
        return self._groups[key]

    def task(self, reason: dict, stage_id: int, stage_attempt: int, info: dict, text: str | None = None) -> None:
        kind = "task" if str(reason.get("Reason")) not in NOT_FAILURES else "killed"
        executor, host = info.get("Executor ID"), info.get("Host")
        text = text or reason_text(reason, executor or "?")
        where = (f"stage {stage_id}.{stage_attempt}, task {info.get('Index', '?')}.{info.get('Attempt', 0)} "
                 f"(TID {info.get('Task ID', '?')}) on executor {executor} ({host})")
        g = self._group(kind, str(reason.get("Reason", "UnknownReason")), text, where)
        g.add(info.get("Finish Time") or info.get("Launch Time"), executor, host, stage_id)

    def executor_removed(self, executor: str, reason: str, t_ms: int | None, host: str | None) -> bool:
        """Record a removal unless its reason is routine; say whether it counted as a failure."""
        low = (reason or "").lower()
        if not reason or any(b in low for b in self._benign):
            return False
        g = self._group("executor", "ExecutorRemoved", f"Executor {executor} removed: {reason}",
                        f"executor {executor} ({host or '?'})")
        g.add(t_ms, executor, host, None)
        return True

    def other(self, kind: str, text: str, t_ms: int | None, where: str, stage: int | None = None) -> None:
        if text:
            self._group(kind, kind.capitalize() + "Failed", text, where).add(t_ms, None, None, stage)

    def groups(self) -> tuple[FailureGroup, ...]:
        out = [self._freeze(g) for g in self._groups.values()]
        order = {"task": 0, "executor": 1, "stage": 2, "job": 3, "sql": 4, "stream": 5, "killed": 6}
        out.sort(key=lambda g: (order.get(g.kind, 9), g.first_ms if g.first_ms is not None else 2**62))
        return tuple(out)

    @staticmethod
    def _freeze(g: _Group) -> FailureGroup:
        t = g.triage
        return FailureGroup(
            kind=g.kind, reason=g.reason, signature=normalize(g.headline)[:300], headline=g.headline[:1000],
            count=g.count, executors=tuple(sorted(map(str, g.executors))), hosts=tuple(sorted(map(str, g.hosts))),
            stages=tuple(sorted(g.stages)), first_ms=g.first_ms, last_ms=g.last_ms, example=g.example,
            node_id=getattr(t, "node_id", None), root_cause=str(getattr(t, "outcome", "unknown") or "unknown"),
            catalog_id=getattr(t, "catalog_id", None), recovery=tuple(getattr(t, "recovery", ()) or ())[:4],
            where=g.where)


def first_failure(groups: tuple[FailureGroup, ...]) -> FailureGroup | None:
    """The earliest real failure (killed tasks are consequences); ties go to the most specific kind."""
    real = [g for g in groups if g.kind != "killed" and g.first_ms is not None]
    if not real:
        real = [g for g in groups if g.kind != "killed"]
        return real[0] if real else None
    order = {"task": 0, "executor": 1, "stage": 2, "job": 3, "sql": 4, "stream": 5}
    return min(real, key=lambda g: (g.first_ms, order.get(g.kind, 9)))
