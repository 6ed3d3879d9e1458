"""scale_steps: run the user's job on growing fractions of the input and watch how its work grows.

First a near-empty run measures the fixed cost every step pays (scheduling, and with ``sample`` the
full scan); then each fraction runs under its own sub-tag of the run, so its jobs, tasks and
shuffle bytes can be read back -- from the driver's REST API on classic Spark, from the Connect
server's where it is reachable.  The growth exponent is fitted on each step's *work*: task CPU time
(JVM tasks plus the Python workers) where it can be read, since a busy machine does not inflate it,
else task run time, else wall time -- the result says which (see :mod:`.growth`).  The first error,
or a step slower than the budget, is a scale fail and stops the ladder.  When the work cannot be read as
CPU time, steps costing at most 12% of the largest run once more at the end, and the run with the least
work is kept (a hiccup inflates wall and run times, not CPU time); on CPU time, a step whose every run saw
a Python worker exit runs once more (the exited worker's CPU is lost to the reading).  When the plan
runs Python code, one run of a sample of the smallest step under Spark's UDF profiler shows where the
Python time goes (:mod:`.udfprofile`); it runs first, spread over every task slot, and is never
measured; the ladder's own warm-up runs after it, with the measured runs' conf.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from dcs_engine.contract import Param, Technique
from dcs_engine.errors import UserCodeError
from dcs_engine.inputs.demo.jobs import ALL_PAIRS_JOB
from dcs_engine.inputs.userjob import load_job
from dcs_engine.runtime import metrics as _metrics
from dcs_engine.runtime.python_cpu import PythonCpu
from dcs_engine.runtime.resources import task_slots
from dcs_engine.techniques._common import user_function
from dcs_engine.techniques._ship import ship_user_function
from dcs_engine.techniques.scale_steps.fractions import fractioner, parse_fractions
from dcs_engine.techniques.scale_steps.growth import choose_method, fit_growth
from dcs_engine.techniques.scale_steps.ladder import Ladder, baseline, cheap_steps, climb, recheck_exits, remeasure
from dcs_engine.techniques.scale_steps.phases import Phases
from dcs_engine.techniques.scale_steps.plancheck import exploding_joins, plan_flags, plan_text, runs_python
from dcs_engine.techniques.scale_steps.result import ScaleResult, Step, UdfProfile
from dcs_engine.techniques.scale_steps.udfprofile import profiled_run

__all__ = ["Options", "ScaleResult", "Step", "UdfProfile", "cheap_steps", "scale", "TECHNIQUE"]

# The profiled run reads at most this many rows: the profiler slows the Python code it watches by 5 to 20
# times (it switches on and off around every call of a row-at-a-time UDF), and a few thousand calls
# already show where the time goes.  At 20,000 rows the profiled run of the bench's linear job was its
# costliest run outside the steps (7.7 s, against 2.9 s for the near-empty run, on a busy machine).
PROFILE_ROWS = 5_000


@dataclass(frozen=True)
class Options:
    method: str = "auto"
    seed: int = 7
    threshold: float = 1.3
    budget_s: float = 0.0
    min_work_s: float = 0.1
    explode_factor: float = 10.0
    repeats: int = 1
    remeasure: bool = True
    profile: str = "perf"   # the UDF profiler's mode, or "off"


@dataclass(frozen=True)
class Climbed:
    """Everything the runs left: the ladder, the near-empty run, the steps and their runs."""

    ladder: Ladder
    base: object          # the near-empty Run, or None when it failed
    rungs: list
    slots: int
    full_rows: int
    plan: str             # the job's physical plan text ('' if Spark did not say)
    profile: UdfProfile | None = None

    @property
    def runs(self) -> list:
        return [run for rung in self.rungs for run in rung.runs] + ([self.base] if self.base else [])


@dataclass(frozen=True)
class Measured:
    metrics: dict         # run tag -> JobMetrics
    method: object        # growth.WorkMethod
    chosen: list          # the run kept per step
    executions: dict      # step index -> SQL executions (REST)


def _climb(ctx, fn, fr, fractions, opts: Options, phases: Phases) -> Climbed:
    with phases.timed("setup"):
        if ctx.has("spark_context"):
            _metrics.prime(ctx.spark.sparkContext)  # warm the REST API up while the first runs go
        full_rows = fr.full_rows()
        slots = task_slots(ctx)
        ladder = Ladder(ctx, fn, PythonCpu(ctx, slots), phases)
        first, share = fr.frame(fractions[0])
        early_plan = _job_plan(fn, first.limit(10))  # no job runs; on classic the runs' own plans are kept
    profile = None
    if opts.profile != "off" and runs_python(early_plan):
        with phases.timed("profile"):
            profile = _profile(ladder, first, fractions[0], int(round(full_rows * share)), opts.profile, fn,
                               opts.seed, slots)
    # the profiled run is no warm-up for the measured runs: in a suite run on the standalone cluster the
    # near-empty run after it (no warm-up) took 0.97 s of task CPU, more than the 20% step's 0.72 s, and
    # the fit read an all-pairs job as linear.  So the warm-up runs too, with the measured runs' conf.
    base = baseline(ladder, first, fr.method, full_rows, share, opts.seed, slots, opts.repeats)
    rungs = climb(ladder, fr, fractions, opts.repeats, opts.budget_s)
    if opts.remeasure and opts.repeats == 1 and not _cpu_readable(ctx, ladder):
        rungs = remeasure(ladder, rungs, len(fractions), base.seconds if base else 0.0)
    connect_plan = early_plan if not ctx.has("spark_context") else ""
    done = Climbed(ladder, base, rungs, slots, full_rows, connect_plan, profile)
    plan = connect_plan or next((r.output.plan_text for r in done.runs if r.output and r.output.plan_text),
                                early_plan)
    if _cpu_readable(ctx, ladder) and runs_python(plan):
        done = replace(done, rungs=recheck_exits(ladder, rungs, len(fractions)))
    return replace(done, plan=plan)


def _cpu_readable(ctx, ladder: Ladder) -> bool:
    """Will the work be task CPU time?  Then a hiccup does not inflate a step, and the cheap steps are not
    run again (a second run guards wall and run times against one)."""
    return ladder.cpu is not None and not ladder.cpu_problem and ctx.rest_base() is not None


def _measure(ctx, climbed: Climbed) -> Measured:
    metrics = ctx.metrics({run.tag: run.tag for run in climbed.runs})
    ok_runs = [r for r in climbed.runs if not r.failed]
    cpu = climbed.ladder.cpu
    method = choose_method([metrics[r.tag] for r in ok_runs], [r.python_cpu_s for r in ok_runs],
                           runs_python(climbed.plan), cpu.method if cpu else "", climbed.ladder.cpu_problem)
    chosen = [_best(rung.runs, metrics, method.key) for rung in climbed.rungs]
    executions = ctx.sql({i: run.tag for i, run in enumerate(chosen)})
    return Measured(metrics, method, chosen, executions)


def scale(ctx, fn, spec, fractions, opts: Options = Options()) -> ScaleResult:
    """The ladder on ``spec`` with the user's job ``fn`` (a UserFunction), under ``ctx``."""
    phases = Phases()
    with phases.timed("setup"):
        fr = fractioner(ctx.spark, spec, opts.method, opts.seed)
    c = _climb(ctx, fn, fr, fractions, opts, phases)
    with phases.timed("metrics"):
        m = _measure(ctx, c)
    key = m.method.key
    with phases.timed("step rows"):
        steps, failed, failure, fix = _steps(fr, spec, c.rungs, m.chosen, m.metrics, m.executions, c.full_rows,
                                             opts, key)
    overhead = c.base.seconds if c.base else 0.0
    overhead_work = (_work(key, c.base, m.metrics[c.base.tag]) or 0.0) if c.base else 0.0
    growth = fit_growth([s for s in steps if s.status == "ok"], overhead, overhead_work, c.full_rows, c.slots,
                        opts.min_work_s, key == "wall")
    if growth is not None:
        ok_steps = [i for i, s in enumerate(steps) if s.status == "ok"]
        fitted = {ok_steps[k] for k in growth.fitted}
        steps = [replace(s, in_fit=i in fitted) for i, s in enumerate(steps)]
    flags, exploding = _plan_findings([c.plan] + [r.output.plan_text for r in m.chosen if r.output], m.executions,
                                      opts.explode_factor)
    profile = c.profile
    fit = growth.fit if growth else None
    exponent = fit.exponent if fit else None
    outcome = ("scale_fail" if failed is not None else
               "superlinear" if exponent is not None and exponent > opts.threshold else "linear")
    return ScaleResult(
        source=spec.describe(), method=fr.method, method_note=fr.note, steps=tuple(steps), overhead_s=overhead,
        full_rows=c.full_rows, threshold=opts.threshold, exponent=exponent, stderr=fit.stderr if fit else None,
        ci_low=fit.ci_low if fit else None, ci_high=fit.ci_high if fit else None, r2=fit.r2 if fit else None,
        predicted_full_s=growth.predicted_full_s if growth else None, plan_flags=flags, exploding=exploding,
        failed_step=failed, failure=failure, failure_fix=fix,
        metrics_source=", ".join(sorted({m.metrics[r.tag].source for r in c.runs})) or "none", outcome=outcome,
        fit_note=growth.note if growth else "", overhead_work_s=overhead_work, work_method=key,
        work_note=m.method.note, fit_fixed_s=fit.overhead_s if fit else 0.0,
        fit_log_coef=fit.log_coef if fit else None, udf_profile=profile, kind=ctx.kind, phases=phases.items())


