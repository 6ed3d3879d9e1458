"""What the ladder reports: one :class:`Step` per fraction, the growth fit, the plan's flags, and
where a Python UDF spends its time (:class:`UdfProfile`), in one frozen :class:`ScaleResult`."""
from __future__ import annotations

from dataclasses import dataclass

from dcs_engine.results import Reportable, md_table

# How each step's work is measured (the first that Spark and the executors report wins).
WORK_METHODS = {
    "cpu": "task CPU time",
    "run": "task run time",
    "wall": "wall time",
}


@dataclass(frozen=True)
class Step:
    fraction: float
    rows: int
    rows_exact: bool
    input_bytes: int | None
    seconds: float               # wall time of the run shown
    jobs: int
    tasks: int
    shuffle_read: int | None
    shuffle_write: int | None
    status: str                  # "ok", "failed", "over budget"
    in_fit: bool = False
    error: str = ""
    work_s: float | None = None  # the measure fitted (see ScaleResult.work_method); None: not reported
    runs: int = 1                # runs of this step; the one with the least work is shown
    cpu_jvm_s: float | None = None     # JVM task CPU (Spark's task metrics)
    cpu_python_s: float | None = None  # Python workers' CPU (read from /proc on the executors)
    run_time_s: float | None = None    # summed task run time (contention inflates it)
    python_exited: int = 0             # Python workers that exited during the run shown (CPU may be short)


@dataclass(frozen=True)
class ProfileLine:
    function: str
    where: str          # file:line
    calls: int
    own_s: float        # time in the function itself
    total_s: float      # including what it called
    user_code: bool     # the user's own code (pasted or their file)


@dataclass(frozen=True)
class UdfProfile:
    """Spark's Python UDF profiler (``spark.sql.pyspark.udf.profiler``) on one step."""

    mode: str                          # "perf" or "memory"
    step: str                          # which step was profiled
    lines: tuple[ProfileLine, ...]     # perf: the costliest functions
    text: str                          # memory: the profiler's per-line report
    note: str                          # how it was taken, or why there is none
    ran: bool = True                   # the profiled run ran to its end (False: unsupported, or it failed)

    @property
    def found(self) -> bool:
        return bool(self.lines or self.text)


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
    overhead_work_s: float = 0.0       # the fitted measure of the near-empty run
    work_method: str = "wall"          # a key of WORK_METHODS
    work_note: str = ""                # how the work was measured, and why this way
    fit_fixed_s: float = 0.0           # the fit: work = fit_fixed_s + exp(fit_log_coef) * rows ** exponent
    fit_log_coef: float | None = None
    udf_profile: UdfProfile | None = None
    kind: str = "classic"              # the session it ran on
    phases: tuple[tuple[str, float], ...] = ()  # wall seconds per phase of the ladder (see .phases)

    @property
    def work_label(self) -> str:
        return WORK_METHODS.get(self.work_method, self.work_method)

    @property
    def headline(self) -> str:
        if self.outcome == "scale_fail":
            s = self.steps[self.failed_step]
            return f"Scale fail at step {self.failed_step + 1} ({s.fraction:.0%} of the data): {self.failure}"
        if self.exponent is None:
            return "Work did not grow measurably above the fixed overhead: no sign of super-linear work."
        growth = f"{self.work_label} grows as rows^{self.exponent:.2f}"
        if self.stderr is not None:
            growth += f" ± {self.stderr:.2f}"
        if self.outcome == "superlinear":
            return f"Super-linear: {growth} (above {self.threshold:g}); likely all-pairs (exponential) work."
        return f"Linear enough: {growth} (at most {self.threshold:g})."

    def predicted_work(self, rows: float) -> float | None:
        """The fitted work for ``rows`` rows (None without a fit)."""
        if self.exponent is None or self.fit_log_coef is None:
            return None
        import math

        return self.fit_fixed_s + math.exp(self.fit_log_coef) * float(rows) ** self.exponent

    def to_markdown(self) -> str:
        parts = [self.headline, "", md_table(_STEP_COLUMNS, [_step_row(s) for s in self.steps]), "",
                 f"Source: {self.source}. Fractions taken by **{self.method}**: {self.method_note}.",
                 f"Work measured as **{self.work_label}**: {self.work_note}.",
                 f"Fixed overhead per step (a near-empty run): {self.overhead_s:.2f} s wall, "
                 f"{self.overhead_work_s:.2f} s of {self.work_label}. Metrics from: {self.metrics_source}."]
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
        parts += _profile_markdown(self.udf_profile)
        if self.failure_fix:
            parts += ["", f"Fix: {self.failure_fix}"]
        return "\n".join(parts)


_STEP_COLUMNS = ("fraction", "rows", "input bytes", "seconds", "work s", "JVM CPU s", "Python CPU s", "jobs",
                 "tasks", "shuffle read", "shuffle write", "status", "error")


def _num(value, fmt: str = "{:,}") -> str:
    return "" if value is None else fmt.format(value)


def _step_row(s: Step) -> tuple:
    return (f"{s.fraction:.0%}" if s.fraction >= 0.01 else f"{s.fraction:.2%}",
            f"{s.rows:,}" if s.rows_exact else f"≈{s.rows:,}", _num(s.input_bytes), f"{s.seconds:.2f}",
            _num(s.work_s, "{:.2f}"), _num(s.cpu_jvm_s, "{:.2f}"), _num(s.cpu_python_s, "{:.2f}"), s.jobs, s.tasks,
            _num(s.shuffle_read), _num(s.shuffle_write),
            s.status + (" (fit)" if s.in_fit else "") + (f", best of {s.runs} runs" if s.runs > 1 else "")
            + (f", {s.python_exited} Python worker(s) exited: its Python CPU may be short" if s.python_exited else ""),
            s.error)


def _profile_markdown(profile: UdfProfile | None) -> list[str]:
    if profile is None:
        return []
    parts = ["", f"Python UDF profile ({profile.mode}, {profile.step}): {profile.note}"]
    if profile.lines:
        parts += ["", md_table(("function", "where", "calls", "own s", "total s", "yours"),
                               [(p.function, p.where, f"{p.calls:,}", f"{p.own_s:.3f}", f"{p.total_s:.3f}",
                                 "yes" if p.user_code else "") for p in profile.lines])]
    if profile.text:
        parts += ["", "```", profile.text, "```"]
    return parts
