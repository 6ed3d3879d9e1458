"""Named counters that work on executors: the talk's accumulators, made tidy, and two ways that
also work on Spark Connect (which has no accumulators).

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

:class:`Counters` needs a SparkContext (classic Spark).  Everywhere, classic or Connect:

- :func:`count_in_tasks` -- ``func(row, counts)`` on every row, ``counts.add(name)`` inside; each
  task counts in a plain dict and sends it back once (``mapInArrow`` through ``ctx.tally``), so a
  retried task is never counted twice;
- :func:`observe_counts` -- counts of SQL conditions computed while the DataFrame is processed
  (``DataFrame.observe``), without any Python on the executors.

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
        from dcs_engine.runtime.session import is_connect_session

        if is_connect_session(spark_or_sc):
            from dcs_engine.errors import TechniqueUnavailable

            raise TechniqueUnavailable(
                "Counters (accumulators)", condition="TECHNIQUE_NOT_SUPPORTED",
                params={"what": "Counters", "kind": "connect", "capability": "accumulators"},
                expected="a classic session (accumulators need a SparkContext)", found="a Spark Connect session",
                fix="count with count_in_tasks(df, func, *names) (each task sends its counts back), or "
                    "observe_counts(df, name='SQL condition', ...) (DataFrame.observe)")
        if not names:
            from dcs_engine.errors import ParameterError
            raise ParameterError("Counters()", condition="PARAM_MISSING", params={"param": "names", "found": ""},
                                 expected="at least one counter name", found="none",
                                 fix="e.g. Counters(spark, 'almost_every_time', 'once_in_a_blue_moon')")
        bad = [n for n in names if not isinstance(n, str) or not n]
        if bad or len(set(names)) != len(names):
            from dcs_engine.errors import ParameterError
            raise ParameterError("Counters() names", condition="PARAM_INVALID",
                                 params={"param": "names", "found": list(map(repr, names))},
                                 expected="distinct non-empty strings",
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


class TaskCounts:
    """The counters one task fills (see :func:`count_in_tasks`); builtins only."""

    def __init__(self, names):
        self.names = tuple(names)
        self.values = dict.fromkeys(self.names, 0)

    def add(self, name: str, n: int = 1) -> None:
        if name not in self.values:
            raise KeyError(f"unknown counter {name!r}; expected one of {', '.join(self.names)}; "
                           f"fix: name it in count_in_tasks(df, func, ...) or correct the name")
        self.values[name] += n


def _counting_task(func, names, columns, plan):
    from dcs_engine.runtime.tasks import function_items

    def task(batches):
        counts = TaskCounts(names)
        for row in function_items(batches, columns, "row", plan):
            func(row, counts)
        return counts.values
    return task


def count_in_tasks(df, func, *names: str) -> dict:
    """Call ``func(row, counts)`` on every row of ``df``; ``counts.add(name)`` counts.  Each task
    sends its counts back once; the sums, by name.  Classic Spark and Spark Connect alike."""
    from dcs_engine.runtime import tasks
    from dcs_engine.runtime.context import context_for

    if not names or len(set(names)) != len(names) or not all(isinstance(n, str) and n for n in names):
        from dcs_engine.errors import ParameterError

        raise ParameterError("count_in_tasks() names", condition="PARAM_INVALID",
                             params={"param": "names", "found": list(map(repr, names))},
                             expected="one or more distinct non-empty names", found=repr(names),
                             fix="e.g. count_in_tasks(df, process, 'almost_every_time', 'once_in_a_blue_moon')")
    ctx = context_for(df.sparkSession)
    tasks.ship_by_value(ctx)
    plan = tasks.plan_of(df.schema, "row")
    parts = ctx.tally(df, _counting_task(func, names, list(df.columns), plan if tasks.needs_conversion(plan) else None))
    return {n: sum(p[n] for p in parts) for n in names}


def observe_counts(df, **conditions: str) -> dict:
    """Rows matching each SQL condition (``name='active_experiment_id is null'``), counted by
    ``DataFrame.observe`` while ``df`` is read once (the noop sink): no Python on the executors."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    if not conditions:
        from dcs_engine.errors import ParameterError

        raise ParameterError("observe_counts()", condition="PARAM_MISSING", params={"param": "conditions", "found": ""},
                             expected="at least one name='SQL condition'", found="none",
                             fix="e.g. observe_counts(df, no_experiment='active_experiment_id is null')")
    obs = Observation("dcs-counts")
    observed = df.observe(obs, *[F.count_if(F.expr(c)).alias(n) for n, c in conditions.items()])
    observed.write.format("noop").mode("overwrite").save()
    got = obs.get
    return {n: int(got[n]) for n in conditions}


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
