"""Value shapes, and the literals a ``where`` clause compares columns with.

A *shape* keeps a value's layout and forgets its content: every digit becomes
``9``, every ASCII letter ``a``, everything else is kept.  ``20160620`` is
``99999999`` and ``2016-06-20`` is ``9999-99-99``.  Two refinements keep the
number of shapes small on real data:

- a run of letters and digits that mixes both (hashes, hex ids, tokens such
  as ``e10s`` or ``beta45``) becomes a single ``x``;
- only the first :data:`MAX_LEN` characters are shaped; a longer value gets
  ``…`` appended.

:func:`spark_shape` builds the same shape as a Spark column expression, so the
profile computes it inside the JVM.  :func:`where_literals` reads a SQL
condition far enough to find ``column OP 'literal'`` comparisons (also
``literal OP column``, ``BETWEEN ... AND ...`` and ``IN (...)``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LEN = 40
_DIGITS = "0123456789"
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TABLE = str.maketrans(_DIGITS + _LETTERS, "9" * 10 + "a" * 52)
# a maximal run of a/9 holding both; Java form (possessive, linear) and RE2/Python form
_MIXED_RUN = r"(?<![a9])(?:a++9|9++a)[a9]*+"
_MIXED_RUN_RE2 = r"[a9]*(?:a9|9a)[a9]*"
_MIXED_RE = re.compile(_MIXED_RUN_RE2)


def shape(value) -> str | None:
    """The shape of one value (``None`` stays ``None``)."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    out = text[:MAX_LEN].translate(_TABLE)
    out = _MIXED_RE.sub("x", out)
    return out + "…" if len(text) > MAX_LEN else out


def _arrow_translate(arr):
    """Digits -> 9 and ASCII letters -> a over the raw UTF-8 bytes of a string array.

    Bytes of multi-byte characters are all >= 0x80, so they pass through untouched."""
    import numpy as np
    import pyarrow as pa

    validity, offsets, data = arr.buffers()[:3]
    if data is None or data.size == 0:
        return arr
    lut = np.arange(256, dtype=np.uint8)
    lut[48:58] = ord("9")
    lut[65:91] = ord("a")
    lut[97:123] = ord("a")
    mapped = lut[np.frombuffer(data, dtype=np.uint8)]
    return pa.Array.from_buffers(arr.type, len(arr), [validity, offsets, pa.py_buffer(mapped.tobytes())],
                                 null_count=arr.null_count, offset=arr.offset)


