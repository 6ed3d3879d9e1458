"""skew: one giant key, partition or task -- and the rare keys a sample will lose.

Three looks, each with its own thresholds (all parameters):

* key skew -- rows per value of the key columns: the top keys and their share, the largest key
  against the median key, the *rarest* keys (the strata a sample drops first) and a histogram of
  rows per key (one bin per power of two, drawn on a log scale);
* partition skew -- rows per partition as the source is read, and as a shuffle on the key would
  lay them out (``hash(key) mod partitions``);
* task skew -- the stages this check ran, and only those (never earlier, unrelated runs): the
  longest task against the median (time skew: max > 5 s and max/median > 10) and the most data one
  task read (data skew: max > 5 x median and > 256 MB), from Spark's task metrics.

When the task metrics cannot be read, the result says so in its headline: the key and partition
counts still stand (a hot key found there is "skewed"), but task skew is then unknown, never "none":
with balanced counts the outcome is ``unknown`` (the reason in ``task_check``), not "balanced".
"""
from __future__ import annotations

from dataclasses import dataclass

from dcs_engine.contract import Param, Technique
from dcs_engine.registry import bind
from dcs_engine.results import Reportable, md_table
from dcs_engine.techniques.skew.counts import (
    KeyCounts,
    StageSkew,
    key_counts,
    key_partitions,
    median,
    source_partitions,
    stage_skew,
)

__all__ = ["SkewResult", "StageSkew", "TECHNIQUE", "key_counts", "stage_skew"]


@dataclass(frozen=True)
class SkewResult(Reportable):
    source: str
    keys: tuple[str, ...]
    total_rows: int
    distinct_keys: int
    top_keys: tuple[tuple[str, int, float], ...]      # (key, rows, share), largest first
    key_median: float
    key_ratio: float
    key_skew: bool
    source_partitions: tuple[int, ...]
    key_partitions: tuple[int, ...]
    partition_ratio: float
    partition_skew: bool
    stages: tuple[StageSkew, ...]
    stage_scope: str
    stages_note: str
    outcome: str
    bottom_keys: tuple[tuple[str, int, float], ...] = ()   # the rarest keys, fewest rows first
    histogram: tuple[tuple[int, int, int, int], ...] = ()  # (rows from, rows to, keys, rows)
    partitions_counted: str = ""                      # how the source partitions were counted
    task_check: str = ""                              # "" when task skew was read, else why not
    metrics_source: str = ""

    @property
    def headline(self) -> str:
        unread = f" Task skew unknown: {self.task_check}." if self.task_check else ""
        if self.outcome == "unknown":
            return (f"Unknown: keys and partitions look balanced (the largest {'/'.join(self.keys)} has "
                    f"{self.key_ratio:.1f}x the median key's rows), but task skew could not be read: "
                    f"{self.task_check}. Turn the Spark UI (or an event log) on and run the check again.")
        if self.outcome == "balanced":
            tasks = "" if self.task_check else ", and no stage of this check has a straggler task"
            return (f"Balanced: the largest {'/'.join(self.keys)} has {self.key_ratio:.1f}x the median key's rows"
                    f"{tasks}.{unread}")
        bits = []
        if self.key_skew and self.top_keys:
            k, _, share = self.top_keys[0]
            bits.append(f"key {k!r} holds {share:.0%} of the rows ({self.key_ratio:,.0f}x the median key)")
        if self.partition_skew:
            bits.append(f"the largest partition by key has {self.partition_ratio:.1f}x the median's rows")
        hot = [s for s in self.stages if s.time_skew or s.data_skew]
        if hot:
            bits.append(f"{len(hot)} stage(s) with a straggler task")
        return "Skewed: " + "; ".join(bits) + "." + unread

    @property
    def single_row_keys(self) -> int:
        return sum(keys for low, _, keys, _ in self.histogram if low == 1)

    def to_markdown(self) -> str:
        def table(rows):
            return md_table(("key", "rows", "share"), [(k, f"{n:,}", f"{s:.2%}") for k, n, s in rows])

        parts = [self.headline, "",
                 f"{self.total_rows:,} rows, {self.distinct_keys:,} distinct {'/'.join(self.keys)} in "
                 f"{self.source}.", "", "Largest keys:", "", table(self.top_keys), "",
                 f"Rarest keys (the strata a sample loses first; {self.single_row_keys:,} keys have one row):",
                 "", table(self.bottom_keys), "", "Rows per key (keys per power-of-two bin):", "",
                 md_table(("rows per key", "keys", "rows"),
                          [(f"{lo:,}" if lo == hi else f"{lo:,}–{hi:,}", f"{k:,}", f"{n:,}")
                           for lo, hi, k, n in self.histogram]), "",
                 f"Rows per source partition: max {max(self.source_partitions, default=0):,}, median "
                 f"{median(self.source_partitions):,.0f} over {len(self.source_partitions)} partitions "
                 f"({self.partitions_counted}).",
                 f"Rows per partition after a shuffle on the key: max {max(self.key_partitions, default=0):,}, "
                 f"median {median(self.key_partitions):,.0f} over {len(self.key_partitions)} partitions."]
        if self.stages:
            parts += ["", f"Task skew ({self.stage_scope}):", "",
                      md_table(("stage", "name", "tasks", "median s", "max s", "median MB", "max MB", "flag"),
                               [(s.stage_id, s.name, s.tasks, f"{s.median_s:.2f}", f"{s.max_s:.2f}",
                                 f"{s.data_median_mb:.1f}", f"{s.data_max_mb:.1f}",
                                 ", ".join(f for f, on in (("time skew", s.time_skew), ("data skew", s.data_skew))
                                           if on)) for s in self.stages])]
        if self.stages_note:
            parts += ["", self.stages_note]
        return "\n".join(parts)


