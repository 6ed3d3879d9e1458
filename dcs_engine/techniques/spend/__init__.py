"""spend: the resources in use against the size of the input.

Heavy load is a high ratio of data to computing power.  This reads executors,
cores, memory and parallelism from the running SparkContext, the input size
from the files (or the optimizer's estimate), and applies three rules, each a
parameter: input per core above ``max_gb_per_core`` means under-provisioned;
fewer input partitions than cores leaves cores idle; partitions above
``max_partition_mb`` are too large for one task.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from dcs_engine.contract import Param, Technique
from dcs_engine.inputs.sources import load
from dcs_engine.results import Reportable, md_table
from dcs_engine.techniques._common import SOURCE

GB = 1024 ** 3
MB = 1024 ** 2


@dataclass(frozen=True)
class SpendResult(Reportable):
    source: str
    master: str
    executors: int
    cores: int
    default_parallelism: int
    shuffle_partitions: int
    executor_memory: str
    driver_memory: str
    input_bytes: int | None
    input_size_from: str
    input_partitions: int
    bytes_per_core: float | None
    bytes_per_partition: float | None
    suggestions: tuple[str, ...]
    outcome: str

    @property
    def headline(self) -> str:
        size = "unknown size" if self.input_bytes is None else f"{self.input_bytes / GB:.2f} GB"
        per = "" if self.bytes_per_core is None else f" ({self.bytes_per_core / GB:.2f} GB per core)"
        word = "Under-provisioned" if self.outcome == "under_provisioned" else "Adequate"
        return f"{word}: {size} on {self.cores} core(s) in {self.executors} executor(s){per}."

    def to_markdown(self) -> str:
        rows = [("master", self.master), ("executors", self.executors), ("cores", self.cores),
                ("default parallelism", self.default_parallelism), ("shuffle partitions", self.shuffle_partitions),
                ("executor memory", self.executor_memory), ("driver memory", self.driver_memory),
                ("input size", "unknown" if self.input_bytes is None else f"{self.input_bytes:,} bytes ({self.input_size_from})"),
                ("input partitions", self.input_partitions)]
        parts = [self.headline, "", md_table(("resource", "value"), rows)]
        if self.suggestions:
            parts += ["", "Suggestions:", ""] + [f"- {s}" for s in self.suggestions]
        return "\n".join(parts)


def _executors(sc) -> tuple[int, int]:
    """(executors, cores) -- local mode counts the driver as one executor with N cores."""
    try:
        infos = list(sc._jsc.sc().statusTracker().getExecutorInfos())
    except Exception:
        infos = []
    if sc.master.startswith("local"):
        return 1, sc.defaultParallelism
    workers = max(0, len(infos) - 1)  # the driver is listed too
    cores = int(sc.getConf().get("spark.executor.cores", "0") or 0) * workers
    return workers, cores or sc.defaultParallelism


def input_size(df) -> tuple[int | None, str]:
    files = []
    try:
        files = df.inputFiles()
    except Exception:
        pass
    if files:
        total = 0
        for f in files:
            path = f[len("file:"):] if f.startswith("file:") else f
            while path.startswith("//"):
                path = path[1:]
            if "://" in path or not os.path.exists(path):
                break
            total += os.path.getsize(path)
        else:
            return total, f"sum of {len(files)} file sizes"
    try:
        est = int(str(df._jdf.queryExecution().optimizedPlan().stats().sizeInBytes()))
        return est, "optimizer estimate"
    except Exception:
        return None, "unknown"


def run(ctx, params) -> SpendResult:
    spark = ctx.spark
    spec = params.source
    df = load(spark, spec)
    sc = spark.sparkContext
    conf = sc.getConf()
    executors, cores = _executors(sc)
    size, size_from = input_size(df)
    parts = df.rdd.getNumPartitions()
    per_core = size / cores if size is not None and cores else None
    per_part = size / parts if size is not None and parts else None
    shuffle = int(spark.conf.get("spark.sql.shuffle.partitions"))
    tips = []
    under = False
    if per_core is not None and per_core > params.max_gb_per_core * GB:
        under = True
        need = int(size / (params.max_gb_per_core * GB)) + 1
        tips.append(f"{per_core / GB:.1f} GB of input per core is above {params.max_gb_per_core:g} GB: use at least "
                    f"{need} cores (more executors), or work on a sample or a smaller date range.")
    if parts < cores:
        tips.append(f"Only {parts} input partition(s) for {cores} cores: cores sit idle; repartition to "
                    f"{2 * cores}-{3 * cores} partitions.")
    if per_part is not None and per_part > params.max_partition_mb * MB:
        want = int(size / (params.max_partition_mb * MB)) + 1
        tips.append(f"{per_part / MB:,.0f} MB per partition is above {params.max_partition_mb:g} MB: "
                    f"use at least {want} partitions (e.g. spark.sql.files.maxPartitionBytes, or repartition).")
    if size is not None and shuffle < cores:
        tips.append(f"spark.sql.shuffle.partitions={shuffle} is below the {cores} cores: raise it to {2 * cores} or more.")
    if not tips:
        tips.append("Resources fit the input: if the job is still slow, look for all-pairs work (scale up in steps) "
                    "or skew, or lighten the load with a sample.")
    return SpendResult(spec.describe(), sc.master, executors, cores, sc.defaultParallelism, shuffle,
                       conf.get("spark.executor.memory", "1g (default)"), conf.get("spark.driver.memory", "1g (default)"),
                       size, size_from, parts, per_core, per_part, tuple(tips),
                       "under_provisioned" if under else "adequate")


TECHNIQUE = Technique(
    id="spend",
    title="Spend: resources against data",
    summary=("Heavy load is a high ratio of data to computing resources. Look at executors, cores, memory and "
             "partitions against the input size, and decide: more partitions, more executors, or less data."),
    snippet="sc = spark.sparkContext\nprint('default parallelism', sc.defaultParallelism)\nprint('executors', sc._jsc.sc().getExecutorMemoryStatus().size())\nprint('partitions', df.rdd.getNumPartitions())\nprint(spark.conf.get('spark.executor.memory', 'default'))\n",
    params=(
        SOURCE,
        Param("max_gb_per_core", "float", default=2.0, min=1e-9, label="Under-provisioned above (GB of input per core)"),
        Param("max_partition_mb", "float", default=512.0, min=1, label="Partitions too large above (MB)"),
    ),
    outcomes=("under_provisioned", "adequate"),
    run=run,
)
