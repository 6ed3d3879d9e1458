"""Executor-side helpers for lesson checks.

Pickled *by value* (see :func:`register_by_value`): executors that have never
heard of this project can run them.  Standard library only.
"""
from __future__ import annotations


def register_by_value() -> None:
    import sys

    from pyspark import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])


def _error_text(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"


def safe_calls(func, key: str, as_dict: bool = True):
    """A ``mapPartitions`` function: call ``func`` on every row, never raise.

    Yields ``(row key, True, result)`` or ``(row key, False, 'Error: message')``.
    """
    def per_partition(rows):
        for row in rows:
            arg = row.asDict(recursive=True) if as_dict else row
            try:
                yield (row[key], True, func(arg))
            except Exception as exc:  # the student's error is the evidence
                yield (row[key], False, _error_text(exc))
    return per_partition
