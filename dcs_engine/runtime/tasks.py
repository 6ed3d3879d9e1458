"""Code that runs inside Spark tasks for the techniques that call the user's code.

Executors (a cluster's, or a Spark Connect server's Python workers) have no dcs-doctor installed,
so this module imports nothing from ``dcs_engine`` and is pickled by value
(:func:`ship_by_value`, done by the context's ``ship_module_by_value``).  Tasks reference its
functions directly (never the module), so each travels on its own.

- :func:`arrow_rows` turns the Arrow record batches that ``mapInArrow`` hands a task into the
  Python values Spark gives a row-level function: ``pyspark.sql.Row`` objects (``row['f']`` and
  ``row.f`` work) or dicts, nested structs as ``Row`` or ``dict``, maps as ``dict``, timestamps as
  naive local datetimes -- what ``df.rdd`` gives on classic Spark, on both kinds of session.
  The conversion plan is made once on the driver (:func:`plan_of`); flat columns of atomic types
  need none and take the fast path (one ``to_pylist`` per column).
- :func:`group_consecutive` turns rows sorted by a key into ``(key, [rows])`` groups.
- :class:`OutputCounter` counts what the user's code prints or logs while a task runs; the text
  itself is kept by Spark 4.1+'s Python worker logs (:mod:`dcs_engine.runtime.worker_logs`).
"""
from __future__ import annotations

import datetime as _dt
import functools
import itertools
import logging
import sys

ROW_TYPES = ("row", "dict", "tuple")
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_MICRO = _dt.timedelta(microseconds=1)


# -- the plan (made on the driver from the DataFrame's schema) ---------------------------------
def plan_of(schema, struct_as: str = "row"):
    """Per top-level field: ``None`` (Arrow's own values are Spark's) or a converter spec.

    Specs are plain tuples: ``("ts",)``, ``("array", spec)``, ``("map", kspec, vspec)``,
    ``("struct", names, specs, as_row)``."""
    return tuple(_spec(f.dataType, struct_as) for f in schema.fields)


def _spec(dt, struct_as: str):
    from pyspark.sql import types as T

    if isinstance(dt, T.TimestampType):
        return ("ts",)
    if isinstance(dt, T.ArrayType):
        inner = _spec(dt.elementType, struct_as)
        return None if inner is None else ("array", inner)
    if isinstance(dt, T.MapType):
        return ("map", _spec(dt.keyType, struct_as), _spec(dt.valueType, struct_as))
    if isinstance(dt, T.StructType):
        specs = tuple(_spec(f.dataType, struct_as) for f in dt.fields)
        if struct_as == "dict" and not any(specs):
            return None
        return ("struct", tuple(dt.names), specs, struct_as == "row")
    return None


def needs_conversion(plan) -> bool:
    return any(s is not None for s in plan)


