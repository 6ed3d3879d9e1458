"""repartition: put every key's rows in one partition, sorted, then work per key.

The user's per-key function ``f(key, rows)`` (rows as dicts) runs before and after repartitioning on
the key, timed, and the results are checked to be identical (see :mod:`.variants`): on classic Spark
the talk's RDD recipe (``repartitionAndSortWithinPartitions``) and its DataFrame form; on Spark
Connect, which has no RDD API, the DataFrame forms (``groupBy().applyInArrow`` before,
``repartition().sortWithinPartitions()`` with ``mapInArrow`` after), and the result says so.

For one giant key, salting is the fix: the key's rows spread over ``salt`` sub-keys, shown as counts.
"""
from __future__ import annotations

from dataclasses import dataclass

from dcs_engine.contract import Param, Technique
from dcs_engine.inputs.demo.jobs import PER_KEY_FUNCTION
from dcs_engine.inputs.userjob import load_job
from dcs_engine.registry import bind
from dcs_engine.results import Reportable, md_table
from dcs_engine.runtime.resources import partition_count
from dcs_engine.techniques._common import user_function
from dcs_engine.techniques._ship import ship_user_function
from dcs_engine.techniques.repartition.variants import Variant, classic_variants, dataframe_variants

__all__ = ["RepartitionResult", "TECHNIQUE", "Variant"]

CONNECT_NOTE = ("Spark Connect has no RDD API, so the talk's recipe (rdd.repartitionAndSortWithinPartitions) "
                "cannot run here: its DataFrame form ran instead (repartition(n, key).sortWithinPartitions(key), "
                "then mapInArrow over each partition), against groupBy(key).applyInArrow before")


@dataclass(frozen=True)
class RepartitionResult(Reportable):
    source: str
    key: str
    variants: tuple[Variant, ...]
    identical: bool
    mismatch: str
    sample_results: tuple[tuple[str, str], ...]
    top_key: str
    top_key_rows: int
    top_share: float
    salt_buckets: int
    salted_counts: tuple[int, ...]
    min_gain: float
    outcome: str
    kind: str = "classic"
    note: str = ""        # what ran, and why (Connect: the DataFrame forms)
    shipped: str = ""     # how the user's function reached the executors

    @property
    def speedup(self) -> float:
        before = self.variants[0].seconds
        best = min(v.seconds for v in self.variants[1:])
        return before / best if best > 0 else float("inf")

    @property
    def headline(self) -> str:
        same = "same results" if self.identical else "DIFFERENT results"
        if self.outcome == "faster":
            return f"Repartitioning on {self.key} made the per-key work {self.speedup:.1f}x faster ({same})."
        return f"No gain from repartitioning on {self.key} ({self.speedup:.2f}x, {same})."

    def to_markdown(self) -> str:
        parts = [self.headline, "",
                 md_table(("variant", "partitions", "seconds", "keys"),
                          [(v.name, v.partitions, f"{v.seconds:.2f}", f"{v.keys:,}") for v in self.variants])]
        if self.note:
            parts += ["", self.note + "."]
        if not self.identical:
            parts += ["", f"Mismatch: {self.mismatch}"]
        if self.sample_results:
            parts += ["", "First results:", "", md_table(("key", "result"), self.sample_results)]
        parts += ["", f"Largest key {self.top_key!r}: {self.top_key_rows:,} rows ({self.top_share:.1%}). "
                      f"Salted into {self.salt_buckets} sub-keys: " + ", ".join(f"{c:,}" for c in self.salted_counts)
                      + " rows (aggregate per salted key, then combine the partial results)."]
        if self.shipped:
            parts += ["", f"Your function: {self.shipped}."]
        return "\n".join(parts)


def _first_mismatch(names, results) -> str:
    ref = results[0]
    for name, got in zip(names[1:], results[1:]):
        if got != ref:
            diff = next(((a, b) for a, b in zip(ref, got) if a != b), None)
            return f"{name}: {len(got)} keys vs {len(ref)}" + (f"; first difference {diff[0]} vs {diff[1]}"
                                                                if diff else "")
    return ""


def _salted(df, key: str, buckets: int, seed: int):
    """(largest key, its rows, all rows, rows per salt bucket of the largest key)."""
    from pyspark.sql import functions as F

    top = df.groupBy(key).count().orderBy(F.desc("count")).first()
    total = df.count()
    hot = df.where(F.col(key) == top[key]) if top[key] is not None else df.where(F.col(key).isNull())
    salted = hot.groupBy(F.floor(F.rand(seed) * buckets).alias("salt")).count().orderBy("salt").collect()
    return top[key], int(top["count"]), total, tuple(int(r["count"]) for r in salted)


def run(ctx, params) -> RepartitionResult:
    df = bind(ctx, params)
    key = params.key
    user = load_job(params)
    shipped = ship_user_function(ctx, user)
    base_parts, _ = partition_count(ctx, df)
    base_parts = base_parts or int(ctx.spark.conf.get("spark.sql.shuffle.partitions"))
    n = max(1, base_parts * params.partition_factor)
    if ctx.has("rdd"):
        ran, note = classic_variants(df, key, user.func, n, base_parts), ""
    else:
        ran, note = dataframe_variants(ctx, df, key, user.func, n, base_parts), CONNECT_NOTE
    variants = tuple(v for v, _ in ran)
    results = [r for _, r in ran]
    mismatch = _first_mismatch([v.name for v in variants], results)
    top_key, top_rows, total, salted = _salted(df, key, params.salt_buckets, params.seed)
    best = min(v.seconds for v in variants[1:])
    outcome = "faster" if best <= (1 - params.min_gain) * variants[0].seconds else "no_gain"
    return RepartitionResult(
        source=params.source.describe(), key=key, variants=variants, identical=not mismatch, mismatch=mismatch,
        sample_results=tuple(results[0][:5]), top_key=str(top_key), top_key_rows=top_rows,
        top_share=top_rows / max(1, total), salt_buckets=params.salt_buckets, salted_counts=salted,
        min_gain=params.min_gain, outcome=outcome, kind=ctx.kind, note=note, shipped=shipped)


TECHNIQUE = Technique(
    id="repartition",
    title="Repartition on the comparison key",
    summary=("If you compare every row with every row, do it only within a key: repartition on the comparison "
             "key and sort within partitions so each key's rows sit together on one executor, then run your "
             "per-key function. Timed before and after, with the results checked to be identical."),
    snippet=("PARTITION_FACTOR = 10\nsize = df.rdd.getNumPartitions() * PARTITION_FACTOR\n"
             "by_key = df.repartition(size, 'client_id').sortWithinPartitions('client_id')\n"
             "result = by_key.groupBy('client_id').applyInPandas(compare_within_client, schema)\n"),
    params=(
        Param("source", "source", default={"kind": "demo", "demo": "hotkey", "rows": 20_000, "seed": 42},
              label="Data source"),
        Param("key", "column", default="client_id", label="Comparison key", required=True),
        *user_function(PER_KEY_FUNCTION, "Your per-key function",
                       code_help="def f(key, rows): rows is the list of that key's rows as dicts; return any value."),
        Param("partition_factor", "int", default=10, min=1, max=1000, label="Partition factor",
              help="Partitions after repartitioning = current partitions x this."),
        Param("salt_buckets", "int", default=8, min=2, max=1024, label="Salt buckets for the largest key"),
        Param("min_gain", "float", default=0.1, min=0, max=0.99, label="Faster when time drops by at least"),
        Param("seed", "int", default=7, label="Seed"),
    ),
    outcomes=("faster", "no_gain"),
    run=run,
)