def _job_plan(fn, frame) -> str:
    """The plan of the user's job (no job runs).  Spark Connect analyses lazily: a column that does not
    exist fails only when the plan is sent, so it is analysed here and reported as the user's error, as
    classic Spark does when the function is called."""
    from pyspark.errors import AnalysisException

    try:
        out = fn.func(frame)
    except Exception:  # the run reports it, the way it does on classic Spark
        return ""
    if not hasattr(type(out), "schema"):  # an action's result, not a DataFrame (asking out.schema analyses)
        return ""
    try:
        out.schema  # noqa: B018 - analyses the plan
    except AnalysisException as exc:
        from dcs_engine.triage import innermost_message

        raise UserCodeError(f"your function '{fn.name}'", condition="USER_CODE_FAILED",
                            params={"function": fn.name}, expected="a function that takes a DataFrame",
                            found=innermost_message(exc),
                            fix="run it on a small DataFrame first and fix the error") from None
    return plan_text(out)


def _work(method: str, run, m) -> float | None:
    if method == "cpu":
        return None if m.cpu_time_s is None else m.cpu_time_s + (run.python_cpu_s or 0.0)
    if method == "run":
        return m.run_time_s
    return run.seconds


def _best(runs, measured, method: str):
    """Of several runs of a step, the least disturbed: the least work (a failed last run is kept); on
    CPU time a run that saw no Python worker exit first (an exit can only hide CPU)."""
    if runs[-1].failed:
        return runs[-1]
    return min(runs, key=lambda r: (method == "cpu" and r.python_exited > 0,
                                    _work(method, r, measured[r.tag]) or float("inf"), r.seconds))


