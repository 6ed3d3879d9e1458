"""scale_steps: run the user's job on growing fractions of the input and watch
how time grows with rows.

Each step runs under its own job tag (the run's job group, and so Cancel, stay
as they are), so its Spark jobs, tasks and shuffle bytes can be read back.
First a near-empty step measures the fixed cost every step pays (scheduling,
and with ``sample`` the full scan); the growth exponent is fitted on the work
above that overhead, on a log-log scale.  The first error, or a step slower
than the budget, is a scale fail and stops the ladder.  Steps that cost at most
12% of the largest are run once more at the end, and the run with less task time
is kept: they are cheap to repeat and the most disturbed by a hiccup.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from dcs_engine.contract import Param, Technique
from dcs_engine.errors import JobCancelled, ParameterError
from dcs_engine.inputs.demo.jobs import ALL_PAIRS_JOB
from dcs_engine.inputs.sources import SourceSpec
from dcs_engine.inputs.userjob import load_job, run_job
from dcs_engine.results import Reportable, md_table
from dcs_engine.runtime.metrics import job_ids_for_tag, metrics_for_groups, prime, rest_base, sql_for_groups
from dcs_engine.techniques._common import user_function
from dcs_engine.techniques.scale_steps.fit import fit_loglog, fit_offset_power
from dcs_engine.techniques.scale_steps.ladder import fractioner, parse_fractions
from dcs_engine.techniques.scale_steps.plancheck import exploding_joins, plan_flags

MIN_TASK_WORK_S = 0.1  # steps with less task time than this above the fixed part are not fitted
BASELINE_ROWS = 100  # the overhead step: about this many rows, enough to start Python workers
# Steps that cost at most this share of the largest step are run a second time (see ladder()).
REMEASURE_SHARE = 0.12


@dataclass(frozen=True)
class Step:
    fraction: float
    rows: int
    rows_exact: bool
    input_bytes: int | None
    seconds: float
    jobs: int
    tasks: int
    shuffle_read: int | None
    shuffle_write: int | None
    status: str            # "ok", "failed", "over budget"
    in_fit: bool = False
    error: str = ""
    work_s: float | None = None   # summed task run time (None when Spark did not report it)
    runs: int = 1                 # runs of this step; the one with the least task time is shown


@dataclass(frozen=True)
class ScaleResult(Reportable):
    source: str
    method: str
    method_note: str
    steps: tuple[Step, ...]
    overhead_s: float
    full_rows: int
    threshold: float
    exponent: float | None
    stderr: float | None
    ci_low: float | None
    ci_high: float | None
    r2: float | None
    predicted_full_s: float | None
    plan_flags: tuple[tuple[str, str], ...]
    exploding: tuple[tuple[str, int, int], ...]
    failed_step: int | None
    failure: str
    failure_fix: str
    metrics_source: str
    outcome: str
    fit_note: str = ""
    overhead_work_s: float = 0.0   # summed task time of the near-empty run

    @property
    def headline(self) -> str:
        if self.outcome == "scale_fail":
            s = self.steps[self.failed_step]
            return f"Scale fail at step {self.failed_step + 1} ({s.fraction:.0%} of the data): {self.failure}"
        if self.exponent is None:
            return "Time did not grow measurably above the fixed overhead: no sign of super-linear work."
        growth = f"time grows as rows^{self.exponent:.2f}"
        if self.stderr is not None:
            growth += f" ± {self.stderr:.2f}"
        if self.outcome == "superlinear":
            return f"Super-linear: {growth} (above {self.threshold:g}); likely all-pairs (exponential) work."
        return f"Linear enough: {growth} (at most {self.threshold:g})."

    def to_markdown(self) -> str:
        rows = [(f"{s.fraction:.0%}" if s.fraction >= 0.01 else f"{s.fraction:.2%}",
                 f"{s.rows:,}" if s.rows_exact else f"≈{s.rows:,}",
                 "" if s.input_bytes is None else f"{s.input_bytes:,}", f"{s.seconds:.2f}", s.jobs, s.tasks,
                 "" if s.shuffle_read is None else f"{s.shuffle_read:,}",
                 "" if s.shuffle_write is None else f"{s.shuffle_write:,}",
                 s.status + (" (fit)" if s.in_fit else "") + (f", best of {s.runs} runs" if s.runs > 1 else ""),
                 s.error) for s in self.steps]
        parts = [self.headline, "",
                 md_table(("fraction", "rows", "input bytes", "seconds", "jobs", "tasks", "shuffle read",
                           "shuffle write", "status", "error"), rows), "",
                 f"Source: {self.source}. Fractions taken by **{self.method}**: {self.method_note}.",
                 f"Fixed overhead per step (a near-empty run): {self.overhead_s:.2f} s."]
        if self.exponent is not None:
            ci = "" if self.ci_low is None else f", 95% CI {self.ci_low:.2f} to {self.ci_high:.2f}"
            parts.append(f"Growth exponent {self.exponent:.2f}{ci} (R² {self.r2:.3f}); "
                         f"predicted time for all {self.full_rows:,} rows: {self.predicted_full_s:.1f} s."
                         + (f" ({self.fit_note}.)" if self.fit_note else ""))
        if self.plan_flags:
            parts += ["", "Plan operators that can mean all-pairs work:", ""]
            parts += [f"- `{op}`: {meaning}" for op, meaning in self.plan_flags]
        if self.exploding:
            parts += ["", "Joins whose output far exceeds their input:", ""]
            parts += [f"- `{op}`: {out:,} rows out of {inp:,} in ({out / max(1, inp):.0f}x)"
                      for op, out, inp in self.exploding]
        if self.failure_fix:
            parts += ["", f"Fix: {self.failure_fix}"]
        return "\n".join(parts)


def _is_cancel(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "cancelled" in text and ("job group" in text or "cancelled part of" in text or "jobtag" in text)


def _rows_read(execs, operator: str) -> int | None:
    """Largest "number of output rows" of the ``Sample`` (or ``Scan ...``) operators.

    An operator's metric adds up every pass over it: a job that reads its input twice (a
    global sort samples it for range bounds, then sorts it) shows twice the rows."""
    counts = []
    for e in execs:
        for n in e.get("nodes", []):
            if n.get("nodeName", "").startswith(operator):
                for m in n.get("metrics", []):
                    if m.get("name") == "number of output rows":
                        digits = "".join(ch for ch in str(m.get("value", "")) if ch.isdigit())
                        if digits:
                            counts.append(int(digits))
    return max(counts) if counts else None


def _check_cancel() -> None:
    """Between steps: stop if the run that owns this thread was cancelled (jobs.py names the
    thread after the run's job group; a cancel between two Spark jobs cancels nothing in Spark)."""
    import threading

    from dcs_engine.runtime.jobs import RUNNER

    name = threading.current_thread().name
    for handle in RUNNER.running():
        if handle.group == name and handle.cancel_requested:
            raise JobCancelled("scaling ladder", found="cancelled by the user",
                               fix="press Run again to start it anew")


def _run_step(spark, fn, df, tag: str, label: str):
    """Run the job once under ``tag``: (seconds, output, error, job ids)."""
    _check_cancel()
    sc = spark.sparkContext
    old_desc = sc.getLocalProperty("spark.job.description")
    sc.addJobTag(tag)
    sc.setJobDescription(label)
    start = time.perf_counter()
    out = err = None
    try:
        out = run_job(fn, df)
    except Exception as exc:  # a Spark failure is a scale fail, not a crash of the ladder
        if _is_cancel(exc):
            raise JobCancelled("scaling ladder", found="cancelled by the user",
                               fix="press Run again to start it anew") from None
        if exc.__class__.__name__ == "UserCodeError":
            raise
        err = exc
    finally:
        seconds = time.perf_counter() - start
        sc.removeJobTag(tag)
        sc.setJobDescription(old_desc)
    return seconds, out, err, job_ids_for_tag(sc, tag)


def cheap_steps(seconds, share: float = REMEASURE_SHARE) -> list[int]:
    """Indices of the steps worth running again: at least 3 steps (enough to fit a fixed part),
    and each costing at most ``share`` of the largest step."""
    if len(seconds) < 3:
        return []
    top = max(seconds)
    return [i for i, s in enumerate(seconds) if s <= share * top]


def _fit_growth(ok, overhead, overhead_work, full_rows, cores, min_work_s):
    """(fit, predicted full-data seconds, ids of the fitted steps, note) or None.

    The first way that has enough data wins.  Summed task time (the work done) before wall time:
    a small step cannot keep every core busy, so its wall time understates the work and flattens
    the growth.
    1. Three steps or more whose work measurably grew: fit the work as a fixed part plus a power
       of rows (see fit_offset_power) -- the near-empty run cannot see fixed work that comes with
       real data (a task per key group, the per-file set-up).
    2. Two steps whose work clears the near-empty run's: fit the work above it.
    3. Wall time above the near-empty run's; if too few steps clear it, the raw times (a lower
       bound of the growth, since the overhead only flattens the curve).
    """
    worked = [s for s in ok if s.work_s is not None and s.work_s > 0]
    if len({s.rows for s in worked}) >= 3 and worked[-1].work_s - worked[0].work_s >= MIN_TASK_WORK_S:
        fit = fit_offset_power([s.rows for s in worked], [s.work_s for s in worked])
        # wall time = work spread over the cores, as well as the best-spread step managed
        spread = max(s.work_s / max(1e-3, s.seconds - overhead) for s in worked)
        spread = max(1.0, min(float(cores), spread))
        note = (f"fitted on summed task time (the work done, whatever the cores a step could use) as "
                f"a fixed {fit.overhead_s:.2f} s plus a part that grows with rows; the prediction "
                f"spreads the predicted work over {spread:.1f} cores, as the best step did")
        return fit, overhead + fit.predict(full_rows) / spread, {id(s) for s in worked}, note
    usable = [s for s in ok if s.seconds - overhead >= max(min_work_s, 0.25 * overhead)]
    fit_overhead, note = overhead, ""
    if len(usable) < 2 and len(ok) >= 2 and ok[-1].seconds - overhead >= min_work_s:
        usable, fit_overhead = ok, 0.0
        note = "fitted on raw step times (too few steps clear the fixed overhead): a lower bound of the growth"
    above = [s for s in worked if s.work_s - overhead_work >= MIN_TASK_WORK_S]
    if len(above) >= 2 and len(worked) >= len(usable):
        fit = fit_loglog([s.rows for s in above], [s.work_s for s in above], overhead_work)
        last = above[-1]
        predicted = overhead + max(0.0, last.seconds - overhead) * (full_rows / max(1, last.rows)) ** fit.exponent
        note = ("fitted on summed task time (the work done) above the near-empty run's; the "
                "prediction scales the last step's wall time")
        return fit, predicted, {id(s) for s in above}, note
    if len(usable) < 2:
        return None
    fit = fit_loglog([s.rows for s in usable], [s.seconds for s in usable], fit_overhead)
    return fit, fit.predict(full_rows), {id(s) for s in usable}, note


def ladder(spark, fn, spec: SourceSpec, fractions, *, method: str = "auto", seed: int = 7,
           threshold: float = 1.3, budget_s: float = 0.0, min_work_s: float = 0.1,
           explode_factor: float = 10.0, repeats: int = 1, remeasure: bool = True) -> ScaleResult:
    from dcs_engine.triage import triage_exception

    sc = spark.sparkContext
    prime(sc)  # a no-op when the session already did it
    fr = fractioner(spark, spec, method, seed)
    run_id = uuid.uuid4().hex[:8]
    full_rows = fr.full_rows()

    # The fixed cost: the same job on a near-empty input, which also warms up workers.  With
    # whole files that is the first rows of the first step's files; with ``sample`` a tiny sample,
    # since every sampled step pays for the full scan.  Run it twice: the first run starts Python
    # workers and compiles code, the second is the overhead.
    base_df, base_frac = fr.frame(fractions[0])
    if fr.method == "files":
        tiny_df = base_df.limit(BASELINE_ROWS)
    else:
        tiny_df = base_df.sample(fraction=min(1.0, BASELINE_ROWS / max(1.0, full_rows * base_frac)), seed=seed)
    times, base_err, base_jobs = [], None, ()
    # The warm-up spreads its rows over every core, so that each task slot has its Python worker
    # started (and pyarrow/pandas imported) before the steps: otherwise the first steps' task time
    # carries those start-ups, at random.
    warm_df = tiny_df.repartition(max(1, sc.defaultParallelism))
    for k in range(1 + max(1, repeats)):
        secs, _, base_err, base_jobs = _run_step(spark, fn, warm_df if k == 0 else tiny_df,
                                                 f"dcs-ladder-{run_id}-base{k}",
                                                 "ladder: warm-up" if k == 0 else "ladder: overhead")
        if base_err is not None:
            break
        times.append(secs)
    overhead = 0.0 if base_err is not None or len(times) < 2 else min(times[1:])

    # Run the steps back to back; their metrics are read afterwards, in one go.  Each step keeps
    # every run it made: (seconds, output, error, job ids).
    def scale_fail(runs) -> bool:   # the last run failed, or even the fastest is over the budget
        return runs[-1][2] is not None or bool(budget_s and min(x[0] for x in runs) > budget_s)

    ran = []   # (fraction, df, actual fraction, [runs])
    for i, frac in enumerate(fractions):
        df, actual = fr.frame(frac)
        runs = []
        for r in range(repeats):
            runs.append(_run_step(spark, fn, df, f"dcs-ladder-{run_id}-{i}-{r}",
                                  f"ladder step {i + 1}/{len(fractions)}: {frac:.0%}" + (" (again)" if r else "")))
            if scale_fail(runs):
                break
        ran.append((frac, df, actual, runs))
        if scale_fail(runs):
            break

    # Small steps carry the most noise for what they measure: a 0.1 s hiccup is a quarter of a
    # 0.4 s step, and the fit's fixed part and exponent lean on them.  When a step costs little
    # next to the largest one, run it once more, after the others (a hiccup seldom hits both).
    # With ``repeats`` > 1 every step already ran several times.
    if remeasure and repeats == 1 and all(r[3][-1][2] is None for r in ran):
        for i in cheap_steps([r[3][0][0] for r in ran]):
            frac, df, _, runs = ran[i]
            runs.append(_run_step(spark, fn, df, f"dcs-ladder-{run_id}-{i}-again",
                                  f"ladder step {i + 1}/{len(fractions)}: {frac:.0%} (again)"))

    groups = {"base": base_jobs if overhead else ()}
    groups.update({(i, k): run[3] for i, r in enumerate(ran) for k, run in enumerate(r[3])})
    metrics = metrics_for_groups(rest_base(sc), groups, tracker=sc)
    # Of several runs of a step, keep the least disturbed: the one with the least task time (wall
    # time when Spark reported none); a run that failed is kept, since it ends the ladder.
    chosen = []   # (fraction, df, actual, seconds, output, error, jobs, metrics, runs)
    for i, (frac, df, actual, runs) in enumerate(ran):
        def disturbance(k, i=i):
            work = metrics[(i, k)].run_time_s
            return (float("inf") if work is None else work), runs[k][0]

        best = len(runs) - 1 if runs[-1][2] is not None else min(range(len(runs)), key=disturbance)
        seconds, out, err, jobs = runs[best]
        chosen.append((frac, df, actual, seconds, out, err, jobs, metrics[(i, best)], len(runs)))
    executions = sql_for_groups(rest_base(sc), {i: c[6] for i, c in enumerate(chosen)})
    # The fixed part of the task time too (task start, Python workers), from the last overhead run.
    overhead_work = (metrics["base"].run_time_s or 0.0) if overhead else 0.0

    steps: list[Step] = []
    flags: dict[str, str] = {}
    exploding: dict[str, tuple[str, int, int]] = {}
    failed = None
    failure = fix = ""
    metrics_source = "none"
    for i, (frac, df, actual, seconds, out, err, jobs, m, n_runs) in enumerate(chosen):
        metrics_source = m.source
        execs = executions[i]
        for e in execs:
            for f in plan_flags(e.get("planDescription", "")):
                flags[f.operator] = f.meaning
            for j in exploding_joins(e, explode_factor):
                if j.operator not in exploding or exploding[j.operator][1] < j.output_rows:
                    exploding[j.operator] = (j.operator, j.output_rows, j.input_rows)
        if out is not None:
            for f in plan_flags(out.plan_text):
                flags[f.operator] = f.meaning
        # Rows read, from the Sample / Scan operator's metrics (free); a count only if they are missing.
        measured = None
        if fr.method == "sample" and frac < 1.0:
            measured = _rows_read(execs, "Sample")
        elif fr.method == "files" and not spec.where.strip():
            # the stage that read the most input records read every row of the step's files
            # (a job may read them more than once, in several stages: the largest is the input)
            measured = m.max_input_records or _rows_read(execs, "Scan ")
        if measured is not None:
            rows, exact = measured, True
        elif fr.method == "files":
            rows, exact = df.count(), True
        else:
            rows, exact = int(round(full_rows * actual)), frac >= 1.0
        status, error = "ok", ""
        if err is not None:
            rep = triage_exception(err)
            status, error, fix = "failed", rep.headline, rep.first_fix
        elif budget_s and seconds > budget_s:
            status = "over budget"
            error = f"{seconds:.1f} s is over the budget of {budget_s:g} s"
            fix = "the cost grows too fast for the full data: see the growth exponent and the plan flags"
        steps.append(Step(frac, rows, exact, fr.input_bytes(frac), seconds, len(jobs), m.num_tasks,
                          m.shuffle_read_bytes, m.shuffle_write_bytes, status, False, error, m.run_time_s,
                          n_runs))
        if status != "ok":
            failed, failure = i, error
            break

    growth = _fit_growth([s for s in steps if s.status == "ok"], overhead, overhead_work, full_rows,
                         sc.defaultParallelism, min_work_s)
    exponent = stderr = lo = hi = r2 = predicted = None
    fit_note = ""
    if growth is not None:
        fit, predicted, used, fit_note = growth
        exponent, stderr, lo, hi, r2 = fit.exponent, fit.stderr, fit.ci_low, fit.ci_high, fit.r2
        steps = [Step(**{**s.__dict__, "in_fit": id(s) in used}) for s in steps]
    if failed is not None:
        outcome = "scale_fail"
    elif exponent is not None and exponent > threshold:
        outcome = "superlinear"
    else:
        outcome = "linear"
    return ScaleResult(
        source=spec.describe(), method=fr.method, method_note=fr.note, steps=tuple(steps), overhead_s=overhead,
        full_rows=full_rows, threshold=threshold, exponent=exponent, stderr=stderr, ci_low=lo, ci_high=hi, r2=r2,
        predicted_full_s=predicted, plan_flags=tuple(sorted(flags.items())), exploding=tuple(exploding.values()),
        failed_step=failed, failure=failure, failure_fix=fix, metrics_source=metrics_source, outcome=outcome,
        fit_note=fit_note, overhead_work_s=overhead_work)


def run(ctx, params) -> ScaleResult:
    spark = ctx.spark
    spec = params.source
    fn = load_job(params)
    fractions = parse_fractions(params.fractions, params.include_full)
    if params.threshold <= 0:
        raise ParameterError("parameter 'threshold'", expected="a positive exponent", found=repr(params.threshold),
                             fix="use 1.3 to flag clearly super-linear growth")
    return ladder(spark, fn, spec, fractions, method=params.method, seed=params.seed,
                  threshold=params.threshold, budget_s=params.budget_s, min_work_s=params.min_work_s,
                  repeats=params.repeats)


TECHNIQUE = Technique(
    id="scale_steps",
    title="Scale up in steps",
    summary=("Run your job on 1%, 10%, 20%, 40% of the data and watch each step for a scale fail: a traceback, "
             "a step over your time budget, or a time that grows faster than the data (fitted on log-log axes)."),
    snippet="import time\nfor fraction in (0.01, 0.1, 0.2, 0.4):\n    part = df.sample(fraction=fraction, seed=1)\n    t = time.time()\n    my_job(part).count()\n    print(fraction, part.count(), round(time.time() - t, 1), 's')\n",
    params=(
        Param("source", "source", default={"kind": "demo", "demo": "pairs", "rows": 40_000, "seed": 42},
              label="Data source", help="The full input; the ladder takes fractions of it."),
        *user_function(ALL_PAIRS_JOB, "Your job", code_help="A function taking the input DataFrame and returning a DataFrame (or an action's result)."),
        Param("fractions", "str", default="0.01, 0.1, 0.2, 0.4", label="Fractions",
              help="Comma-separated fractions of the input, smallest first."),
        Param("include_full", "bool", default=False, label="Finish with 100%"),
        Param("method", "choice", default="auto", choices=("auto", "files", "sample"), label="How to take fractions",
              help="auto: whole files for a path of 8+ files, else DataFrame.sample."),
        Param("threshold", "float", default=1.3, min=0.1, max=10, label="Super-linear above exponent"),
        Param("budget_s", "float", default=0.0, min=0, label="Time budget per step (s, 0 = none)"),
        Param("min_work_s", "float", default=0.1, min=0, label="Least work above overhead to fit a step (s)"),
        Param("repeats", "int", default=1, min=1, max=5, label="Runs per step",
              help="Run each step this many times and keep the run with the least task time (steadier on a busy machine)."),
        Param("seed", "int", default=7, label="Seed"),
    ),
    outcomes=("linear", "superlinear", "scale_fail"),
    run=run,
)
