"""How rows reach the user's function on executors, and what comes back.

Two ways to feed rows:

- ``arrow`` (default when the schema is flat): ``df.mapInArrow`` hands each
  task Arrow record batches; every column is turned into a Python list once
  and the rows are assembled from those lists.  No pickled ``Row`` per row,
  which is what makes ``df.rdd.filter(f)`` slow.
- ``rdd``: ``df.rdd.mapPartitions`` -- the same path as the talk's
  ``df.rdd.filter(is_this_row_naughty)``; used for nested schemas (structs,
  arrays, maps), where Arrow would give dicts and lists instead of ``Row``.

Each row is a ``pyspark.sql.Row`` (``row['field']`` and ``row.field`` both
work, as in ``df.rdd.filter(lambda row: ...)``) or a plain ``dict``.

A task scans its rows with :func:`scan` and returns ONE small pickled
:class:`Tally`: counts and the first ``k`` example rows per exception
signature.  The driver merges the tallies; bad rows are never collected in
bulk.  This module imports nothing from the rest of ``dcs_engine`` and is
pickled by value (:func:`register_by_value`), so executors that have never
heard of dcs-doctor can run it.
"""
from __future__ import annotations

import os
import pickle
import re
import traceback

ROW_TYPES = ("row", "dict")

# expected return types by name; "number" accepts int and float (never bool)
EXPECTED_TYPES = {
    "": None, "any": None,
    "bool": (bool,), "int": (int,), "float": (float,), "number": (int, float), "str": (str,),
    "bytes": (bytes, bytearray), "list": (list,), "tuple": (tuple,), "dict": (dict,),
    "not none": "not none",
}


def load_tally(blob: bytes) -> Tally:
    """A task's Tally back on the driver (tasks send plain tuples, not classes)."""
    tally = Tally()
    tally.__setstate__(pickle.loads(blob))
    return tally


def register_by_value() -> None:
    """Ship this module's functions by value in every task."""
    import sys

    from pyspark import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])


# -- message normalisation ----------------------------------------------------
_KEEP_BEFORE = re.compile(r"(attribute|module|name|type|not|argument|keyword argument|function|method)\s+$")
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_HEX = re.compile(r"\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F-]*\d)(?=[0-9a-fA-F-]*[a-fA-F])[0-9a-fA-F-]{8,}\b")
_NUM = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z_0-9.]*$")


def normalize_message(text: str) -> str:
    """Replace the values in an exception message by placeholders.

    Quoted strings become ``<str>``, hex ids ``<hex>``, numbers ``<num>``.
    Quoted Python names are kept where they name a type, attribute or
    function (``'NoneType' object has no attribute 'startswith'`` stays as
    it is), and so is a message that is one quoted name (a ``KeyError``).
    """
    text = str(text)
    if _QUOTED.fullmatch(text.strip()) and _IDENT.match(text.strip()[1:-1]):
        return text.strip()

    def quoted(m):
        inner = m.group()[1:-1]
        before = text[:m.start()]
        after = text[m.end():]
        if _IDENT.match(inner) and (_KEEP_BEFORE.search(before) or after.startswith(" object")):
            return m.group()
        return "<str>"

    out = _QUOTED.sub(quoted, text)
    out = _HEX.sub("<hex>", out)
    return _NUM.sub("<num>", out)


# -- one task's tally ---------------------------------------------------------
class Tally:
    """What one task (or the merge of several) found."""

    __slots__ = ("scanned", "raised", "returned_bad", "signatures", "stopped")

    def __init__(self):
        self.scanned = 0
        self.raised = 0
        self.returned_bad = 0
        self.stopped = False
        # key -> [count, examples(list of value tuples), first raw message, line text]
        self.signatures: dict[tuple, list] = {}

    @property
    def problems(self) -> int:
        return self.raised + self.returned_bad

    def add(self, key: tuple, values: tuple, message: str, line: str, k: int) -> None:
        entry = self.signatures.get(key)
        if entry is None:
            self.signatures[key] = [1, [values] if k > 0 else [], message, line]
            return
        entry[0] += 1
        if len(entry[1]) < k:
            entry[1].append(values)

    def merge(self, other: Tally, k: int) -> Tally:
        self.scanned += other.scanned
        self.raised += other.raised
        self.returned_bad += other.returned_bad
        self.stopped = self.stopped or other.stopped
        for key, (count, examples, message, line) in other.signatures.items():
            entry = self.signatures.get(key)
            if entry is None:
                self.signatures[key] = [count, list(examples[:k]), message, line]
            else:
                entry[0] += count
                entry[1].extend(examples[: max(0, k - len(entry[1]))])
        return self

    def __getstate__(self):
        return (self.scanned, self.raised, self.returned_bad, self.stopped, self.signatures)

    def __setstate__(self, state):
        self.scanned, self.raised, self.returned_bad, self.stopped, self.signatures = state