def _rows_read(execs, operator: str) -> int | None:
    """Largest "number of output rows" of the ``Sample`` (or ``Scan ...``) operators.

    An operator's metric adds up every pass over it: a job that reads its input twice (a global sort
    samples it for range bounds, then sorts it) shows twice the rows."""
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


def _step_rows(fr, spec, rung, m, execs, full_rows) -> tuple[int, bool]:
    """Rows of a step: from the Sample / Scan operator's metrics (free), else a count or an estimate."""
    measured = None
    if fr.method == "sample" and rung.fraction < 1.0:
        measured = _rows_read(execs, "Sample")
    elif fr.method == "files" and not spec.where.strip():
        # the stage that read the most input records read every row of the step's files
        measured = m.max_input_records or _rows_read(execs, "Scan ")
    if measured is not None:
        return measured, True
    if fr.method == "files":
        return rung.frame.count(), True
    return int(round(full_rows * rung.actual)), rung.fraction >= 1.0


def _steps(fr, spec, rungs, chosen, measured, executions, full_rows, opts: Options, method: str):
    """(steps, failed step index or None, failure, fix), stopping at the first scale fail."""
    from dcs_engine.triage import triage_exception

    steps, fix = [], ""
    for i, (rung, run) in enumerate(zip(rungs, chosen)):
        m = measured[run.tag]
        rows, exact = _step_rows(fr, spec, rung, m, executions.get(i, []), full_rows)
        status, error = "ok", ""
        if run.failed:
            rep = triage_exception(run.error)
            status, error, fix = "failed", rep.headline, rep.first_fix
        elif opts.budget_s and run.seconds > opts.budget_s:
            status, error = "over budget", f"{run.seconds:.1f} s is over the budget of {opts.budget_s:g} s"
            fix = "the cost grows too fast for the full data: see the growth exponent and the plan flags"
        steps.append(Step(rung.fraction, rows, exact, fr.input_bytes(rung.fraction), run.seconds, len(m.job_ids),
                          m.num_tasks, m.shuffle_read_bytes, m.shuffle_write_bytes, status, False, error,
                          _work(method, run, m), len(rung.runs), m.cpu_time_s, run.python_cpu_s, m.run_time_s,
                          run.python_exited))
        if status != "ok":
            return steps, i, error, fix
    return steps, None, "", ""


