"""The driver side of the naughty-row scan: choose the row path, run it, merge the task tallies.

Paths (``engine``):

- ``arrow``: ``mapInArrow`` over Arrow batches (:func:`arrowscan.tally_task` through ``ctx.tally``),
  on classic Spark and on Spark Connect; nested columns become ``Row``/``dict`` values as
  ``df.rdd`` gives them (:mod:`dcs_engine.runtime.tasks`).
- ``rdd`` (classic only): ``df.rdd.mapPartitions``, Spark's own ``Row`` objects; ``auto`` takes it on
  classic Spark for nested schemas.  On Spark Connect ``auto`` is always ``arrow``.

Early stop (``max_problems``): on classic Spark the tasks' outputs are read a few partitions at a
time (1, then 4x more) and the scan stops once enough problems are in; every task also stops at
``max_problems``.  Spark Connect runs no partial jobs: there every partition runs, each task
stopping at ``max_problems``.
"""
from __future__ import annotations

import operator
import sys

from dcs_engine.errors import ParameterError
from dcs_engine.runtime import tasks
from dcs_engine.techniques.naughty_rows import arrowscan, projection, rowcall

ENGINES = ("auto", "arrow", "rdd")


def check_choices(row_type: str, engine: str, max_problems: int, examples: int):
    for param, value, choices in (("row_type", row_type, rowcall.ROW_TYPES), ("engine", engine, ENGINES)):
        if value not in choices:
            raise ParameterError(param.replace("_", " "), condition="PARAM_NOT_A_CHOICE",
                                 params={"param": param, "found": value, "choices": list(choices)},
                                 expected="one of " + ", ".join(choices), found=repr(value),
                                 fix="choose " + " or ".join(choices))
    for param, value in (("max_problems", max_problems), ("examples", examples)):
        if value < 0:
            raise ParameterError("max problems / examples", condition="PARAM_OUT_OF_RANGE",
                                 params={"param": param, "found": value, "min": 0},
                                 expected="0 or more", found=f"{max_problems} / {examples}",
                                 fix="use 0 to scan every row; examples is how many rows to keep per signature")


def expected_types(expected_type: str):
    key = (expected_type or "").strip().lower()
    if key not in rowcall.EXPECTED_TYPES:
        choices = list(rowcall.EXPECTED_TYPES)
        raise ParameterError("expected return type", condition="PARAM_NOT_A_CHOICE",
                             params={"param": "expected_type", "found": expected_type, "choices": choices},
                             expected="one of " + ", ".join(repr(k) for k in choices), found=repr(expected_type),
                             fix="name a Python type such as bool or float, or leave it empty to accept anything")
    return rowcall.EXPECTED_TYPES[key]


def argument_indexes(arguments, columns) -> list[int]:
    """Column positions of a UDF's arguments (a direct caller's names are checked here; the
    technique's are checked against the schema by the registry before any job)."""
    for a in arguments:
        if a not in columns:
            raise ParameterError(f"UDF argument {a!r}", condition="COLUMN_NOT_FOUND",
                                 params={"param": "arguments", "column": a, "available": list(columns)},
                                 expected="one of " + ", ".join(columns), found=repr(a),
                                 fix="name columns of the source as the UDF's arguments")
    return [list(columns).index(a) for a in arguments]


def choose_engine(ctx, engine: str, schema) -> str:
    if engine == "rdd":
        ctx.require("rdd", what="naughty rows' RDD row path",
                    instead="use the row path 'arrow' or 'auto': it runs on Spark Connect, with nested "
                            "columns as Row objects")
        return "rdd"
    if engine == "auto":
        return "rdd" if ctx.has("rdd") and not rowcall.arrow_friendly(schema) else "arrow"
    return engine


def ship_engine(ctx) -> None:
    """The task code travels by value: executors and Connect servers have no dcs_engine."""
    tasks.ship_by_value(ctx)
    ctx.ship_module_by_value(sys.modules[rowcall.__name__])
    ctx.ship_module_by_value(sys.modules[arrowscan.__name__])


def merged_scan(ctx, df, call, row_type: str, engine: str, opts: dict, used=None):
    """(all tasks' tallies merged, a note on the columns read).  ``used``: the only columns ``call``
    reads (None: all); the scan then reads those alone, and the examples are read back whole by their
    row ids -- or, if the read-back does not match what the scan saw, the scan runs again on every column."""
    used = used if engine == "arrow" else None
    merged = rowcall.Tally()
    for tally in tallies(ctx, df, call, row_type, engine, opts, used):
        merged.merge(tally, opts["k"])
    if used is None:
        return merged, ""
    read = f"read only the column(s) the function uses ({', '.join(used) or 'none'})"
    ids = projection.example_ids(merged)
    if not ids or projection.full_examples(merged, _rows_by_id(ctx, df, ids), [df.columns.index(c) for c in used]):
        return merged, read + ("; example rows read back whole" if ids else "")
    merged, _ = merged_scan(ctx, df, call, row_type, engine, opts)
    return merged, "the example rows read back by row id were not the rows scanned: scanned again on every column"


def _rows_by_id(ctx, df, ids) -> dict:
    """Row id -> all values (converted as the scan converts them) of the rows with these ids."""
    from pyspark.sql import functions as F

    plan = tasks.plan_of(df.schema, "row")
    whole = df.select("*", F.monotonically_increasing_id().alias(projection.ROW_ID))
    whole = whole.where(F.col(projection.ROW_ID).isin(ids))
    full = {}
    for found in ctx.tally(whole, arrowscan.fetch_task(ids, plan if tasks.needs_conversion(plan) else None)):
        full.update(found)
    return full


def tallies(ctx, df, call, row_type: str, engine: str, opts: dict, used=None):
    """One Tally per task, in partition order (plus a 'stopped' one if partitions were left)."""
    names = list(df.columns)
    max_problems = opts["max_problems"]
    if engine == "rdd":
        blobs = df.rdd.mapPartitions(rowcall.rdd_task(call, names, row_type, opts))
    else:
        if used is not None:
            df, names, opts = projection.projected(df, used), list(used), {**opts, "row_ids": True}
        plan = tasks.plan_of(df.schema, "row")[:len(names)]
        plan = plan if tasks.needs_conversion(plan) else None
        if not (max_problems and ctx.has("rdd")):
            for state in ctx.tally(df, arrowscan.tally_task(call, names, row_type, plan, opts)):
                yield rowcall.load_tally(state)
            return
        out = df.mapInArrow(arrowscan.arrow_task(call, names, row_type, plan, opts), "tally binary")
        blobs = out.rdd.map(operator.itemgetter(0))
    if not max_problems:
        for blob in blobs.collect():
            yield rowcall.load_tally(blob)
        return
    yield from _until_enough(blobs, max_problems)


def _until_enough(blobs, max_problems: int):
    """Read the tasks' tallies 1, 4, 16... partitions at a time until ``max_problems`` are in."""
    sc = blobs.context
    total, done, step, problems = blobs.getNumPartitions(), 0, 1, 0
    while done < total and problems < max_problems:
        parts = list(range(done, min(total, done + step)))
        for blob in sc.runJob(blobs, list, parts):
            tally = rowcall.load_tally(blob)
            problems += tally.problems
            yield tally
        done += len(parts)
        step *= 4
    if done < total:
        stopped = rowcall.Tally()
        stopped.stopped = True
        yield stopped
