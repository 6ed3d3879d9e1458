"""Seeded demo datasets, generated inside Spark at any size.

Values are pure functions of (row id, seed) through ``xxhash64``, so the same
size and seed give the same rows whatever the partitioning -- tests, lessons,
benches and the app all see identical data.  Add a dataset by decorating a
generator with :func:`dataset`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dcs_engine.errors import SourceError


@dataclass(frozen=True)
class DemoDataset:
    name: str
    description: str
    build: Callable  # (spark, rows, seed) -> DataFrame


DATASETS: dict[str, DemoDataset] = {}


def dataset(name: str, description: str):
    def deco(fn):
        DATASETS[name] = DemoDataset(name, description, fn)
        return fn
    return deco


def _u(col_id, seed: int, salt: int):
    """A uniform double in [0, 1) from the row id, the seed and a salt."""
    from pyspark.sql import functions as F

    h = F.xxhash64(col_id, F.lit(seed), F.lit(salt))
    return F.pmod(h, F.lit(1_000_000_007)).cast("double") / F.lit(1_000_000_007.0)


def _digest(kind: str, col_id, seed: int, width: int):
    """A stable hex id of `width` characters for a row id (the same seed gives the same ids)."""
    from pyspark.sql import functions as F

    text = F.concat_ws("-", F.lit(kind), col_id.cast("string"), F.lit(seed).cast("string"))
    return F.sha2(text, 256).substr(1, width)


def _pick(u, values):
    from pyspark.sql import functions as F

    arr = F.array(*[F.lit(v) for v in values])
    return F.element_at(arr, (F.floor(u * len(values)) + 1).cast("int"))


EXPERIMENTS = ("e10s-beta45-withoutaddons@experiments.mozilla.org",
               "e10s-enabled-beta-20151214@experiments.mozilla.org",
               "flash-protectedmode-beta@experiments.mozilla.org")


@dataset("telemetry", "Pings shaped like the talk's main_summary table: client ids, YYYYMMDD "
                      "submission dates, a mostly-null active_experiment_id, session counters.")
def telemetry(spark, rows: int, seed: int):
    from pyspark.sql import functions as F

    n_clients = max(1, rows // 20)
    df = spark.range(0, rows, numPartitions=max(1, min(64, rows // 250_000 + 2)))
    i = F.col("id")
    client_n = F.pmod(F.xxhash64(i, F.lit(seed), F.lit(1)), F.lit(n_clients))
    day = F.floor(_u(i, seed, 2) * 400).cast("int")
    return df.select(
        _digest("doc", i, seed, 32).alias("document_id"),
        _digest("client", client_n, seed, 16).alias("client_id"),
        _pick(_u(i, seed, 3), ["release", "release", "release", "beta", "nightly"]).alias("channel"),
        _pick(_u(i, seed, 4), ["Windows_NT", "Windows_NT", "Darwin", "Linux"]).alias("os"),
        F.date_format(F.date_add(F.lit("2016-06-20").cast("date"), day), "yyyyMMdd").alias("submission_date"),
        F.when(_u(i, seed, 5) < 0.1, _pick(_u(i, seed, 6), list(EXPERIMENTS))).alias("active_experiment_id"),
        (F.floor(_u(i, seed, 7) * 50) + 1).cast("int").alias("profile_subsession_counter"),
        F.when(_u(i, seed, 8) < 0.3, F.lit(1))
        .otherwise((F.floor(_u(i, seed, 9) * 9) + 2).cast("int")).alias("subsession_counter"),
        (F.floor(_u(i, seed, 10) * 86400)).cast("long").alias("subsession_length"),
        _pick(_u(i, seed, 11), ["shutdown", "shutdown", "environment-change", "aborted-session", "daily"])
        .alias("reason"),
        F.when(_u(i, seed, 12) < 0.002, F.lit(None).cast("string"))
         .otherwise(F.format_number(_u(i, seed, 13) * 10, 2)).alias("field"),
    )


def _discover() -> dict[str, DemoDataset]:
    import importlib
    import pkgutil

    from dcs_engine.inputs.demo import datasets

    for mod in pkgutil.iter_modules(datasets.__path__):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{datasets.__name__}.{mod.name}")
    return DATASETS


def register(name: str, description: str, build) -> DemoDataset:
    """Add a dataset made elsewhere (a lesson's data): the one way outside this package adds one.

    ``build(spark, rows, seed)`` returns a DataFrame.  Registering the same name again replaces it
    (a lesson edited while the app runs); a built-in dataset's name is refused."""
    builtin = _discover()
    old = builtin.get(name)
    if old is not None and old.build.__module__.startswith(__name__):
        raise SourceError(f"demo dataset {name!r}", expected="a name no built-in dataset has",
                          found="the name of a built-in dataset", fix="give the dataset another name",
                          condition="SOURCE_INVALID", params={"field": "demo", "found": name})
    ds = DemoDataset(name, description, build)
    DATASETS[name] = ds
    return ds


def names() -> list[str]:
    return sorted(_discover())


def build(spark, name: str, rows: int, seed: int = 42):
    _discover()
    if name not in DATASETS:
        raise SourceError(f"demo dataset {name!r}", expected="one of " + ", ".join(sorted(DATASETS)),
                          found=repr(name), fix="pick a demo dataset from the list", condition="SOURCE_NOT_FOUND",
                          params={"demo": name, "choices": sorted(DATASETS)})
    if rows < 0:
        raise SourceError("demo dataset size", expected="0 rows or more", found=str(rows),
                          fix="ask for a positive number of rows", condition="SOURCE_INVALID",
                          params={"field": "rows", "found": rows})
    return DATASETS[name].build(spark, rows, seed)