# -- the converters (run on executors) ---------------------------------------------------------
def _timestamp(value):
    """A tz-aware Arrow timestamp as Spark's ``TimestampType.fromInternal`` gives it: naive local time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.UTC)
    micros = (value - _EPOCH) // _MICRO
    return _dt.datetime.fromtimestamp(micros // 1_000_000).replace(microsecond=micros % 1_000_000)


def converter(spec):
    """A function from Arrow's Python value to Spark's, for one spec (``None``: identity)."""
    if spec is None:
        return None
    kind = spec[0]
    if kind == "ts":
        return _timestamp
    if kind == "array":
        inner = converter(spec[1])
        return lambda v: None if v is None else [inner(x) for x in v]
    if kind == "map":
        kc, vc = converter(spec[1]) or _same, converter(spec[2]) or _same
        return lambda v: None if v is None else {kc(k): vc(x) for k, x in v}
    names, specs, as_row = spec[1], spec[2], spec[3]
    convs = [converter(s) or _same for s in specs]
    if as_row:
        make = _row_maker(names)
        return lambda v: None if v is None else make(tuple(c(v.get(n)) for n, c in zip(names, convs)))
    return lambda v: None if v is None else {n: c(v.get(n)) for n, c in zip(names, convs)}


def _same(v):
    return v


def row_class(names):
    """A ``pyspark.sql.Row`` subclass for rows of these field names, as fast to read by name as it gets.

    ``Row.__getitem__`` finds a name with ``list.index`` on every access, and ``row.f`` goes through a
    failed attribute lookup first; this class finds a name (a ``str``) with one subscript of a dict made
    once and a position (an ``int``) directly, reads ``row.f`` through a property that reads the tuple
    itself, and keeps ``__fields__`` on the class, so a row is made by ``tuple.__new__`` alone.  Anything
    else (a slice, a ``str`` subclass, an unknown name and its error, a name that is also a method such
    as ``count``) is ``Row``'s own behaviour; repr, ``asDict``, ``in`` and ``==`` are Row's, and a row
    pickles as a plain ``Row``."""
    from pyspark.sql import Row

    names = list(names)
    index = {}
    for i, name in enumerate(names):
        index.setdefault(name, i)        # the first of duplicated names, as Row's list.index finds it
    item_of, row_item = tuple.__getitem__, Row.__getitem__

    def __getitem__(self, item):
        if item.__class__ is str:
            try:
                return item_of(self, index[item])
            except KeyError:
                pass
        elif item.__class__ is int:
            return item_of(self, item)
        return row_item(self, item)      # outside any except: Row's errors carry no context of ours

    body = {name: property(_position(i)) for name, i in index.items()
            if not name.startswith("__") and not hasattr(Row, name)}
    body.update(__getitem__=__getitem__, __fields__=names, __module__=Row.__module__, __qualname__="Row")
    return type("Row", (Row,), body)


def _position(i: int):
    item_of = tuple.__getitem__
    return lambda self: item_of(self, i)


def _row_maker(names):
    return functools.partial(tuple.__new__, row_class(names))


def dict_maker(names):
    """A function of one row's values (one argument per column) returning the row as a dict.

    Generated once per schema: a dict display with the names as constant keys builds a row about twice
    as fast as ``dict(zip(names, values))``, with the same result (a duplicated name keeps its first
    place and its last value).  The names enter the source only as ``repr`` string literals."""
    args = [f"v{i}" for i in range(len(names))]
    body = ", ".join(f"{name!r}: {arg}" for name, arg in zip(names, args))
    return eval(f"lambda {', '.join(args)}: {{{body}}}", {})  # names as literals only, see above


def row_maker(names, row_type: str):
    """Values tuple -> what the user's function receives."""
    if row_type == "tuple":
        return _same
    if row_type == "dict":
        names = list(names)
        return lambda values: dict(zip(names, values))
    return _row_maker(names)


def batch_columns(batch, plan=None) -> list:
    """One Arrow record batch as a list of columns, each a list of the values Spark gives a row."""
    columns = [c.to_pylist() for c in batch.columns]
    if plan:
        for i, spec in enumerate(plan):
            conv = converter(spec) if spec is not None else None
            if conv is not None:
                columns[i] = [conv(v) for v in columns[i]]
    return columns


def batch_values(batch, plan=None):
    """The converted values of one Arrow record batch: an iterator of tuples, one per row."""
    columns = batch_columns(batch, plan)
    return zip(*columns) if columns else iter([()] * batch.num_rows)


def rows_stream(names, row_type: str):
    """``stream(columns, n) -> (rows, pace)``: an iterator of what the user's function receives, made
    one at a time from one batch's columns (from :func:`batch_columns`; ``n`` rows) by C-level
    iterators (no Python call per row, except the generated dict builder's), and the iterator the rows
    advance: ``operator.length_hint(pace)`` is how many rows are not made yet.  A row made just before
    its call and dropped after it keeps memory warm and gives the garbage collector nothing to count."""
    names = list(names)
    new, repeat = tuple.__new__, itertools.repeat
    if row_type == "dict":
        make = dict_maker(names)
    elif row_type != "tuple":
        cls = row_class(names)

    def stream(columns, n: int):
        if not columns:                       # rows without columns: still n distinct calls
            pace = repeat((), n)
            rows = pace if row_type == "tuple" else map(dict, pace) if row_type == "dict" else \
                map(new, repeat(cls), pace)
            return rows, pace
        its = [iter(c) for c in columns]
        if row_type == "dict":
            return map(make, *its), its[0]
        values = zip(*its)
        return (values if row_type == "tuple" else map(new, repeat(cls), values)), its[0]
    return stream


