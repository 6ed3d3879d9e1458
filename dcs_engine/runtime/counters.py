"""Named counters that work on executors -- the talk's accumulators, made tidy.

    counters = Counters(spark, "almost_every_time", "once_in_a_blue_moon")

    def process(row):
        if row["active_experiment_id"] is not None:
            counters.add("almost_every_time")
        else:
            counters.add("once_in_a_blue_moon")
        return row

    df.rdd.foreach(process)        # one action fills the counters
    counters.values()              # {'almost_every_time': 12, 'once_in_a_blue_moon': 988}

All names share ONE Spark accumulator whose value is a dict (``DictSum``).
Counts added inside an *action* (``foreach``, ``foreachPartition``) are applied
exactly once per task; counts added inside a transformation (``map``) are
applied again when a task is retried or a stage recomputed.

This module is pickled *by value* to executors (see the bottom), so everything
that runs there uses builtins only: executors need not have ``dcs_engine``.
"""
from __future__ import annotations

from pyspark.accumulators import AccumulatorParam


class DictSum(AccumulatorParam):
    """Accumulator values are dicts; integer values add up, list values
    concatenate (capped at ``LIST_CAP`` items, e.g. the first error messages)."""

    LIST_CAP = 5

    def zero(self, value):
        return {}

    def addInPlace(self, value1, value2):
        for key, val in value2.items():
            if isinstance(val, list):
                have = value1.setdefault(key, [])
                have.extend(val[: max(0, self.LIST_CAP - len(have))])
            else:
                value1[key] = value1.get(key, 0) + val
        return value1


def _context(spark_or_sc):
    return getattr(spark_or_sc, "sparkContext", spark_or_sc)


def dict_accumulator(spark_or_sc):
    """A fresh accumulator summing dicts (see :class:`DictSum`)."""
    return _context(spark_or_sc).accumulator({}, DictSum())


class Counters:
    """A fixed set of named counters backed by one accumulator."""

    def __init__(self, spark_or_sc, *names: str):
        if not names:
            from dcs_engine.errors import ParameterError
            raise ParameterError("Counters()", expected="at least one counter name", found="none",
                                 fix="e.g. Counters(spark, 'almost_every_time', 'once_in_a_blue_moon')")
        bad = [n for n in names if not isinstance(n, str) or not n]
        if bad or len(set(names)) != len(names):
            from dcs_engine.errors import ParameterError
            raise ParameterError("Counters() names", expected="distinct non-empty strings",
                                 found=repr(names), fix="name every counter once")
        self.names = tuple(names)
        self._acc = dict_accumulator(spark_or_sc)

    def add(self, name: str, n: int = 1) -> None:
        """Count ``n`` hits of ``name`` (call it in your function, on executors)."""
        if name not in self.names:
            # Builtins only: this may run on an executor without dcs_engine.
            raise KeyError(f"unknown counter {name!r}; expected one of {', '.join(self.names)}; "
                           f"fix: declare it in Counters(spark, ...) or correct the name")
        self._acc.add({name: n})

    def values(self) -> dict:
        """Counter values, read on the driver after an action."""
        got = self._acc.value
        return {n: got.get(n, 0) for n in self.names}

    def __getitem__(self, name: str) -> int:
        return self.values()[name]

    def reset(self) -> None:
        self._acc.value = {}


def _ship_by_value() -> None:
    """Make cloudpickle send this module's classes and functions by value, so a
    cluster's executors can use them without dcs_engine installed."""
    import sys

    from pyspark import cloudpickle

    try:
        cloudpickle.register_pickle_by_value(sys.modules[__name__])
    except ValueError:  # already registered
        pass


_ship_by_value()
