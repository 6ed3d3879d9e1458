"""The ladder's runs: the job on a near-empty input (the fixed cost), then on each fraction.

Every run goes under its own sub-tag of the run (:meth:`Context.tagged`), so its jobs, stages and
metrics can be read back on both kinds of session; between runs the ladder checks for a cancel
(:meth:`Context.check_cancelled`), since a cancel between two Spark jobs cancels nothing in Spark.
Around each run the executors' Python worker CPU is read (:mod:`dcs_engine.runtime.python_cpu`):
Spark's task CPU time leaves it out.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from dcs_engine.errors import UserCodeError
from dcs_engine.inputs.userjob import JobOutput, run_job
from dcs_engine.runtime.python_cpu import CpuSnapshot, PythonCpu, delta, exited
from dcs_engine.techniques.scale_steps.phases import Phases, run_phase

BASELINE_ROWS = 100   # the overhead step: about this many rows, enough to start Python workers
REMEASURE_SHARE = 0.12  # steps costing at most this share of the largest run a second time


@dataclass(frozen=True)
class Run:
    """One run of the job on one input."""

    tag: str
    seconds: float
    output: JobOutput | None
    error: BaseException | None
    python_cpu_s: float | None = None   # None: not read (see Ladder.cpu_problem)
    python_exited: int = 0   # Python workers that exited during the run (their CPU since the last reading is lost)

    @property
    def failed(self) -> bool:
        return self.error is not None


@dataclass(frozen=True)
class Rung:
    """One step of the ladder and every run made of it."""

    index: int
    fraction: float
    frame: Any        # the step's DataFrame
    actual: float     # its actual share of the input (bytes for whole files, rows for a sample)
    runs: tuple[Run, ...]

    def label(self, total: int) -> str:
        return f"ladder step {self.index + 1}/{total}: {self.fraction:.0%}"


class Ladder:
    """Runs the user's job under the run's context, timing and tagging each run."""

    def __init__(self, ctx, fn, cpu: PythonCpu | None = None, phases: Phases | None = None):
        self.ctx = ctx
        self.fn = fn
        self.cpu = cpu
        self.cpu_problem = "" if cpu is not None else "not read"
        self._last: CpuSnapshot | None = None
        self.phases = phases if phases is not None else Phases()

    def _snapshot(self) -> CpuSnapshot | None:
        if self.cpu is None:
            return None
        with self.phases.timed("cpu reads"):
            snap = self.cpu.snapshot()
        if snap.problem and not self.cpu_problem:
            self.cpu_problem = snap.problem
        return snap

    def run(self, df, name: str, label: str, measure_cpu: bool = True) -> Run:
        """Run the job once on ``df``; a Spark failure is kept (a scale fail), a cancel raises.

        ``measure_cpu=False``: no Python CPU snapshots around it (a probe task would run under, say,
        the UDF profiler's conf and land in its profile)."""
        self.ctx.check_cancelled()
        if not measure_cpu:
            self._last = None
        before = (self._last or self._snapshot()) if measure_cpu else None
        out = err = None
        with self.ctx.tagged(f"ladder-{name}") as tag, _described(self.ctx, label):
            start = time.perf_counter()
            try:
                out = run_job(self.fn, df)
            except UserCodeError:
                raise
            except Exception as exc:  # a Spark failure is a scale fail, not a crash of the ladder
                self.ctx.check_cancelled()  # ...unless it was the user's cancel
                err = exc
            seconds = time.perf_counter() - start
        self.phases.add(run_phase(name), seconds)
        after = self._snapshot() if measure_cpu else None
        self._last = after
        both = before is not None and after is not None
        used = delta(before, after) if both else None
        return Run(tag, seconds, out, err, used, exited(before, after) if both else 0)


@contextmanager
def _described(ctx, label: str):
    """Name the run's jobs in the Spark UI (classic; Connect jobs carry the tag only)."""
    if not ctx.has("spark_context"):
        yield
        return
    sc = ctx.spark.sparkContext
    old = sc.getLocalProperty("spark.job.description")
    sc.setJobDescription(label)
    try:
        yield
    finally:
        sc.setJobDescription(old)


def baseline(ladder: Ladder, first_frame, method: str, full_rows: int, first_share: float, seed: int,
             slots: int, repeats: int = 1) -> Run | None:
    """The fixed cost every step pays: the job on a near-empty input (None if it failed).

    With whole files the tiny input is the first rows of the first step's files; with ``sample`` a
    tiny sample, since every sampled step pays for the full scan.  A warm-up first spreads the
    tiny input over every task slot, so that each has its Python worker started (pyarrow and
    pandas imported) before anything is measured; then the fastest of ``repeats`` runs is kept."""
    if method == "files":
        tiny = first_frame.limit(BASELINE_ROWS)
    else:
        tiny = first_frame.sample(fraction=min(1.0, BASELINE_ROWS / max(1.0, full_rows * first_share)), seed=seed)
    if ladder.run(tiny.repartition(max(1, slots)), "warm-up", "ladder: warm-up").failed:
        return None
    runs = [ladder.run(tiny, f"base{k}", "ladder: overhead") for k in range(max(1, repeats))]
    ok = [r for r in runs if not r.failed]
    return min(ok, key=lambda r: r.seconds) if ok else None


def scale_fail(runs: Sequence[Run], budget_s: float) -> bool:
    """The last run failed, or even the fastest run is over the budget."""
    return runs[-1].failed or bool(budget_s and min(r.seconds for r in runs) > budget_s)


def climb(ladder: Ladder, fractioner, fractions: Sequence[float], repeats: int, budget_s: float) -> list[Rung]:
    """Run the steps back to back, smallest first, until the first scale fail."""
    rungs = []
    for i, fraction in enumerate(fractions):
        frame, actual = fractioner.frame(fraction)
        rung = Rung(i, fraction, frame, actual, ())
        runs: list[Run] = []
        for r in range(repeats):
            runs.append(ladder.run(frame, f"{i}-{r}", rung.label(len(fractions)) + (" (again)" if r else "")))
            if scale_fail(runs, budget_s):
                break
        rungs.append(replace(rung, runs=tuple(runs)))
        if scale_fail(runs, budget_s):
            break
    return rungs


def cheap_steps(seconds: Sequence[float], share: float = REMEASURE_SHARE, overhead: float = 0.0) -> list[int]:
    """Indices of the steps worth running again: at least 3 steps (enough to fit a fixed part), and
    each costing at most ``share`` of the largest step, both counted above the fixed ``overhead``
    every run pays (a busy machine inflates that part most)."""
    if len(seconds) < 3:
        return []
    top = max(seconds) - overhead
    return [i for i, s in enumerate(seconds) if s - overhead <= share * top]


def remeasure(ladder: Ladder, rungs: list[Rung], total: int, overhead: float = 0.0) -> list[Rung]:
    """Run the cheap steps once more, after the others: a hiccup seldom hits both runs, and the
    small steps carry the most noise for what they measure (the fit's fixed part leans on them)."""
    again = set(cheap_steps([r.runs[0].seconds for r in rungs], overhead=overhead))
    return _run_again(ladder, rungs, total, lambda r: r.index in again, "again")


def recheck_exits(ladder: Ladder, rungs: list[Rung], total: int) -> list[Rung]:
    """Run once more each step whose every run saw a Python worker exit: the CPU such a worker spent
    before it exited is lost to the reading (an idle worker that Spark stopped lost nothing, but the
    two cannot be told apart), so a run that saw no exit is the one to keep."""
    return _run_again(ladder, rungs, total, lambda r: all(run.python_exited for run in r.runs), "recheck")


def _run_again(ladder: Ladder, rungs: list[Rung], total: int, picked, tag: str) -> list[Rung]:
    """One more run of each ``picked`` step, unless the ladder already failed (a failed step ends it)."""
    if any(r.runs[-1].failed for r in rungs):
        return rungs
    return [replace(r, runs=r.runs + (ladder.run(r.frame, f"{r.index}-{tag}", r.label(total) + " (again)"),))
            if picked(r) else r for r in rungs]
