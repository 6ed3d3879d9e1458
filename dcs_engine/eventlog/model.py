"""What one application recorded, as frozen dataclasses (read from an event log or a History Server).

Times are epoch milliseconds (``*_ms``) or durations in seconds (``*_s``);
sizes are bytes.  The same model comes out of :mod:`.collect` (event logs) and
:mod:`.rest` (History Server / live UI), so the findings, the report and the
comparison never care where it came from.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


def quantile(sorted_values, q: float) -> float:
    """The q-quantile of a sorted sequence as the Spark UI computes its task summaries:
    the value at index min(floor(q x n), n - 1) -- so a log and a History Server agree."""
    n = len(sorted_values)
    if n == 0:
        return 0.0
    return float(sorted_values[min(int(q * n), n - 1)])


def short_name(text, limit: int = 160) -> str:
    """A job's name on one line: descriptions can hold a whole query, a Connect plan or megabytes of text."""
    text = str(text or "")[:4 * limit]
    one = " ".join(text.split())
    return one if len(one) <= limit else one[:limit - 1] + "…"


@dataclass(frozen=True)
class Dist:
    """min / p25 / median / p75 / max of one per-task metric of a stage."""

    n: int
    min: float
    p25: float
    median: float
    p75: float
    max: float

    @classmethod
    def of(cls, values) -> Dist | None:
        v = sorted(values)
        if not v:
            return None
        return cls(len(v), float(v[0]), quantile(v, 0.25), quantile(v, 0.5), quantile(v, 0.75), float(v[-1]))

    def scaled(self, k: float) -> Dist:
        return Dist(self.n, self.min * k, self.p25 * k, self.median * k, self.p75 * k, self.max * k)

    @property
    def max_over_median(self) -> float:
        return self.max / self.median if self.median > 0 else (float("inf") if self.max > 0 else 1.0)

    @property
    def max_over_p75(self) -> float:
        return self.max / self.p75 if self.p75 > 0 else (float("inf") if self.max > 0 else 1.0)


@dataclass(frozen=True)
class TaskRef:
    """One notable task: the slowest or the one that read the most."""

    task_id: int
    index: int
    attempt: int
    executor: str
    host: str
    duration_s: float
    read_bytes: int


@dataclass(frozen=True)
class StageSummary:
    stage_id: int
    attempt: int
    name: str
    status: str                      # succeeded | failed | skipped | running
    num_tasks: int
    job_ids: tuple[int, ...] = ()
    sql_id: int | None = None
    parents: tuple[int, ...] = ()
    submitted_ms: int | None = None
    completed_ms: int | None = None
    tasks_succeeded: int = 0
    tasks_failed: int = 0
    tasks_killed: int = 0
    task_time_s: float = 0.0         # wall time of all task attempts (launch to finish)
    run_time_s: float = 0.0          # executor run time
    cpu_time_s: float = 0.0
    gc_time_s: float = 0.0
    duration: Dist | None = None     # per successful task, seconds
    run_time: Dist | None = None     # per successful task, seconds (the skew rule's metric)
    read_bytes: Dist | None = None   # per successful task: input + shuffle read bytes
    input_bytes: int = 0
    input_records: int = 0
    output_bytes: int = 0
    output_records: int = 0
    shuffle_read_bytes: int = 0
    shuffle_read_records: int = 0
    shuffle_write_bytes: int = 0
    shuffle_write_records: int = 0
    memory_spilled: int = 0
    disk_spilled: int = 0
    peak_execution_memory: int = 0   # largest of any task
    python_time_s: float | None = None
    failure: str | None = None
    slowest: TaskRef | None = None
    biggest: TaskRef | None = None
    operators: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()       # join / grouping / shuffle keys of its operators
    tables: tuple[tuple[str, str], ...] = ()   # (format, table or path) its scans read
    sampled: bool = False            # distributions from a sample of a huge stage

    @property
    def label(self) -> str:
        return f"stage {self.stage_id}" + (f" (attempt {self.attempt})" if self.attempt else "")

    @property
    def wall_s(self) -> float:
        if self.submitted_ms is None or self.completed_ms is None:
            return 0.0
        return max(0.0, (self.completed_ms - self.submitted_ms) / 1000)

    @property
    def read_total(self) -> int:
        return self.input_bytes + self.shuffle_read_bytes

    @property
    def rows_in(self) -> int:
        return self.input_records + self.shuffle_read_records

    @property
    def gc_share(self) -> float:
        return self.gc_time_s / self.run_time_s if self.run_time_s > 0 else 0.0


@dataclass(frozen=True)
class JobSummary:
    job_id: int
    name: str
    status: str                      # succeeded | failed | cancelled (its streaming query stopped) | running
    stage_ids: tuple[int, ...]
    submitted_ms: int | None
    completed_ms: int | None
    sql_id: int | None = None
    group: str | None = None
    failure: str | None = None

    @property
    def wall_s(self) -> float:
        if self.submitted_ms is None or self.completed_ms is None:
            return 0.0
        return max(0.0, (self.completed_ms - self.submitted_ms) / 1000)


