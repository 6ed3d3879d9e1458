"""The part of scale_out that runs on the executors (pickled by value: they have no dcs_engine)."""
from __future__ import annotations

import pickle

from dcs_engine.runtime.tasks import arrow_rows, row_maker


def apply(func, rows, mode: str) -> list:
    """``func`` over ``rows`` the way ``rdd.map`` / ``filter`` / ``flatMap`` would."""
    if mode == "filter":
        return [r for r in rows if func(r)]
    if mode == "flatMap":
        return [x for r in rows for x in func(r)]
    return [func(r) for r in rows]


def portable(value) -> tuple[str, object]:
    """``("value", value)`` when it can travel back, else ``("repr", its repr)`` (e.g. an instance of a
    class that only the executor's unpickled code has)."""
    try:
        pickle.dumps(value)
        return ("value", value)
    except Exception:  # noqa: BLE001 - any pickling failure: show the value instead
        return ("repr", repr(value))


def distributed_task(func, names, row_type, plan, mode):
    """Per task: ``(sample index, how, result)`` for this task's rows (the index is column 0)."""
    def task(batches):
        make = row_maker(names[1:], row_type)
        out = []
        for values, _ in arrow_rows(batches, names, "tuple", plan):
            for value in apply(func, [make(values[1:])], mode):
                out.append((values[0], *portable(value)))
        return out
    return task
