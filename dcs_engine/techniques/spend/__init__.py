"""spend: the resources in use against the size of the input.

Heavy load is a high ratio of data to computing power.  This reads executors, cores, memory and
parallelism (classic: the SparkContext; Spark Connect: the server's UI REST API where it can be
reached, else the server's default parallelism), the input size from the files (or the optimizer's
estimate), and applies three rules, each a parameter: input per core above ``max_gb_per_core`` means
under-provisioned; fewer input partitions than cores leaves cores idle; partitions above
``max_partition_mb`` are too large for one task.  The result says how each figure was learnt.  When
the input size cannot be learnt (not a file source, no optimizer estimate), the outcome is ``unknown``,
never "adequate": an unread size is no all-clear.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from dcs_engine.contract import Param, Technique
from dcs_engine.registry import bind
from dcs_engine.results import Reportable, md_table
from dcs_engine.runtime.resources import executors, partition_count, task_slots
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
    kind: str = "classic"
    resources_from: str = ""     # how executors and cores were learnt
    partitions_from: str = ""    # how the input partitions were counted

    @property
    def headline(self) -> str:
        size = "unknown size" if self.input_bytes is None else f"{self.input_bytes / GB:.2f} GB"
        per = "" if self.bytes_per_core is None else f" ({self.bytes_per_core / GB:.2f} GB per core)"
        word = {"under_provisioned": "Under-provisioned", "unknown": "Unknown"}.get(self.outcome, "Adequate")
        where = f"{self.executors} executor(s)" if self.executors else "executors unknown"
        return f"{word}: {size} on {self.cores} core(s) in {where}{per}."

    def to_markdown(self) -> str:
        rows = [("master", self.master), ("executors", self.executors), ("cores", self.cores),
                ("default parallelism", self.default_parallelism), ("shuffle partitions", self.shuffle_partitions),
                ("executor memory", self.executor_memory), ("driver memory", self.driver_memory),
                ("input size", "unknown" if self.input_bytes is None else
                 f"{self.input_bytes:,} bytes ({self.input_size_from})"),
                ("input partitions", self.input_partitions),
                ("executors and cores from", self.resources_from), ("partitions from", self.partitions_from)]
        parts = [self.headline, "", md_table(("resource", "value"), rows)]
        if self.suggestions:
            parts += ["", "Suggestions:", ""] + [f"- {s}" for s in self.suggestions]
        return "\n".join(parts)


def _classic_executors(sc) -> tuple[int, int, str]:
    """(executors, cores, how) -- local mode counts the driver as one executor with N cores."""
    if sc.master.startswith("local"):
        return 1, sc.defaultParallelism, "local mode: the driver runs every task (default parallelism)"
    try:
        infos = list(sc._jsc.sc().statusTracker().getExecutorInfos())
    except Exception:  # no JVM status tracker: count what the conf says
        infos = []
    workers = max(0, len(infos) - 1)  # the driver is listed too
    cores = int(sc.getConf().get("spark.executor.cores", "0") or 0) * workers
    return workers, cores or sc.defaultParallelism, "the status tracker's executor list"


def _resources(ctx) -> dict:
    """Executors, cores, parallelism and memory settings, on either kind of session."""
    spark = ctx.spark
    if ctx.has("spark_context"):
        sc = spark.sparkContext
        conf = sc.getConf()
        count, cores, how = _classic_executors(sc)
        return {"master": sc.master, "executors": count, "cores": cores, "how": how,
                "parallelism": sc.defaultParallelism,
                "executor_memory": conf.get("spark.executor.memory", "1g (default)"),
                "driver_memory": conf.get("spark.driver.memory", "1g (default)")}
    slots = task_slots(ctx)
    found = executors(ctx.rest_base())
    how = found.how if found else ("unknown: the Connect server's UI cannot be asked; cores from the "
                                   "partitions spark.range gets (the server's default parallelism)")
    return {"master": spark.conf.get("spark.master", None) or "Spark Connect server",
            "executors": found.count if found else 0, "cores": found.cores if found and found.cores else slots,
            "how": how, "parallelism": slots,
            "executor_memory": spark.conf.get("spark.executor.memory", None) or "1g (default)",
            "driver_memory": spark.conf.get("spark.driver.memory", None) or "1g (default)"}


_UNITS = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40, "PiB": 2**50, "EiB": 2**60}


def _estimate(df) -> int | None:
    """The optimizer's size estimate of ``df`` (None when it does not know: it then says 8 EiB)."""
    import re

    try:
        if hasattr(df, "_jdf"):
            est = int(str(df._jdf.queryExecution().optimizedPlan().stats().sizeInBytes()))
        else:
            text = df._explain_string(mode="cost")
            m = re.search(r"sizeInBytes=([0-9.]+)\s*([KMGTPE]?i?B)", text)
            est = int(float(m.group(1)) * _UNITS.get(m.group(2), 1)) if m else None
    except Exception:  # an optimizer that will not say: the size stays unknown
        return None
    return None if est is None or est >= 2**62 else est


