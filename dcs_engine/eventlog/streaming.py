"""Structured Streaming queries, from the ``StreamingQueryListener`` events Spark writes to the event log.

Per query run (``runId``): its name, the micro-batches and their input rows and
durations, and how it ended (``QueryTerminatedEvent``'s ``exception``).  A query
that ended with an exception is a failure (it goes through the same triage as
any other).  A micro-batch's SQL execution that ends in an error because its
query was *stopped* (Spark interrupts the running batch: ``InterruptedException``,
or cancels its job: ``SPARK_JOB_CANCELLED``, which also fails the running stage and job)
is not a failure: those errors -- of the batch's SQL execution, job and stages -- are held
back per run and only counted as failures when the run did not end cleanly (no
termination recorded, or an exception).  Spark names each micro-batch's execution (and its
jobs) ``<name>\\nid = …\\nrunId = …\\nbatch = N``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_RUN_ID = re.compile(r"runId = ([0-9a-fA-F-]{36})")
_BATCH = re.compile(r"batch = (\d+)")


@dataclass(frozen=True)
class StreamSummary:
    run_id: str
    query_id: str
    name: str
    started: str | None               # ISO time as Spark writes it
    batches: int
    input_rows: int
    batch_s_total: float
    batch_s_max: float
    last_progress: str | None
    status: str                       # running | stopped | failed
    exception: str | None = None
    interrupted_batches: int = 0      # micro-batch executions cut off by the query's stop


class _Run:
    __slots__ = ("query_id", "name", "started", "batches", "rows", "ms", "max_ms", "last", "status", "exception",
                 "held")

    def __init__(self, query_id: str = "?", name: str = "", started: str | None = None):
        self.query_id, self.name, self.started = query_id, name, started
        self.batches = self.rows = self.ms = self.max_ms = 0
        self.last, self.status, self.exception = None, "running", None
        self.held: list[tuple] = []


def run_of(description: str) -> str | None:
    """The streaming run id a SQL execution belongs to (from its description), if any."""
    if "runId = " not in description:
        return None
    m = _RUN_ID.search(description)
    return m.group(1) if m else None


def batch_of(description: str, fallback):
    """The micro-batch number a description names (``batch = N``), else ``fallback``.

    One batch can run several SQL executions (Spark nests the sink's write in the batch's own)."""
    m = _BATCH.search(description)
    return int(m.group(1)) if m else fallback


class StreamTally:
    def __init__(self):
        self.runs: dict[str, _Run] = {}

    def _run(self, ev: dict) -> _Run:
        rid = str(ev.get("runId") or "?")
        run = self.runs.get(rid)
        if run is None:
            run = self.runs[rid] = _Run(str(ev.get("id") or "?"), str(ev.get("name") or ""))
        return run

    def started(self, ev: dict) -> None:
        run = self._run(ev)
        run.started = ev.get("timestamp")
        run.name = run.name or str(ev.get("name") or "")

    def progress(self, ev: dict) -> None:
        p = ev.get("progress") or {}
        run = self._run(p)
        run.name = run.name or str(p.get("name") or "")
        run.batches += 1
        rows = p.get("numInputRows")
        if rows is None:
            rows = sum(int(s.get("numInputRows") or 0) for s in p.get("sources") or ())
        run.rows += int(rows or 0)
        ms = p.get("batchDuration")
        if ms is None:
            ms = (p.get("durationMs") or {}).get("triggerExecution") or 0
        run.ms += int(ms or 0)
        run.max_ms = max(run.max_ms, int(ms or 0))
        run.last = p.get("timestamp")

    def terminated(self, ev: dict) -> None:
        run = self._run(ev)
        exc = ev.get("exception")
        run.exception = str(exc) if exc else None
        run.status = "failed" if exc else "stopped"

    def hold(self, run_id: str, kind: str, error: str, t_ms, where: str, batch, stage: int | None = None) -> None:
        """Keep an error of a micro-batch (its SQL execution, job or stage) until we know how its query ended.

        ``batch`` names the micro-batch (its SQL execution id, else its job): one interrupted batch
        can end its stage, its job and its execution with the same cancellation."""
        self.runs.setdefault(run_id, _Run()).held.append((kind, error, t_ms, where, batch, stage))

    def resolve(self, tally) -> tuple[StreamSummary, ...]:
        """Put the failures into ``tally`` (failed runs, errors of runs not stopped cleanly); return the runs."""
        out = []
        for rid, r in self.runs.items():
            interrupted = set()
            for kind, error, t_ms, where, batch, stage in r.held:
                if r.status == "stopped":
                    interrupted.add(batch)
                else:
                    tally.other(kind, error, t_ms, where, stage)
            if r.exception:
                tally.other("stream", r.exception, None, f"streaming query {r.name or r.query_id} (run {rid})")
            out.append(StreamSummary(rid, r.query_id, r.name, r.started, r.batches, r.rows, r.ms / 1000,
                                     r.max_ms / 1000, r.last, r.status, r.exception, len(interrupted)))
        return tuple(out)
