"""Running the instrumented function over a DataFrame: one small dict of counts per task.

The rows reach the function as Spark gives them to a row-level function -- ``dict``
(``row.asDict(recursive=True)``: nested structs become dicts) or ``Row`` -- through ``mapInArrow``
(:func:`dcs_engine.runtime.tasks.function_items`), and each task returns its counts through
``ctx.tally``: no accumulators and no RDDs, so it runs the same on classic Spark and Spark Connect.
With a group-by column, the rows are clustered by key (``repartition`` + ``sortWithinPartitions``,
one shuffle, as ``groupByKey`` did) and the function is called once per key with
``(key, [rows])``; the order of rows inside a group is whatever the shuffle gives, as with
``groupByKey``.
"""
from __future__ import annotations

import sys

from dcs_engine.errors import ParameterError
from dcs_engine.runtime import tasks
from dcs_engine.runtime.tasks import OutputCounter, function_items
from dcs_engine.techniques.branch_count import instrument
from dcs_engine.techniques.branch_count.instrument import count_items


def clustered(df, group_by: str):
    """``df`` with the rows of each key together in one partition (or ``df`` itself)."""
    if not group_by:
        return df
    from pyspark.sql import types as T

    dtype = df.schema[group_by].dataType
    if isinstance(dtype, T.MapType):
        raise ParameterError(f"group-by column {group_by!r}", condition="PARAM_INVALID",
                             params={"param": "group_by", "column": group_by, "type": dtype.simpleString()},
                             expected="a column Spark can group and sort by", found=f"a {dtype.simpleString()}",
                             fix="group by a key column (or a field of the map, with a where/columns step first)")
    return df.repartition(group_by).sortWithinPartitions(group_by)


def _layout(df, row_type: str, group_by: str):
    plan = tasks.plan_of(df.schema, "dict" if row_type == "dict" else "row")
    key_index = list(df.columns).index(group_by) if group_by else None
    return list(df.columns), (plan if tasks.needs_conversion(plan) else None), key_index


def count_task(func, names, row_type, plan, key_index, generator):
    """Per task: the instrumented function's counts, and how many lines it printed or logged."""
    def task(batches):
        with OutputCounter() as out:
            counts = count_items(func, function_items(batches, names, row_type, plan, key_index),
                                 generator=generator)
        counts["printed"] = out.lines
        return counts
    return task


def apply_task(func, names, row_type, plan, key_index, keep: bool):
    """Per task: call ``func`` on every item; its results (``keep``) or just how many calls."""
    def task(batches):
        items = function_items(batches, names, row_type, plan, key_index)
        if keep:
            return [func(item) for item in items]
        n = 0
        for item in items:
            func(item)
            n += 1
        return n
    return task


def ship_engine(ctx) -> None:
    tasks.ship_by_value(ctx)
    ctx.ship_module_by_value(sys.modules[instrument.__name__])


def count_branches(ctx, inst, df, row_type: str = "dict", group_by: str = "") -> dict:
    """Run ``inst.func`` over ``df`` in one job; the summed counts (probe ids, calls, raised,
    errors, printed)."""
    ship_engine(ctx)
    names, plan, key_index = _layout(df, row_type, group_by)
    parts = ctx.tally(clustered(df, group_by), count_task(inst.func, names, row_type, plan, key_index,
                                                          inst.generator))
    return inst.resolve(instrument.merge_counts(parts))


def apply(ctx, func, df, row_type: str = "dict", group_by: str = "", keep: bool = True) -> list:
    """Call the plain ``func`` the same way (the baseline the counting is measured against):
    its results in partition order, or the number of calls per task."""
    ship_engine(ctx)
    names, plan, key_index = _layout(df, row_type, group_by)
    return ctx.tally(clustered(df, group_by), apply_task(func, names, row_type, plan, key_index, keep))
