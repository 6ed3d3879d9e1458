"""How a step's work is measured, and how the work grows with rows.

The measure, best first (one for the whole ladder, so steps compare):

* ``cpu`` -- task CPU time: the JVM tasks' CPU from Spark's task metrics plus the Python workers'
  CPU read from the executors' ``/proc``.  A busy machine or cluster makes tasks wait for a core;
  CPU time does not count the wait, so the growth is read the same, loaded or not.
* ``run`` -- summed task run time: the work done whatever the parallelism, but waiting for a core
  counts as running, so contention inflates it.
* ``wall`` -- each run's wall time: all that is left when Spark reports no task metrics.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dcs_engine.techniques.scale_steps.fit import PowerFit, fit_loglog, fit_offset_power

MIN_TASK_WORK_S = 0.1  # steps whose work grew less than this above the fixed part are not fitted


@dataclass(frozen=True)
class WorkMethod:
    key: str     # "cpu", "run" or "wall"
    note: str    # how, and why not a better one


def choose_method(metrics: Sequence, python_cpu: Sequence, plan_python: bool | None, cpu_how: str,
                  cpu_problem: str) -> WorkMethod:
    """The best measure every run has: ``metrics`` are the runs' JobMetrics, ``python_cpu`` their
    Python worker CPU seconds (None where not read), ``plan_python`` whether the job's plan runs
    Python code (None: unknown)."""
    source = ", ".join(sorted({m.source for m in metrics})) or "none"
    jvm_cpu = bool(metrics) and all(m.cpu_time_s is not None for m in metrics)
    if jvm_cpu and python_cpu and all(c is not None for c in python_cpu):
        return WorkMethod("cpu", f"JVM task CPU from Spark's task metrics ({source}) plus the Python workers' CPU "
                                 f"({cpu_how}); waiting for a core is not counted, so a busy machine does not "
                                 "inflate it (Python work of other jobs on the same executors at the same time "
                                 "would count)")
    if jvm_cpu and plan_python is False:
        return WorkMethod("cpu", f"JVM task CPU from Spark's task metrics ({source}); the plan runs no Python code, "
                                 "so that is all of it; waiting for a core is not counted")
    why_not = (f"the Python workers' CPU could not be read ({cpu_problem})" if jvm_cpu else
               "Spark reported no task CPU time")
    if metrics and all(m.run_time_s is not None for m in metrics):
        return WorkMethod("run", f"summed task run time from Spark's task metrics ({source}), since {why_not}; "
                                 "waiting for a core counts as running, so contention inflates it")
    reasons = "; ".join(sorted({m.note for m in metrics if getattr(m, "note", "")})) or \
        "no jobs were found under the run's tags"
    return WorkMethod("wall", f"wall time of each run: Spark reported no task metrics ({source}: {reasons})")


@dataclass(frozen=True)
class Growth:
    fit: PowerFit
    predicted_full_s: float
    fitted: frozenset      # indices of the steps in the fit
    note: str


def fit_growth(steps: Sequence, overhead_s: float, overhead_work: float, full_rows: int, slots: int,
               min_work_s: float, wall_only: bool) -> Growth | None:
    """The growth of the ok ``steps`` (Step objects, with ``work_s`` the chosen measure), or None.

    Steps whose work is within MIN_TASK_WORK_S of the near-empty run's (``overhead_work``) show no
    growth that can be told from the fixed part's own noise: they are left out of the fit.  Then:

    1. Four steps or more whose work measurably grew: fit the work as a fixed part (at least the
       near-empty run's) plus a power of rows (see fit_offset_power) -- the near-empty run cannot
       see fixed work that comes with real data (a task per key group, the per-file set-up).
    2. Two or three steps whose work clears the near-empty run's: fit the work above it.
    3. Wall time above the near-empty run's; if too few steps clear it, the raw times (a lower bound
       of the growth, since the overhead only flattens the curve)."""
    indexed = list(enumerate(steps))
    if not wall_only:
        worked = [(i, s) for i, s in indexed if s.work_s is not None and s.work_s > 0]
        grown = [(i, s) for i, s in worked if s.work_s - overhead_work >= MIN_TASK_WORK_S]
        found = _fit_offset(grown, overhead_s, overhead_work, full_rows, slots, len(worked) - len(grown)) or \
            _fit_above(worked, overhead_s, overhead_work, full_rows)
        if found is not None:
            return found
    return _fit_wall(indexed, overhead_s, full_rows, min_work_s)


def _fit_offset(worked, overhead_s: float, overhead_work: float, full_rows: int, slots: int,
                left_out: int) -> Growth | None:
    # a fixed part, a coefficient and an exponent: three points fit any of them exactly, and the fixed part
    # found follows the points' noise (seen: 1.9 to 3.8 for one all-pairs job); so four points at least
    if len({s.rows for _, s in worked}) < 4 or worked[-1][1].work_s - worked[0][1].work_s < MIN_TASK_WORK_S:
        return None
    fit = fit_offset_power([s.rows for _, s in worked], [s.work_s for _, s in worked], floor=overhead_work)
    # wall time = the work spread over the cores, as the largest step spread it
    last = worked[-1][1]
    spread = max(0.05, min(float(slots), last.work_s / max(1e-3, last.seconds - overhead_s)))
    note = (f"fitted as a fixed {fit.overhead_s:.2f} s (the near-empty run's work, {overhead_work:.2f} s, is its "
            f"least) plus a part that grows with rows as rows^k, k and the fixed part by least squares on log-log "
            f"axes; the prediction spreads the predicted work as the largest step did ({spread:.2f} s of work per "
            f"second)" + _left_out(left_out))
    return Growth(fit, overhead_s + fit.predict(full_rows) / spread, frozenset(i for i, _ in worked), note)


def _fit_above(worked, overhead_s: float, overhead_work: float, full_rows: int) -> Growth | None:
    above = [(i, s) for i, s in worked if s.work_s - overhead_work >= MIN_TASK_WORK_S]
    if len(above) < 2 or len({s.rows for _, s in above}) < 2:
        return None
    fit = fit_loglog([s.rows for _, s in above], [s.work_s for _, s in above], overhead_work)
    last = above[-1][1]
    predicted = overhead_s + max(0.0, last.seconds - overhead_s) * (full_rows / max(1, last.rows)) ** fit.exponent
    note = (f"fitted above the near-empty run's work ({overhead_work:.2f} s, taken off every step), on log-log axes; "
            "the prediction scales the last step's wall time" + _left_out(len(worked) - len(above)))
    return Growth(fit, predicted, frozenset(i for i, _ in above), note)


def _fit_wall(indexed, overhead_s: float, full_rows: int, min_work_s: float) -> Growth | None:
    usable = [(i, s) for i, s in indexed if s.seconds - overhead_s >= max(min_work_s, 0.25 * overhead_s)]
    fixed, note = overhead_s, "fitted on wall time above the near-empty run's"
    if len(usable) < 2 and len(indexed) >= 2 and indexed[-1][1].seconds - overhead_s >= min_work_s:
        usable, fixed = indexed, 0.0
        note = "fitted on raw step times (too few steps clear the fixed overhead): a lower bound of the growth"
    if len(usable) < 2 or len({s.rows for _, s in usable}) < 2:
        return None
    fit = fit_loglog([s.rows for _, s in usable], [s.seconds for _, s in usable], fixed)
    return Growth(fit, fit.predict(full_rows), frozenset(i for i, _ in usable), note)


def _left_out(n: int) -> str:
    return (f"; {n} step(s) left out: their work is within {MIN_TASK_WORK_S:g} s of the near-empty run's, so "
            "no growth shows above the fixed part's noise") if n else ""