def _batch_pairs(batch, plan, names, row_type: str, make):
    """``(values, row)`` pairs of one batch, made by C-level iterators (no Python call per row for
    rows and tuples; dicts by the generated :func:`dict_maker`)."""
    values = list(batch_values(batch, plan))
    if row_type == "tuple":
        return zip(values, values)
    if row_type == "dict":
        return zip(values, itertools.starmap(make, values))
    return zip(values, map(make, values))


def arrow_rows(batches, names, row_type: str = "row", plan=None):
    """``(values, row)`` pairs from a task's Arrow record batches."""
    names = list(names)
    make = dict_maker(names) if row_type == "dict" else row_maker(names, row_type)
    return itertools.chain.from_iterable(_batch_pairs(b, plan, names, row_type, make) for b in batches)


def group_consecutive(pairs, key_index: int):
    """``(key, [rows])`` from ``(values, row)`` pairs sorted (or clustered) by ``values[key_index]``."""
    marker = object()
    key, group = marker, []
    for values, row in pairs:
        k = values[key_index]
        if k != key or key is marker:
            if group:
                yield key, group
            key, group = k, []
        group.append(row)
    if group:
        yield key, group


def function_items(batches, names, row_type: str, plan=None, key_index: int | None = None):
    """What a row-level function receives: each row, or ``(key, [rows])`` per key when the rows
    come clustered by the column at ``key_index``."""
    pairs = arrow_rows(batches, names, row_type, plan)
    if key_index is None:
        return (row for _, row in pairs)
    return group_consecutive(pairs, key_index)


# -- what the user's code prints or logs -------------------------------------------------------
class _CountingStream:
    def __init__(self, delegate, counter):
        self._delegate = delegate
        self._counter = counter

    def write(self, s):
        if isinstance(s, str) and s.strip() and not self._counter.forwarding:
            self._counter.printed += 1
        return self._delegate.write(s)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._delegate, name)


class _CountingHandler(logging.Handler):
    """Counts records; where ours is the only handler a record meets, it still reaches stderr through
    ``logging.lastResort``, as it would have without us."""

    def __init__(self, counter):
        super().__init__(logging.NOTSET)
        self._counter = counter

    def emit(self, record):
        self._counter.logged += 1
        logger = logging.getLogger(record.name)
        while logger is not None:
            if any(h is not self for h in logger.handlers):
                return
            logger = logger.parent if logger.propagate else None
        last = logging.lastResort
        if last is not None and record.levelno >= last.level:
            self._counter.forwarding = True   # already counted as a record
            try:
                last.handle(record)
            finally:
                self._counter.forwarding = False


class OutputCounter:
    """While active, count non-blank writes to stdout/stderr and records reaching the root logger.

    Spark's own capture (when worker logging is on) still sees everything: writes go on to the
    stream that was in place."""

    def __init__(self):
        self.printed = 0
        self.logged = 0
        self.forwarding = False

    @property
    def lines(self) -> int:
        return self.printed + self.logged

    def __enter__(self):
        self._saved = (sys.stdout, sys.stderr)
        sys.stdout = _CountingStream(sys.stdout, self)
        sys.stderr = _CountingStream(sys.stderr, self)
        self._handler = _CountingHandler(self)
        logging.getLogger().addHandler(self._handler)
        return self

    def __exit__(self, *exc):
        sys.stdout, sys.stderr = self._saved
        logging.getLogger().removeHandler(self._handler)
        return False


# -- the driver side ----------------------------------------------------------------------------
def ship_by_value(ctx) -> None:
    """Make this module travel inside the tasks (``ctx``: the run's Context)."""
    ctx.ship_module_by_value(sys.modules[__name__])


def slots(ctx) -> int:
    """Task slots of the session: the default parallelism (on Spark Connect: the partitions of a
    default ``range``, which is the same number, read with one tiny job)."""
    if ctx.has("spark_context"):
        return max(1, int(ctx.spark.sparkContext.defaultParallelism))
    from pyspark.sql import functions as F

    parts = ctx.spark.range(0, 1 << 16).select(F.spark_partition_id().alias("p"))
    top = parts.agg(F.max("p").alias("p")).first()["p"]
    return max(1, int(top) + 1)