def _plan_findings(plan_texts, executions, factor: float):
    flags: dict[str, str] = {}
    exploding: dict[str, tuple[str, int, int]] = {}
    texts = list(plan_texts) + [e.get("planDescription", "") for execs in executions.values() for e in execs]
    for text in texts:
        for f in plan_flags(text):
            flags[f.operator] = f.meaning
    for execs in executions.values():
        for e in execs:
            for j in exploding_joins(e, factor):
                if j.operator not in exploding or exploding[j.operator][1] < j.output_rows:
                    exploding[j.operator] = (j.operator, j.output_rows, j.input_rows)
    return tuple(sorted(flags.items())), tuple(exploding.values())


def _profile(ladder, first, fraction: float, rows: int, mode: str, fn, seed: int, slots: int) -> UdfProfile:
    """Profile the smallest step, sampled down to about PROFILE_ROWS rows and spread over every task slot."""
    share = min(1.0, PROFILE_ROWS / max(1, rows))
    frame = first if share >= 1.0 else first.sample(fraction=share, seed=seed)
    label = f"the {fraction:.0%} step (≈{rows:,} rows)" + (f", sampled to {share:.1%}" if share < 1 else "")
    return profiled_run(ladder, frame.repartition(max(1, slots)), mode, label, fn.user_files)


def run(ctx, params) -> ScaleResult:
    fn = load_job(params)
    shipped = ship_user_function(ctx, fn)
    result = scale(ctx, fn, params.source, parse_fractions(params.fractions, params.include_full),
                   Options(method=params.method, seed=params.seed, threshold=params.threshold,
                           budget_s=params.budget_s, min_work_s=params.min_work_s, repeats=params.repeats,
                           profile=params.udf_profile))
    return replace(result, work_note=f"{result.work_note}; your code: {shipped}")


TECHNIQUE = Technique(
    id="scale_steps",
    title="Scale up in steps",
    summary=("Run your job on 1%, 10%, 20%, 40% of the data and watch each step for a scale fail: a traceback, "
             "a step over your time budget, or work that grows faster than the data (task CPU time fitted on "
             "log-log axes, so a busy cluster does not fake it). A Python UDF's hot spots come from Spark's "
             "UDF profiler."),
    snippet=("import time\nfor fraction in (0.01, 0.1, 0.2, 0.4):\n    part = df.sample(fraction=fraction, seed=1)\n"
             "    t = time.time()\n    my_job(part).count()\n"
             "    print(fraction, part.count(), round(time.time() - t, 1), 's')\n"),
    params=(
        Param("source", "source", default={"kind": "demo", "demo": "pairs", "rows": 40_000, "seed": 42},
              label="Data source", help="The full input; the ladder takes fractions of it."),
        *user_function(ALL_PAIRS_JOB, "Your job", code_help="A function taking the input DataFrame and returning a "
                                                            "DataFrame (or an action's result)."),
        Param("fractions", "str", default="0.01, 0.1, 0.2, 0.4", label="Fractions",
              help="Comma-separated fractions of the input, smallest first."),
        Param("include_full", "bool", default=False, label="Finish with 100%"),
        Param("method", "choice", default="auto", choices=("auto", "files", "sample"), label="How to take fractions",
              help="auto: whole files for a path of 8+ files, else DataFrame.sample."),
        Param("threshold", "float", default=1.3, min=0.1, max=10, label="Super-linear above exponent"),
        Param("budget_s", "float", default=0.0, min=0, label="Time budget per step (s, 0 = none)"),
        Param("min_work_s", "float", default=0.1, min=0, label="Least work above overhead to fit a step (s)"),
        Param("repeats", "int", default=1, min=1, max=5, label="Runs per step",
              help="Run each step this many times and keep the run with the least work."),
        Param("udf_profile", "choice", default="perf", choices=("perf", "memory", "off"),
              label="Python UDF profiler",
              help="perf: where the Python time goes (one extra run of a small step); memory needs memory_profiler "
                   "on the executors; off: none."),
        Param("seed", "int", default=7, label="Seed"),
    ),
    outcomes=("linear", "superlinear", "scale_fail"),
    run=run,
)