def input_size(df) -> tuple[int | None, str]:
    files = []
    try:
        files = df.inputFiles()
    except Exception:  # not a file source
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
    est = _estimate(df)
    return (est, "optimizer estimate") if est is not None else (None, "unknown")


def _tips(params, size, cores: int, parts: int | None, shuffle: int) -> tuple[list[str], bool]:
    tips, under = [], False
    per_core = size / cores if size is not None and cores else None
    per_part = size / parts if size is not None and parts else None
    if per_core is not None and per_core > params.max_gb_per_core * GB:
        under = True
        need = int(size / (params.max_gb_per_core * GB)) + 1
        tips.append(f"{per_core / GB:.1f} GB of input per core is above {params.max_gb_per_core:g} GB: use at least "
                    f"{need} cores (more executors), or work on a sample or a smaller date range.")
    if parts is not None and parts < cores:
        tips.append(f"Only {parts} input partition(s) for {cores} cores: cores sit idle; repartition to "
                    f"{2 * cores}-{3 * cores} partitions.")
    if per_part is not None and per_part > params.max_partition_mb * MB:
        want = int(size / (params.max_partition_mb * MB)) + 1
        tips.append(f"{per_part / MB:,.0f} MB per partition is above {params.max_partition_mb:g} MB: "
                    f"use at least {want} partitions (e.g. spark.sql.files.maxPartitionBytes, or repartition).")
    if size is not None and shuffle < cores:
        tips.append(f"spark.sql.shuffle.partitions={shuffle} is below the {cores} cores: raise it to {2 * cores} or "
                    "more.")
    if size is None:
        tips.append("The input size is unknown (not a file source, and Spark's optimizer gave no estimate): the "
                    "data per core cannot be judged. Write the input to files first, or compute table statistics "
                    "(ANALYZE TABLE ... COMPUTE STATISTICS), and run this again.")
    if not tips:
        tips.append("Resources fit the input: if the job is still slow, look for all-pairs work (scale up in steps) "
                    "or skew, or lighten the load with a sample.")
    return tips, under


def run(ctx, params) -> SpendResult:
    df = bind(ctx, params)
    res = _resources(ctx)
    size, size_from = input_size(df)
    parts, parts_how = partition_count(ctx, df)
    shuffle = int(ctx.spark.conf.get("spark.sql.shuffle.partitions"))
    cores = res["cores"]
    tips, under = _tips(params, size, cores, parts, shuffle)
    return SpendResult(params.source.describe(), res["master"], res["executors"], cores, res["parallelism"],
                       shuffle, res["executor_memory"], res["driver_memory"], size, size_from, parts or 0,
                       size / cores if size is not None and cores else None,
                       size / parts if size is not None and parts else None, tuple(tips),
                       "under_provisioned" if under else "unknown" if size is None else "adequate",
                       kind=ctx.kind, resources_from=res["how"],
                       partitions_from=parts_how)


TECHNIQUE = Technique(
    id="spend",
    title="Spend: resources against data",
    summary=("Heavy load is a high ratio of data to computing resources. Look at executors, cores, memory and "
             "partitions against the input size, and decide: more partitions, more executors, or less data."),
    snippet=("sc = spark.sparkContext\nprint('default parallelism', sc.defaultParallelism)\n"
             "print('executors', sc._jsc.sc().getExecutorMemoryStatus().size())\n"
             "print('partitions', df.rdd.getNumPartitions())\n"
             "print(spark.conf.get('spark.executor.memory', 'default'))\n"),
    params=(
        SOURCE,
        Param("max_gb_per_core", "float", default=2.0, min=1e-9,
              label="Under-provisioned above (GB of input per core)"),
        Param("max_partition_mb", "float", default=512.0, min=1, label="Partitions too large above (MB)"),
    ),
    outcomes=("under_provisioned", "adequate", "unknown"),
    run=run,
)
