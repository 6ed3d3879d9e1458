"""What a scan task tallies, and the per-row scan: call the user's function on each row, tally what goes wrong.

Rows reach a task two ways:

- Arrow: ``mapInArrow`` hands each task record batches; :mod:`.arrowscan` turns each batch into the
  Python values Spark gives a row function (``Row`` objects, or dicts) and calls the function on
  them with no per-row bytecode of its own.  No pickled ``Row`` per row, which is what makes
  ``df.rdd.filter(f)`` slow.  Works on classic Spark and on Spark Connect.
- RDD (classic only): ``df.rdd.mapPartitions`` -- the talk's ``df.rdd.filter(is_this_row_naughty)``
  path, kept for nested schemas on classic, where its ``Row`` objects are Spark's own; it runs
  :func:`scan`, the plain per-row loop (also the reference the Arrow scan is tested against).

A task returns ONE small :class:`Tally`: counts and the first ``k`` example rows per exception
signature, and how many lines the function printed or logged (:class:`Recorder` fills it).
The driver merges the tallies; bad rows are never collected in bulk.  This module imports only
:mod:`dcs_engine.runtime.tasks` from the engine, and both are pickled by value, so executors that
have never heard of dcs-doctor can run them.
"""
from __future__ import annotations

import linecache
import os
import pickle
import re

from dcs_engine.runtime.tasks import OutputCounter

ROW_TYPES = ("row", "dict")

# expected return types by name; "number" accepts int and float (never bool)
EXPECTED_TYPES = {
    "": None, "any": None,
    "bool": (bool,), "int": (int,), "float": (float,), "number": (int, float), "str": (str,),
    "bytes": (bytes, bytearray), "list": (list,), "tuple": (tuple,), "dict": (dict,),
    "not none": "not none",
}


def load_tally(state) -> Tally:
    """A task's Tally back on the driver (tasks send plain tuples, or their pickled bytes)."""
    tally = Tally()
    tally.__setstate__(pickle.loads(state) if isinstance(state, (bytes, bytearray)) else state)
    return tally


# -- message normalisation ----------------------------------------------------
# A quoted token is *code* (kept) when the message's phrasing says so: it names a type, an
# attribute, a module, a variable, an argument or an operator ("'NoneType' object has no
# attribute 'x'", "unsupported operand type(s) for /: 'NoneType' and 'int'", "not 'str'",
# "No module named 'x'"), or it continues a list of such tokens ("'a' and 'b'").  Every other
# quoted token is a *value* from the data (``<str>``), as are numbers (``<num>``) and hex ids /
# UUIDs (``<hex>``) outside quotes.  A message that is one quoted name (a ``KeyError``) is kept.
_QUOTED = re.compile(r"""(?<![\w'"])(['"])((?:\\.|(?!\1).)*?)\1(?![\w'"])""")
_ROLE = re.compile(r"(?<!\w)(?:(?:types?|type\(s\)|arguments?)(?:\s+for\s+[^'\"]{1,20}?)?\s*:?"
                   r"|instances? of|attribute|module|name|named|variable|function|method|descriptor|class"
                   r"|object|not|operand|keyword argument)\s*$")
_FOLLOWED = re.compile(r"\s+(?:object|objects|not supported)\b")
_JOINED = re.compile(r"^\s*(?:,|,?\s*and|,?\s*or)\s*$")
_CODE_TOKEN = re.compile(r"^(?:[A-Za-z_][\w.]*|[-+*/%@<>=!&|^~]{1,3}|in|not in|is|is not)$")
_HEX = re.compile(r"\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F-]*\d)(?=[0-9a-fA-F-]*[a-fA-F])[0-9a-fA-F-]{8,}\b")
_NUM = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z_0-9.]*$")


def _values_out(text: str) -> str:
    return _NUM.sub("<num>", _HEX.sub("<hex>", text))


def normalize_message(text: str) -> str:
    """The message with the data's values replaced by placeholders and the code's names kept.

    Same failure on other data gives the same text; another type, attribute or module gives
    another text (see the rule above)."""
    text = str(text)
    stripped = text.strip()
    whole = _QUOTED.fullmatch(stripped)
    if whole and _IDENT.match(whole.group(2)):
        return stripped
    out, pos, kept_last = [], 0, False
    for m in _QUOTED.finditer(text):
        before = text[pos:m.start()]
        code = bool(_CODE_TOKEN.match(m.group(2))) and (
            bool(_ROLE.search(text[:m.start()])) or bool(_FOLLOWED.match(text, m.end()))
            or (kept_last and bool(_JOINED.match(before))))
        out += [_values_out(before), m.group() if code else "<str>"]
        pos, kept_last = m.end(), code
    out.append(_values_out(text[pos:]))
    return "".join(out)


# -- one task's tally ---------------------------------------------------------
class Tally:
    """What one task (or the merge of several) found."""

    __slots__ = ("scanned", "raised", "returned_bad", "signatures", "stopped", "printed")

    def __init__(self):
        self.printed = 0          # lines the function wrote to stdout/stderr or logged
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
        self.printed += other.printed
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
        return (self.scanned, self.raised, self.returned_bad, self.stopped, self.signatures, self.printed)

    def __setstate__(self, state):
        self.scanned, self.raised, self.returned_bad, self.stopped, self.signatures, self.printed = state