@dataclass(frozen=True)
class ExecutorSummary:
    executor_id: str
    host: str
    cores: int
    added_ms: int | None
    removed_ms: int | None
    removed_reason: str | None
    tasks: int = 0
    failed_tasks: int = 0
    task_time_s: float = 0.0


@dataclass(frozen=True)
class FailureGroup:
    """Failures with one signature: what, how often, where, and where the runbook goes."""

    kind: str                        # task | executor | job | stage | sql
    reason: str                      # Spark's reason type (ExceptionFailure, ExecutorLostFailure, ...)
    signature: str
    headline: str
    count: int
    executors: tuple[str, ...]
    hosts: tuple[str, ...]
    stages: tuple[int, ...]
    first_ms: int | None
    last_ms: int | None
    example: str                     # the first occurrence's text, trimmed
    node_id: str | None
    root_cause: str
    catalog_id: str | None
    recovery: tuple[str, ...] = ()
    where: str = ""                  # "stage 3, task 7.0 on executor 1 (host)"


@dataclass(frozen=True)
class SqlSummary:
    sql_id: int
    description: str
    submitted_ms: int | None
    completed_ms: int | None
    error: str | None
    nodes: int
    operators: tuple[tuple[str, int], ...]      # operator name -> count
    joins: tuple[str, ...]                      # join operators with their keys, in plan order
    scans: tuple[tuple[str, str], ...]          # (format, table or path)
    job_ids: tuple[int, ...] = ()
    python_time_s: float | None = None
    files_read: int | None = None
    bytes_files_read: int | None = None
    files_written: int | None = None
    bytes_written: int | None = None
    broadcast_bytes: int | None = None           # the largest broadcast
    plan_flags: tuple[str, ...] = ()             # cartesian, nested_loop_join, window_single_partition, ...
    plan_text: str = ""                          # the physical plan, trimmed
    modified_configs: tuple[tuple[str, str], ...] = ()

    @property
    def wall_s(self) -> float:
        if self.submitted_ms is None or self.completed_ms is None:
            return 0.0
        return max(0.0, (self.completed_ms - self.submitted_ms) / 1000)

    @property
    def signature(self) -> tuple[tuple[str, int], ...]:
        return self.operators


@dataclass(frozen=True)
class Segment:
    """One stretch of the critical path: a stage, or the driver between jobs."""

    kind: str                        # stage | driver
    label: str
    start_ms: int
    end_ms: int
    stage_id: int | None = None
    job_id: int | None = None

    @property
    def seconds(self) -> float:
        return max(0.0, (self.end_ms - self.start_ms) / 1000)


@dataclass(frozen=True)
class Finding:
    rule: str
    title: str
    severity: str                    # high | medium | info
    cause: str                       # heavy_load | exponential | skew | data_variance | framework_state | ...
    node_id: str
    technique: str | None
    evidence: str                    # one sentence with the measured figures
    params: dict = field(default_factory=dict)      # prefill for the technique at node_id
    thresholds: tuple[tuple[str, object, str], ...] = ()   # (limit, value, source)
    stage_id: int | None = None
    sql_id: int | None = None


@dataclass(frozen=True)
class AppInfo:
    app_id: str
    name: str
    attempt: str | None
    spark_version: str
    user: str
    master: str
    start_ms: int | None
    end_ms: int | None
    completed: bool                  # ApplicationEnd seen
    exit_code: int | None = None
    kind: str = "batch"              # batch | streaming | connect server | thrift server

    @property
    def uptime_s(self) -> float:
        if self.start_ms is None or self.end_ms is None:
            return 0.0
        return max(0.0, (self.end_ms - self.start_ms) / 1000)


@dataclass(frozen=True)
class Timeline:
    uptime_s: float
    jobs_s: float                    # union of job intervals
    driver_s: float                  # uptime minus jobs: the driver alone
    core_s: float                    # sum over executors of cores x lifetime
    task_s: float                    # sum of task attempt wall times
    critical_path: tuple[Segment, ...] = ()

    @property
    def idle_share(self) -> float:
        return max(0.0, 1 - self.task_s / self.core_s) if self.core_s > 0 else 0.0


@dataclass(frozen=True)
class ReadStats:
    source: str
    files: tuple[str, ...]
    codec: str
    bytes_read: int
    lines: int
    events: tuple[tuple[str, int], ...]         # event type -> count
    bad_lines: int = 0
    truncated: bool = False
    seconds: float = 0.0
    notes: tuple[str, ...] = ()
    skipped_events: tuple[tuple[str, int], ...] = ()   # event types in the log the reader does not use
    cut_files: tuple[str, ...] = ()                    # files whose last line is cut off mid-event


def to_plain(obj):
    """Dataclasses to JSON-ready dicts and lists."""
    if hasattr(obj, "__dataclass_fields__"):
        d = asdict(obj)
        for name in ("headline", "outcome", "node_id"):
            if hasattr(type(obj), name) and isinstance(getattr(type(obj), name), property):
                d[name] = getattr(obj, name)
        return d
    return obj