def arrow_shape(arr):
    """:func:`shape` over a pyarrow string array (vectorised; used inside tasks)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if len(arr) == 0 or arr.null_count == len(arr):
        return arr
    longer = pc.greater(pc.utf8_length(arr), MAX_LEN)
    any_long = pc.any(longer).as_py()
    head = _arrow_translate(pc.utf8_slice_codeunits(arr, 0, MAX_LEN) if any_long else arr)
    mixed = pc.fill_null(pc.and_(pc.match_substring(head, "a"), pc.match_substring(head, "9")), False)
    if pc.any(mixed).as_py():
        # a value that is one mixed run (a hash, an id) is just "x"; the rest need the regex
        whole = pc.and_(mixed, pc.fill_null(pc.match_substring_regex(head, "^[a9]+$"), False))
        head = pc.if_else(whole, pa.scalar("x"), head)
        rest = pc.and_not(mixed, whole)
        if pc.any(rest).as_py():
            fixed = pc.replace_substring_regex(pc.filter(head, rest), _MIXED_RUN_RE2, "x")
            head = pc.replace_with_mask(head, rest, fixed)
    if any_long:
        head = pc.if_else(longer, pc.binary_join_element_wise(head, pa.scalar("…"), ""), head)
    return head


def spark_shape(col):
    """:func:`shape` as a Spark expression over a string column."""
    from pyspark.sql import functions as F

    head = F.translate(F.substring(col, 1, MAX_LEN), _DIGITS + _LETTERS, "9" * 10 + "a" * 52)
    head = F.regexp_replace(head, _MIXED_RUN, "x")
    return F.when(F.length(col) > MAX_LEN, F.concat(head, F.lit("…"))).otherwise(head)


# -- what a shape looks like ------------------------------------------------
_KIND_PATTERNS = (
    ("date", re.compile(r"^(9999-99-99|9999/99/99|99/99/9999|99\.99\.9999)$")),
    ("timestamp", re.compile(r"^9999-99-99[ aT]99:99(:99(\.9+)?)?")),
    ("integer", re.compile(r"^[-+]?9+$")),
    ("decimal", re.compile(r"^[-+]?(9+\.9*|\.9+)(a[-+]?9+)?$|^[-+]?9+a[-+]?9+$")),
    ("empty", re.compile(r"^\s*$")),
)


def kind_of(shape_text: str | None, example=None) -> str:
    """A coarse reading of a shape: date, timestamp, integer, decimal, bool, empty, text.

    ``99999999`` reads as ``integer`` (it may also be a yyyyMMdd date: see
    :func:`looks_like_compact_date`).  ``bool`` needs the example value.
    """
    if shape_text is None:
        return "null"
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(shape_text):
            return kind
    if example is not None and str(example).strip().lower() in ("true", "false"):
        return "bool"
    return "text"


def looks_like_compact_date(value) -> bool:
    """Is ``value`` an 8-digit yyyyMMdd date such as 20160620?"""
    text = str(value)
    if not re.fullmatch(r"(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])", text):
        return False
    return True


# -- literals in a where clause -----------------------------------------------
@dataclass(frozen=True)
class Comparison:
    column: str
    op: str
    literal: str            # the literal's text, quotes removed
    quoted: bool            # a string literal ('...') rather than a number

    @property
    def shape(self) -> str:
        return shape(self.literal)

    def describe(self) -> str:
        lit = f"'{self.literal}'" if self.quoted else self.literal
        return f"{self.column} {self.op} {lit}"


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*")
  | (?P<num>[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?[a-zA-Z]{0,2}\b)
  | (?P<ident>`[^`]+`|[A-Za-z_][A-Za-z_0-9]*(?:\.(?:`[^`]+`|[A-Za-z_][A-Za-z_0-9]*))*)
  | (?P<op><=>|<=|>=|<>|!=|==|=|<|>)
  | (?P<punct>[(),])
  | (?P<other>.)
""", re.VERBOSE)

_OPS = {"<=>", "<=", ">=", "<>", "!=", "==", "=", "<", ">"}
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}
_KEYWORDS = {"and", "or", "not", "in", "between", "like", "is", "null", "true", "false", "rlike", "ilike"}


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for m in _TOKEN.finditer(text or ""):
        kind = m.lastgroup
        if kind == "ws":
            continue
        value = m.group()
        if kind == "ident" and value.lower() in _KEYWORDS:
            kind = "kw"
            value = value.lower()
        out.append((kind, value))
    return out


def _column_name(ident: str) -> str:
    last = re.findall(r"`[^`]+`|[^.]+", ident)[-1]
    return last.strip("`")


def _literal(tok: tuple[str, str]) -> tuple[str, bool] | None:
    kind, value = tok
    if kind == "str":
        inner = value[1:-1]
        return inner.replace("''", "'").replace("\\'", "'").replace('\\"', '"'), True
    if kind == "num":
        return value, False
    return None


def where_literals(where: str) -> list[Comparison]:
    """The ``column OP literal`` comparisons in a SQL condition, left to right."""
    toks = _tokens(where)
    out: list[Comparison] = []
    n = len(toks)
    i = 0
    while i < n:
        kind, value = toks[i]
        prev_is_call = i + 1 < n and toks[i + 1] == ("punct", "(")
        if kind == "ident" and not prev_is_call and not (i > 0 and toks[i - 1][1] in ("(",) and i > 1
                                                          and toks[i - 2][0] == "ident"):
            col = _column_name(value)
            j = i + 1
            negated = j < n and toks[j] == ("kw", "not")
            if negated:
                j += 1
            if j < n and toks[j][0] == "op" and j + 1 < n and not negated:
                lit = _literal(toks[j + 1])
                if lit:
                    out.append(Comparison(col, toks[j][1], *lit))
                    i = j + 2
                    continue
            if j < n and toks[j] == ("kw", "between") and j + 3 < n and toks[j + 2] == ("kw", "and"):
                lo, hi = _literal(toks[j + 1]), _literal(toks[j + 3])
                op = "not between" if negated else "between"
                for lit in (lo, hi):
                    if lit:
                        out.append(Comparison(col, op, *lit))
                i = j + 4
                continue
            if j + 1 < n and toks[j] == ("kw", "in") and toks[j + 1] == ("punct", "("):
                k = j + 2
                while k < n and toks[k] != ("punct", ")"):
                    lit = _literal(toks[k])
                    if lit:
                        out.append(Comparison(col, "not in" if negated else "in", *lit))
                    k += 1
                i = k + 1
                continue
        lit = _literal(toks[i])
        if lit and i + 2 < n and toks[i + 1][0] == "op" and toks[i + 2][0] == "ident" \
                and not (i + 3 < n and toks[i + 3] == ("punct", "(")):
            out.append(Comparison(_column_name(toks[i + 2][1]), _FLIP.get(toks[i + 1][1], toks[i + 1][1]), *lit))
            i += 3
            continue
        i += 1
    return out


