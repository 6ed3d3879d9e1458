"""The ways to run a per-key function ``f(key, rows)`` (rows as dicts), each timed.

Classic Spark, the talk's three:

* before -- ``rdd.groupByKey()`` on the partitions as they are;
* the talk's recipe -- ``repartitionAndSortWithinPartitions`` with a partitioner on the key, then the
  rows of each key grouped where they lie (consecutive after the sort: no second shuffle);
* its DataFrame form -- ``repartition(n, key).sortWithinPartitions(key)``, grouped the same way.

Spark Connect has no RDD API, so there the DataFrame forms run: before is ``groupBy(key)`` with
``applyInArrow`` (one group at a time), after is ``repartition(n, key).sortWithinPartitions(key)``
with ``mapInArrow`` grouping consecutive keys.  Results come back as ``(repr(key), repr(result))``.

Every function handed to Spark here is a closure (pickled by value): executors need no dcs_engine.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

RESULT_SCHEMA = "k string, v string"


@dataclass(frozen=True)
class Variant:
    name: str
    partitions: int
    seconds: float
    keys: int


def _timed(name: str, parts: int, collect, normalize) -> tuple[Variant, list]:
    """Time ``collect()`` (the Spark job); then ``normalize`` its rows (on the driver, untimed)."""
    start = time.perf_counter()
    out = collect()
    return Variant(name, parts, time.perf_counter() - start, len(out)), normalize(out)


def canon(pairs) -> list[tuple[str, str]]:
    """Python (key, result) pairs in one comparable form: sorted (repr(key), repr(result))."""
    return sorted((repr(k), repr(v)) for k, v in pairs)


def classic_variants(df, key: str, fn, n: int, base_parts: int):
    """[(Variant, results)] for the three classic ways (results as sorted repr pairs, see canon)."""
    from pyspark.rdd import portable_hash

    def group_sorted(pairs_iter):
        import itertools

        for k, run_ in itertools.groupby(pairs_iter, key=lambda kv: kv[0]):
            yield k, fn(k, [row for _, row in run_])

    def sort_key(k):
        return (k is None, k if k is not None else "")

    pairs = df.rdd.map(lambda r: (r[key], r.asDict()))
    pairs.map(lambda kv: 0).take(1)  # start Python workers before any timing
    by_key = df.repartition(n, key).sortWithinPartitions(key)
    recipe = pairs.repartitionAndSortWithinPartitions(n, lambda k: portable_hash(k), True, sort_key)
    return [
        _timed("before: rdd.groupByKey()", base_parts,
               pairs.groupByKey().map(lambda kv: (kv[0], fn(kv[0], list(kv[1])))).collect, canon),
        _timed("repartitionAndSortWithinPartitions, then group", n, recipe.mapPartitions(group_sorted).collect,
               canon),
        _timed("DataFrame repartition + sortWithinPartitions, then group", n,
               by_key.rdd.map(lambda r: (r[key], r.asDict())).mapPartitions(group_sorted).collect, canon),
    ]


def dataframe_variants(ctx, df, key: str, fn, n: int, base_parts: int):
    """[(Variant, results)] for the DataFrame ways that run on Spark Connect (results as sorted repr pairs,
    made on the executors)."""
    def per_group(table):
        import pyarrow as pa

        rows = table.to_pylist()
        k = rows[0][key] if rows else None
        return pa.table({"k": [repr(k)], "v": [repr(fn(k, rows))]})

    def per_partition(batches):
        import itertools

        import pyarrow as pa

        rows = (row for batch in batches for row in batch.to_pylist())
        ks, vs = [], []
        for k, run_ in itertools.groupby(rows, key=lambda r: r[key]):
            ks.append(repr(k))
            vs.append(repr(fn(k, list(run_))))
        yield pa.RecordBatch.from_pydict({"k": ks, "v": vs}, schema=pa.schema([("k", pa.string()),
                                                                               ("v", pa.string())]))

    ctx.tally(df.limit(1), lambda batches: 0)  # start Python workers before any timing

    def reprs(rows):
        return sorted((r["k"], r["v"]) for r in rows)

    by_key = df.repartition(n, key).sortWithinPartitions(key)
    return [
        _timed("before: DataFrame groupBy(key).applyInArrow", base_parts,
               df.groupBy(key).applyInArrow(per_group, RESULT_SCHEMA).collect, reprs),
        _timed("DataFrame repartition + sortWithinPartitions, then group (mapInArrow)", n,
               by_key.mapInArrow(per_partition, RESULT_SCHEMA).collect, reprs),
    ]