class Recorder:
    """Tallies one task's problems.  What a problem costs is paid once per signature where it can be:
    the code line is read for a new signature only, and a message seen before is not normalised again."""

    __slots__ = ("tally", "k", "max_problems", "user_files", "_bases", "_norm")

    def __init__(self, tally: Tally, k: int, max_problems: int, user_files=()):
        self.tally, self.k, self.max_problems = tally, k, max_problems
        self.user_files = set(user_files)
        self._bases = {os.path.basename(f) for f in self.user_files if not f.startswith("<")}
        self._norm: dict[str, str] = {}

    @property
    def enough(self) -> bool:
        """Has the task found ``max_problems`` problems (then it stops)?"""
        return bool(self.max_problems) and self.tally.problems >= self.max_problems

    def raised(self, exc: BaseException, values: tuple) -> None:
        """Count ``exc``, raised by the user's function called from the frame that caught it."""
        self.tally.raised += 1
        try:
            message = str(exc)
        except Exception:
            message = "<unprintable message>"
        norm = self._norm.get(message)
        if norm is None:
            norm = normalize_message(message)
            if len(self._norm) < 4096:
                self._norm[message] = norm
        filename, lineno, frame = self._where(exc)
        key = ("raised", type(exc).__qualname__, norm, filename, lineno)
        line = "" if key in self.tally.signatures else _code_line(filename, lineno, frame)
        self.tally.add(key, values, message, line, self.k)

    def returned(self, out, values: tuple) -> None:
        self.tally.returned_bad += 1
        self.tally.add(("returned", type(out).__qualname__, "", "", 0), values, repr(out)[:200], "", self.k)

    def _where(self, exc: BaseException):
        """(file, line number, frame) of the last frame in the user's files, else of the last frame
        (the catching frame itself is left out)."""
        tb = exc.__traceback__
        tb = tb.tb_next if tb is not None else None
        pick = last = None
        while tb is not None:
            last = tb
            name = tb.tb_frame.f_code.co_filename
            if name in self.user_files or (self._bases and os.path.basename(name) in self._bases):
                pick = tb
            tb = tb.tb_next
        pick = pick or last
        if pick is None:
            return ("", 0, None)
        return (pick.tb_frame.f_code.co_filename, pick.tb_lineno or 0, pick.tb_frame)


def _code_line(filename: str, lineno: int, frame) -> str:
    """The source line, as a traceback shows it."""
    if frame is None or not lineno:
        return ""
    linecache.lazycache(filename, frame.f_globals)
    linecache.checkcache(filename)
    return linecache.getline(filename, lineno).strip()


def return_rule(expected) -> tuple | None:
    """What a returned value must be: None (anything), ``("not none",)``, or ``(types, bool_is_wrong)``
    -- True is an int, but not a number unless ``bool`` is expected.  Both scans test against it."""
    if expected is None:
        return None
    if expected == "not none":
        return ("not none",)
    types = tuple(expected)
    return (types, bool not in types)


def _bad_return(expected):
    """None (any value is fine), or a test of one returned value against the expected type."""
    rule = return_rule(expected)
    if rule is None:
        return None
    if len(rule) == 1:
        return lambda out: out is None
    types, no_bool = rule
    if not no_bool:
        return lambda out: not isinstance(out, types)
    return lambda out: not isinstance(out, types) or isinstance(out, bool)


def scan(rows, func, *, max_problems: int = 0, k: int = 5, expected=None, user_files=()) -> Tally:
    """Call ``func`` on each ``(values, row)`` of ``rows``; tally what goes wrong."""
    tally = Tally()
    rec = Recorder(tally, k, max_problems, user_files)
    bad = _bad_return(expected)
    scanned = 0
    for values, row in rows:
        scanned += 1
        try:
            out = func(row)
        except Exception as exc:  # the whole point: keep going
            rec.raised(exc, values)
        else:
            if bad is None or not bad(out):
                continue
            rec.returned(out, values)
        if rec.enough:
            tally.stopped = True
            break
    tally.scanned = scanned
    return tally


# -- the tasks ----------------------------------------------------------------
def udf_call(func, indexes):
    """Call ``func`` with some values of the row as arguments, as Spark calls a UDF."""
    indexes = list(indexes)

    def call(values):
        return func(*[values[i] for i in indexes])
    return call


def _counted_scan(pairs, func, opts) -> Tally:
    with OutputCounter() as out:
        tally = scan(pairs, func, **opts)
    tally.printed = out.lines
    return tally


def rdd_task(func, names, row_type, opts):
    """For ``rdd.mapPartitions`` (classic Spark): one pickled Tally per task."""
    def task(rows):
        yield pickle.dumps(_counted_scan(rdd_rows(rows, names, row_type), func, opts).__getstate__(),
                           protocol=pickle.HIGHEST_PROTOCOL)
    return task


def rdd_rows(rows, names, row_type: str):
    """``(values, row)`` pairs from the Rows of ``df.rdd``."""
    if row_type == "dict":
        for r in rows:
            values = tuple(r)
            yield values, dict(zip(names, values))
    elif row_type == "tuple":
        for r in rows:
            values = tuple(r)
            yield values, values
    else:
        for r in rows:
            yield tuple(r), r


def arrow_friendly(schema) -> bool:
    """Are the Arrow path's values exactly ``df.rdd``'s for this schema (flat atomic columns)?"""
    from pyspark.sql import types as T

    atomic = (T.StringType, T.BooleanType, T.ByteType, T.ShortType, T.IntegerType, T.LongType,
              T.FloatType, T.DoubleType, T.DecimalType, T.DateType, T.NullType, T.TimestampType,
              T.TimestampNTZType)
    return all(isinstance(f.dataType, atomic) for f in schema.fields)