# -- the profile's per-task tally (runs on executors; pickled by value) -------------
OTHER = "<other shapes>"
MAX_SHAPES_PER_TASK = 20_000


def register_by_value() -> None:
    """Ship this module's functions by value (executors need not have dcs_engine)."""
    import sys

    from pyspark import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])


def _least(a, b):
    return b if a is None else a if b is None else min(a, b)


def _most(a, b):
    return b if a is None else a if b is None else max(a, b)


def merge_groups(acc: dict, shape_key, g: list) -> None:
    """Fold one group ``[cnt, w, w2, vmin, vmax, nmin, nmax, boolish]`` into ``acc``."""
    if shape_key not in acc and len(acc) >= MAX_SHAPES_PER_TASK:
        shape_key = OTHER
    cur = acc.get(shape_key)
    if cur is None:
        acc[shape_key] = list(g)
        return
    for i in (0, 1, 2, 7):
        cur[i] += g[i]
    cur[3], cur[4] = _least(cur[3], g[3]), _most(cur[4], g[4])
    cur[5], cur[6] = _least(cur[5], g[5]), _most(cur[6], g[6])


BATCH_ROWS = 100_000  # fewer, larger batches: each pyarrow call has a fixed cost


def _rebatch(batches, rows):
    """Regroup Arrow record batches into ones of about ``rows`` rows."""
    import pyarrow as pa

    buf, count = [], 0
    for b in batches:
        buf.append(b)
        count += b.num_rows
        if count >= rows:
            yield pa.Table.from_batches(buf).combine_chunks().to_batches()[0]
            buf, count = [], 0
    if count:
        yield pa.Table.from_batches(buf).combine_chunks().to_batches()[0]


def profile_task(kinds):
    """The function given to ``mapInArrow``: per column, shape -> group, one pickled blob per task.

    ``kinds[j]`` is 'string', 'number', 'other' (cast to string) or a '<nested type>' marker.
    The batch holds the profiled columns, then the filter flags ``w`` and ``w2``.
    """
    def task(batches):
        import pickle

        import pyarrow as pa
        import pyarrow.compute as pc

        n = len(kinds)
        acc = [dict() for _ in kinds]
        bools = pa.array(["true", "false"])
        for batch in _rebatch(batches, BATCH_ROWS):
            w, w2 = batch.column(n), batch.column(n + 1)
            size = batch.num_rows
            for j, kind in enumerate(kinds):
                col = batch.column(j)
                if kind.startswith("<"):
                    values = pa.nulls(size, pa.string())
                    shp = pc.if_else(pc.is_valid(col), pa.scalar(kind), pa.scalar(None, pa.string()))
                else:
                    values = col if kind == "string" else pc.cast(col, pa.string())
                    shp = arrow_shape(values)
                num = pc.cast(col, pa.float64()) if kind == "number" else pa.nulls(size, pa.float64())
                boolish = pc.cast(pc.is_in(pc.utf8_lower(values), value_set=bools), pa.int64())
                table = pa.table({"s": shp, "v": values, "n": num, "w": w, "w2": w2, "b": boolish})
                grouped = table.group_by("s").aggregate([
                    ([], "count_all"), ("w", "sum"), ("w2", "sum"), ("v", "min"), ("v", "max"),
                    ("n", "min"), ("n", "max"), ("b", "sum")])
                for r in grouped.to_pylist():
                    merge_groups(acc[j], r["s"], [r["count_all"], r["w_sum"] or 0, r["w2_sum"] or 0, r["v_min"],
                                                  r["v_max"], r["n_min"], r["n_max"], r["b_sum"] or 0])
        blob = pickle.dumps(acc, protocol=pickle.HIGHEST_PROTOCOL)
        yield pa.RecordBatch.from_arrays([pa.array([blob], type=pa.binary())], names=["groups"])
    return task