def _task_check(m, unread) -> str:
    """'' when every multi-task stage of this check has task quantiles, else why task skew is unknown."""
    if m.source == "none":
        return f"Spark gave no task metrics for this check's jobs ({m.note or 'no jobs found'})"
    if m.source != "rest":
        return f"task durations need the Spark UI's REST API ({m.note})"
    if not m.stages:
        return "the REST API listed none of this check's stages"
    if unread:
        return f"no task summary for stage(s) {', '.join(map(str, unread))} ({m.note})"
    return ""


def _partition_skew(parts, ratio: float, min_rows: int) -> tuple[float, bool]:
    pmed = median(parts)
    if pmed:
        part_ratio = max(parts, default=0) / pmed
    else:
        part_ratio = float("inf") if any(parts) and len(parts) > 1 else 0.0
    return part_ratio, part_ratio >= ratio and max(parts, default=0) >= min_rows


def run(ctx, params) -> SkewResult:
    df = bind(ctx, params)
    keys = params.keys
    counts: KeyCounts = key_counts(df, keys, params.top)
    src_parts, counted = source_partitions(ctx, df)
    n_parts = params.partitions or int(ctx.spark.conf.get("spark.sql.shuffle.partitions"))
    key_parts = key_partitions(df, keys, n_parts)
    key_ratio = (counts.top[0][1] / counts.median) if counts.top and counts.median else 0.0
    key_skew = key_ratio >= params.key_ratio and bool(counts.top) and counts.top[0][2] >= params.min_share
    part_ratio, part_skew = _partition_skew(key_parts, params.key_ratio, params.min_partition_rows)

    m = ctx.metrics({0: ctx.tag}, with_tasks=True)[0]
    stages, unread = stage_skew(m.stages, params.task_max_s, params.task_ratio, params.data_ratio,
                                params.data_min_mb)
    check = _task_check(m, unread)
    skewed = key_skew or part_skew or any(s.time_skew or s.data_skew for s in stages)
    outcome = "skewed" if skewed else "unknown" if check else "balanced"  # unread metrics are no all-clear
    return SkewResult(
        params.source.describe(), keys, counts.total, counts.distinct, counts.top, counts.median, key_ratio,
        key_skew, src_parts, key_parts, part_ratio, part_skew, stages,
        f"the {len(m.stages)} stage(s) this check ran, read by its job tag", "", outcome,
        bottom_keys=counts.bottom, histogram=counts.histogram, partitions_counted=counted, task_check=check,
        metrics_source=m.source)


TECHNIQUE = Technique(
    id="skew",
    title="Check for skew",
    summary=("Count rows per key and per partition, and compare the slowest task of each stage with the median: "
             "one giant key or partition makes one task do most of the work while the others wait. The rarest "
             "keys are shown too: a sample loses them first."),
    snippet=("from pyspark.sql import functions as F\ncounts = df.groupBy('client_id').count()\n"
             "counts.orderBy(F.desc('count')).show(10)  # the largest keys\n"
             "counts.orderBy('count').show(10)  # the rarest keys\n"
             "df.groupBy(F.spark_partition_id()).count().show()  # rows per partition\n"),
    params=(
        Param("source", "source", default={"kind": "demo", "demo": "hotkey", "rows": 20_000, "seed": 42},
              label="Data source"),
        Param("keys", "columns", default="client_id", label="Key columns", help="Comma-separated, e.g. client_id",
              required=True),
        Param("top", "int", default=10, min=1, max=1000, label="Largest and rarest keys to show"),
        Param("key_ratio", "float", default=5.0, min=1, label="Skewed when largest / median above"),
        Param("min_share", "float", default=0.01, min=0, max=1, label="…and the largest key's share at least"),
        Param("partitions", "int", default=0, min=0, label="Partitions for the key shuffle (0 = shuffle partitions)"),
        Param("min_partition_rows", "int", default=1000, min=0, label="Ignore partitions smaller than (rows)"),
        Param("task_max_s", "float", default=5.0, min=0, label="Time skew: slowest task above (s)"),
        Param("task_ratio", "float", default=10.0, min=1, label="Time skew: slowest / median above"),
        Param("data_ratio", "float", default=5.0, min=1, label="Data skew: largest / median above"),
        Param("data_min_mb", "float", default=256.0, min=0, label="Data skew: largest task above (MB)"),
    ),
    outcomes=("skewed", "balanced", "unknown"),
    run=run,
)
