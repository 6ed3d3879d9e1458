"""skew: one giant key, partition or task.

Three looks, each with its own thresholds (all parameters):

* key skew -- rows per value of the key columns the user names: the top keys,
  their share, and the largest key against the median key;
* partition skew -- rows per partition as the source is read, and as a
  shuffle on the key would lay them out (``hash(key) mod partitions``);
* task skew -- from stages Spark already ran in this application: the longest
  task against the median (time skew: max > 5 s and max/median > 10) and the
  most data read by one task (data skew: max > 5 x median and > 256 MB).
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from dcs_engine.contract import Param, Technique
from dcs_engine.errors import ParameterError
from dcs_engine.inputs.sources import load
from dcs_engine.results import Reportable, md_table
from dcs_engine.runtime.metrics import app_stage_ids, job_metrics, rest_base


@dataclass(frozen=True)
class StageSkew:
    stage_id: int
    name: str
    tasks: int
    median_s: float
    max_s: float
    data_median_mb: float
    data_max_mb: float
    time_skew: bool
    data_skew: bool


@dataclass(frozen=True)
class SkewResult(Reportable):
    source: str
    keys: tuple[str, ...]
    total_rows: int
    distinct_keys: int
    top_keys: tuple[tuple[str, int, float], ...]   # (key, rows, share)
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

    @property
    def headline(self) -> str:
        if self.outcome == "balanced":
            return (f"Balanced: the largest {'/'.join(self.keys)} has {self.key_ratio:.1f}x the median key's rows, "
                    f"and no stage has a straggler task.")
        bits = []
        if self.key_skew and self.top_keys:
            k, n, share = self.top_keys[0]
            bits.append(f"key {k!r} holds {share:.0%} of the rows ({self.key_ratio:,.0f}x the median key)")
        if self.partition_skew:
            bits.append(f"the largest partition by key has {self.partition_ratio:.1f}x the median's rows")
        hot = [s for s in self.stages if s.time_skew or s.data_skew]
        if hot:
            bits.append(f"{len(hot)} stage(s) with a straggler task")
        return "Skewed: " + "; ".join(bits) + "."

    def to_markdown(self) -> str:
        parts = [self.headline, "",
                 f"{self.total_rows:,} rows, {self.distinct_keys:,} distinct {'/'.join(self.keys)} in {self.source}.", "",
                 md_table(("key", "rows", "share"), [(k, f"{n:,}", f"{s:.2%}") for k, n, s in self.top_keys]), "",
                 f"Rows per source partition: max {max(self.source_partitions, default=0):,}, median "
                 f"{_median(self.source_partitions):,.0f} over {len(self.source_partitions)} partitions.",
                 f"Rows per partition after a shuffle on the key: max {max(self.key_partitions, default=0):,}, "
                 f"median {_median(self.key_partitions):,.0f} over {len(self.key_partitions)} partitions."]
        if self.stages:
            parts += ["", f"Task skew ({self.stage_scope}):", "",
                      md_table(("stage", "name", "tasks", "median s", "max s", "median MB", "max MB", "flag"),
                               [(s.stage_id, s.name, s.tasks, f"{s.median_s:.2f}", f"{s.max_s:.2f}",
                                 f"{s.data_median_mb:.1f}", f"{s.data_max_mb:.1f}",
                                 ", ".join(f for f, on in (("time skew", s.time_skew), ("data skew", s.data_skew)) if on))
                                for s in self.stages])]
        if self.stages_note:
            parts += ["", self.stages_note]
        return "\n".join(parts)


def _median(values) -> float:
    return float(statistics.median(values)) if values else 0.0


def key_counts(df, keys, top: int = 10):
    """(total rows, distinct keys, top keys with share, median rows per key)."""
    from pyspark.sql import functions as F

    counts = df.groupBy(*keys).count().cache()
    try:
        stats = counts.agg(F.sum("count").alias("rows"), F.count("*").alias("keys"),
                           F.percentile_approx("count", 0.5, 10_000).alias("median")).first()
        total, distinct, median = int(stats["rows"] or 0), int(stats["keys"] or 0), float(stats["median"] or 0)
        rows = counts.orderBy(F.desc("count"), *keys).limit(top).collect()
    finally:
        counts.unpersist()
    label = (lambda r: "/".join("null" if r[k] is None else str(r[k]) for k in keys))
    tops = tuple((label(r), int(r["count"]), (r["count"] / total) if total else 0.0) for r in rows)
    return total, distinct, tops, median


def partition_sizes(df, keys=None, partitions: int | None = None) -> tuple[int, ...]:
    """Rows per partition as read, or as ``hash(keys) mod partitions`` would shuffle them."""
    from pyspark.sql import functions as F

    if keys:
        pid = F.pmod(F.hash(*keys), F.lit(partitions))
        n = partitions
    else:
        pid = F.spark_partition_id()
        n = df.rdd.getNumPartitions()
    got = {r[0]: r[1] for r in df.select(pid.alias("p")).groupBy("p").count().collect()}
    return tuple(int(got.get(i, 0)) for i in range(n))


def stage_skew(sc, stage_ids, max_s: float, time_ratio: float, data_ratio: float, data_min_mb: float):
    from dcs_engine.runtime.metrics import stage_from_rest

    base = rest_base(sc)
    out = []
    if base is None:
        return out
    for sid in stage_ids:
        try:
            m = stage_from_rest(base, sid, with_tasks=True)
        except Exception:
            continue
        if m is None or m.task_max_ms is None or m.num_tasks < 2:
            continue
        med, mx = (m.task_median_ms or 0) / 1000, m.task_max_ms / 1000
        dmed, dmax = (m.task_data_median or 0) / 2**20, (m.task_data_max or 0) / 2**20
        out.append(StageSkew(sid, m.name[:60], m.num_tasks, med, mx, dmed, dmax,
                             mx > max_s and mx > time_ratio * max(med, 1e-3),
                             dmax > data_ratio * max(dmed, 1e-9) and dmax > data_min_mb))
    return out


def run(ctx, params) -> SkewResult:
    spark = ctx.spark
    spec = params.source
    df = load(spark, spec)
    keys = tuple(k.strip() for k in params.keys.split(",") if k.strip())
    if not keys:
        raise ParameterError("parameter 'keys'", expected="one or more column names", found="nothing",
                             fix="name the key you group or join on, e.g. client_id")
    missing = [k for k in keys if k not in df.columns]
    if missing:
        raise ParameterError(f"key column {missing[0]!r}", expected="one of " + ", ".join(df.columns),
                             found=repr(missing[0]), fix="name a column of the source")
    sc = spark.sparkContext
    tag = f"dcs-skew-{id(params)}"
    sc.addJobTag(tag)
    try:
        total, distinct, tops, median = key_counts(df, keys, params.top)
        src_parts = partition_sizes(df)
        n_parts = params.partitions or int(spark.conf.get("spark.sql.shuffle.partitions"))
        key_parts = partition_sizes(df, keys, n_parts)
    finally:
        sc.removeJobTag(tag)
    key_ratio = (tops[0][1] / median) if tops and median else 0.0
    key_skew = key_ratio >= params.key_ratio and bool(tops) and tops[0][2] >= params.min_share
    pmed = _median(key_parts)
    part_ratio = max(key_parts, default=0) / pmed if pmed else (float("inf") if any(key_parts) and len(key_parts) > 1 else 0.0)
    part_skew = part_ratio >= params.key_ratio and max(key_parts, default=0) >= params.min_partition_rows

    note = ""
    if params.stages == "app":
        ids = app_stage_ids(rest_base(sc))[-params.max_stages:]
        scope = f"the last {len(ids)} completed stages of this application"
    else:
        from dcs_engine.runtime.metrics import job_ids_for_tag

        m = job_metrics(rest_base(sc), job_ids_for_tag(sc, tag), tracker=sc)
        ids = [s.stage_id for s in m.stages]
        scope = "the stages this check ran"
    stages = stage_skew(sc, ids, params.task_max_s, params.task_ratio, params.data_ratio,
                        params.data_min_mb)
    if rest_base(sc) is None:
        note = "Task skew needs the Spark UI's REST API, which is disabled here (spark.ui.enabled=false)."
    skewed = key_skew or part_skew or any(s.time_skew or s.data_skew for s in stages)
    return SkewResult(spec.describe(), keys, total, distinct, tops, median, key_ratio, key_skew, src_parts,
                      key_parts, part_ratio, part_skew, tuple(stages), scope, note,
                      "skewed" if skewed else "balanced")


TECHNIQUE = Technique(
    id="skew",
    title="Check for skew",
    summary=("Count rows per key and per partition, and compare the slowest task of each stage with the median: "
             "one giant key or partition makes one task do most of the work while the others wait."),
    snippet="from pyspark.sql import functions as F\ndf.groupBy('client_id').count().orderBy(F.desc('count')).show(10)\nsizes = df.rdd.glom().map(len).collect()\nprint('max', max(sizes), 'median', sorted(sizes)[len(sizes) // 2])\n",
    params=(
        Param("source", "source", default={"kind": "demo", "demo": "hotkey", "rows": 20_000, "seed": 42},
              label="Data source"),
        Param("keys", "str", default="client_id", label="Key columns", help="Comma-separated, e.g. client_id"),
        Param("top", "int", default=10, min=1, max=1000, label="Top keys to show"),
        Param("key_ratio", "float", default=5.0, min=1, label="Skewed when largest / median above"),
        Param("min_share", "float", default=0.01, min=0, max=1, label="…and the largest key's share at least"),
        Param("partitions", "int", default=0, min=0, label="Partitions for the key shuffle (0 = shuffle partitions)"),
        Param("min_partition_rows", "int", default=1000, min=0, label="Ignore partitions smaller than (rows)"),
        Param("stages", "choice", default="app", choices=("app", "own"), label="Stages to check for task skew",
              help="app: recent stages of this application; own: only the stages this check ran."),
        Param("max_stages", "int", default=50, min=1, max=1000, label="Stages to look at"),
        Param("task_max_s", "float", default=5.0, min=0, label="Time skew: slowest task above (s)"),
        Param("task_ratio", "float", default=10.0, min=1, label="Time skew: slowest / median above"),
        Param("data_ratio", "float", default=5.0, min=1, label="Data skew: largest / median above"),
        Param("data_min_mb", "float", default=256.0, min=0, label="Data skew: largest task above (MB)"),
    ),
    outcomes=("skewed", "balanced"),
    run=run,
)
