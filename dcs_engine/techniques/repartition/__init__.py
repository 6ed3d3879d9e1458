"""repartition: put every key's rows in one partition, sorted, then work per key.

The user's per-key function ``f(key, rows)`` (rows as dicts) runs three ways,
timed, and the results are checked to be identical:

* before -- ``rdd.groupBy(key)`` on the partitions as they are;
* the talk's recipe -- ``repartitionAndSortWithinPartitions`` with a partitioner
  on the key (partitions x ``partition_factor``), then the rows of each key are
  grouped where they lie (they are consecutive after the sort: no second shuffle);
* the DataFrame equivalent -- ``repartition(n, key).sortWithinPartitions(key)``.

For one giant key, salting is the fix: the key's rows spread over ``salt``
sub-keys, shown as counts.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from dcs_engine.contract import Param, Technique
from dcs_engine.errors import ParameterError
from dcs_engine.inputs.demo.jobs import PER_KEY_FUNCTION
from dcs_engine.inputs.sources import load
from dcs_engine.inputs.userjob import load_job
from dcs_engine.results import Reportable, md_table
from dcs_engine.techniques._common import user_function


@dataclass(frozen=True)
class Variant:
    name: str
    partitions: int
    seconds: float
    keys: int


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
        if not self.identical:
            parts += ["", f"Mismatch: {self.mismatch}"]
        if self.sample_results:
            parts += ["", "First results:", "", md_table(("key", "result"), self.sample_results)]
        parts += ["", f"Largest key {self.top_key!r}: {self.top_key_rows:,} rows ({self.top_share:.1%}). "
                      f"Salted into {self.salt_buckets} sub-keys: " + ", ".join(f"{c:,}" for c in self.salted_counts)
                      + " rows (aggregate per salted key, then combine the partial results)."]
        return "\n".join(parts)


def run(ctx, params) -> RepartitionResult:
    from pyspark.rdd import portable_hash
    from pyspark.sql import functions as F

    spark = ctx.spark
    spec = params.source
    df = load(spark, spec)
    key = params.key.strip()
    if key not in df.columns:
        raise ParameterError(f"key column {key!r}", expected="one of " + ", ".join(df.columns), found=repr(key),
                             fix="name the column you compare rows within")
    fn = load_job(params).func

    # Closures (not module functions) so that executors need not import dcs_engine.
    def _group_sorted(pairs_iter, fn):
        """Rows arrive sorted by key: group consecutive runs and apply ``fn``."""
        import itertools

        for k, run_ in itertools.groupby(pairs_iter, key=lambda kv: kv[0]):
            yield k, fn(k, [row for _, row in run_])

    def _sort_key(k):
        return (k is None, k if k is not None else "")

    factor = params.partition_factor
    base_parts = df.rdd.getNumPartitions()
    n = max(1, base_parts * factor)

    pairs = df.rdd.map(lambda r: (r[key], r.asDict()))
    pairs.map(lambda kv: 0).take(1)  # start Python workers before any timing

    def timed(name, parts, rdd):
        start = time.perf_counter()
        out = rdd.collect()
        return Variant(name, parts, time.perf_counter() - start, len(out)), out

    v_before, before = timed("before: rdd.groupBy(key)", base_parts,
                             pairs.groupByKey().map(lambda kv: (kv[0], fn(kv[0], list(kv[1])))))
    recipe = pairs.repartitionAndSortWithinPartitions(n, lambda k: portable_hash(k), True, _sort_key)
    v_rdd, after_rdd = timed("repartitionAndSortWithinPartitions, then group", n,
                             recipe.mapPartitions(lambda it: _group_sorted(it, fn)))
    by_key = df.repartition(n, key).sortWithinPartitions(key)
    v_df, after_df = timed("DataFrame repartition + sortWithinPartitions, then group", n,
                           by_key.rdd.map(lambda r: (r[key], r.asDict())).mapPartitions(lambda it: _group_sorted(it, fn)))

    def canon(rows):
        return sorted(((repr(k), repr(v)) for k, v in rows))

    ref = canon(before)
    mismatch = ""
    for name, rows in (("repartitionAndSortWithinPartitions", after_rdd), ("DataFrame repartition", after_df)):
        got = canon(rows)
        if got != ref:
            diff = next(((a, b) for a, b in zip(ref, got) if a != b), None)
            mismatch = f"{name}: {len(got)} keys vs {len(ref)}" + (f"; first difference {diff[0]} vs {diff[1]}" if diff else "")
            break

    top = df.groupBy(key).count().orderBy(F.desc("count")).first()
    total = df.count()
    buckets = params.salt_buckets
    salted = (df.where(F.col(key) == top[key]) if top[key] is not None else df.where(F.col(key).isNull()))
    salted = salted.groupBy(F.floor(F.rand(params.seed) * buckets).alias("salt")).count().orderBy("salt").collect()
    variants = (v_before, v_rdd, v_df)
    best = min(v_rdd.seconds, v_df.seconds)
    outcome = "faster" if best <= (1 - params.min_gain) * v_before.seconds else "no_gain"
    return RepartitionResult(
        source=spec.describe(), key=key, variants=variants, identical=not mismatch, mismatch=mismatch,
        sample_results=tuple(ref[:5]), top_key=str(top[key]), top_key_rows=int(top["count"]),
        top_share=top["count"] / max(1, total), salt_buckets=buckets,
        salted_counts=tuple(int(r["count"]) for r in salted), min_gain=params.min_gain, outcome=outcome)


TECHNIQUE = Technique(
    id="repartition",
    title="Repartition on the comparison key",
    summary=("If you compare every row with every row, do it only within a key: repartition on the comparison "
             "key and sort within partitions so each key's rows sit together on one executor, then run your "
             "per-key function. Timed before and after, with the results checked to be identical."),
    snippet="PARTITION_FACTOR = 10\nsize = df.rdd.getNumPartitions() * PARTITION_FACTOR\nby_key = df.repartition(size, 'client_id').sortWithinPartitions('client_id')\nresult = by_key.groupBy('client_id').applyInPandas(compare_within_client, schema)\n",
    params=(
        Param("source", "source", default={"kind": "demo", "demo": "hotkey", "rows": 20_000, "seed": 42},
              label="Data source"),
        Param("key", "str", default="client_id", label="Comparison key"),
        *user_function(PER_KEY_FUNCTION, "Your per-key function", code_help="def f(key, rows): rows is the list of that key's rows as dicts; return any value."),
        Param("partition_factor", "int", default=10, min=1, max=1000, label="Partition factor",
              help="Partitions after repartitioning = current partitions x this."),
        Param("salt_buckets", "int", default=8, min=2, max=1024, label="Salt buckets for the largest key"),
        Param("min_gain", "float", default=0.1, min=0, max=0.99, label="Faster when time drops by at least"),
        Param("seed", "int", default=7, label="Seed"),
    ),
    outcomes=("faster", "no_gain"),
    run=run,
)