def _where_raised(exc: BaseException, user_files, user_bases) -> tuple[str, int, str]:
    frames = traceback.extract_tb(exc.__traceback__)[1:]  # drop scan()'s own frame
    pick = None
    for f in frames:
        if f.filename in user_files or os.path.basename(f.filename) in user_bases:
            pick = f
    if pick is None and frames:
        pick = frames[-1]
    if pick is None:
        return ("", 0, "")
    return (pick.filename, pick.lineno or 0, (pick.line or "").strip())


def scan(rows, func, *, max_problems: int = 0, k: int = 5, expected=None, user_files=()) -> Tally:
    """Call ``func`` on each ``(values, row)`` of ``rows``; tally what goes wrong."""
    tally = Tally()
    user_files = set(user_files)
    user_bases = {os.path.basename(f) for f in user_files if not f.startswith("<")}
    check_none = expected == "not none"
    types = None if (expected is None or check_none) else tuple(expected)
    bool_ok = types is not None and bool in types
    scanned = 0
    for values, row in rows:
        scanned += 1
        try:
            out = func(row)
        except Exception as exc:  # the whole point: keep going
            tally.raised += 1
            try:
                message = str(exc)
            except Exception:
                message = "<unprintable message>"
            filename, lineno, line = _where_raised(exc, user_files, user_bases)
            key = ("raised", type(exc).__qualname__, normalize_message(message), filename, lineno)
            tally.add(key, values, message, line, k)
        else:
            if check_none:
                bad = out is None
            elif types is not None:
                bad = not isinstance(out, types) or (not bool_ok and isinstance(out, bool))
            else:
                bad = False
            if not bad:
                continue
            tally.returned_bad += 1
            key = ("returned", type(out).__qualname__, "", "", 0)
            tally.add(key, values, repr(out)[:200], "", k)
        if max_problems and tally.problems >= max_problems:
            tally.stopped = True
            break
    tally.scanned = scanned
    return tally


# -- feeding rows -------------------------------------------------------------
def _row_maker(names, row_type: str):
    names = list(names)
    if row_type == "tuple":
        return lambda values: values
    if row_type == "dict":
        return lambda values: dict(zip(names, values))
    from pyspark.sql import Row

    new = tuple.__new__

    def make(values):
        row = new(Row, values)
        row.__fields__ = names
        return row
    return make


def udf_call(func, indexes):
    """Call ``func`` with some values of the row as arguments, as Spark calls a UDF."""
    indexes = list(indexes)

    def call(values):
        return func(*[values[i] for i in indexes])
    return call


def arrow_rows(batches, names, row_type: str):
    """``(values, row)`` pairs from an iterator of Arrow record batches."""
    make = _row_maker(names, row_type)
    for batch in batches:
        columns = [c.to_pylist() for c in batch.columns]
        for values in zip(*columns):
            yield values, make(values)


def rdd_rows(rows, names, row_type: str):
    """``(values, row)`` pairs from the Rows of ``df.rdd``."""
    if row_type == "dict":
        for r in rows:
            values = tuple(r)
            yield values, dict(zip(names, values))
    else:
        for r in rows:
            yield tuple(r), r


def arrow_task(func, names, row_type, opts):
    """The function given to ``mapInArrow``: one pickled Tally per task."""
    def task(batches):
        import pyarrow as pa

        tally = scan(arrow_rows(batches, names, row_type), func, **opts)
        blob = pickle.dumps(tally.__getstate__(), protocol=pickle.HIGHEST_PROTOCOL)
        yield pa.RecordBatch.from_arrays([pa.array([blob], type=pa.binary())], names=["tally"])
    return task


def rdd_task(func, names, row_type, opts):
    """The function given to ``rdd.mapPartitions``: one pickled Tally per task."""
    def task(rows):
        tally = scan(rdd_rows(rows, names, row_type), func, **opts)
        yield pickle.dumps(tally.__getstate__(), protocol=pickle.HIGHEST_PROTOCOL)
    return task


def arrow_friendly(schema) -> bool:
    """Does Arrow give the same Python values as ``df.rdd`` for this schema?"""
    from pyspark.sql import types as T

    atomic = (T.StringType, T.BooleanType, T.ByteType, T.ShortType, T.IntegerType, T.LongType,
              T.FloatType, T.DoubleType, T.DecimalType, T.DateType, T.NullType)
    return all(isinstance(f.dataType, atomic) for f in schema.fields)
