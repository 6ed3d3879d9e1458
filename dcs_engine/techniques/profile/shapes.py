"""Value shapes, and the literals a ``where`` clause compares columns with.

A *shape* keeps a value's layout and forgets its content: every digit becomes
``9``, every ASCII letter ``a``, everything else is kept.  ``20160620`` is
``99999999`` and ``2016-06-20`` is ``9999-99-99``.  Two refinements keep the
number of shapes small on real data:

- a run of letters and digits that mixes both (hashes, hex ids, tokens such
  as ``e10s`` or ``beta45``) becomes a single ``x``;
- only the first :data:`MAX_LEN` characters are shaped; a longer value gets
  ``…`` appended.

:func:`arrow_shape` computes the same shapes over a pyarrow array (the profile's
tasks use it).  :func:`where_literals` reads a SQL
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
# a maximal run of a/9 holding both (RE2 and Python syntax)
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


def _luts():
    """Byte tables: translate (digit -> '9', ASCII letter -> 'a') and classify (letter 1, digit 2, other 4)."""
    import numpy as np

    lut = np.arange(256, dtype=np.uint8)
    flags = np.full(256, 4, dtype=np.uint8)
    for lo, hi, char, flag in ((48, 58, "9", 2), (65, 91, "a", 1), (97, 123, "a", 1)):
        lut[lo:hi] = ord(char)
        flags[lo:hi] = flag
    return lut, flags


def _arrow_translate(arr):
    """Digits -> 9 and ASCII letters -> a over the raw UTF-8 bytes of a string array.

    Bytes of multi-byte characters are all >= 0x80, so they pass through untouched."""
    import numpy as np
    import pyarrow as pa

    validity, offsets, data = arr.buffers()[:3]
    if data is None or data.size == 0:
        return arr
    mapped = np.take(_luts()[0], np.frombuffer(data, dtype=np.uint8))
    return pa.Array.from_buffers(arr.type, len(arr), [validity, offsets, pa.py_buffer(mapped)],
                                 null_count=arr.null_count, offset=arr.offset)


def _char_classes(arr):
    """Per value, the OR of its bytes' classes: 1 an ASCII letter, 2 a digit, 4 anything else (0 if empty).

    ``arr`` is a non-empty string array with a data buffer; null slots hold garbage."""
    import numpy as np

    _, offsets, data = arr.buffers()[:3]
    off = np.frombuffer(offsets, dtype=np.int32)[arr.offset:arr.offset + len(arr) + 1]
    first, last = int(off[0]), int(off[-1])
    flags = np.empty(last - first + 1, dtype=np.uint8)
    flags[-1] = 0  # sentinel: empty values at the end start here
    np.take(_luts()[1], np.frombuffer(data, dtype=np.uint8, count=last - first, offset=first), out=flags[:-1])
    bits = np.bitwise_or.reduceat(flags, off[:-1] - first)
    bits[off[1:] == off[:-1]] = 0
    return bits


def arrow_shape(arr):
    """:func:`shape` over a pyarrow string array (vectorised; used inside tasks)."""
    return _arrow_shape(arr)[0]


def _arrow_shape(arr):
    """(:func:`arrow_shape`, ``"x"`` when every non-null value is one mixed run, else ``None``)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.string():  # large_string (spark.sql.execution.arrow.useLargeVarTypes)
        arr = arr.cast(pa.string())
    if len(arr) == 0 or arr.null_count == len(arr):
        return arr, None
    longer, any_long = None, False
    if pc.max(pc.binary_length(arr)).as_py() > MAX_LEN:  # bytes >= characters: only then count characters
        longer = pc.greater(pc.utf8_length(arr), MAX_LEN)
        any_long = pc.any(longer).as_py()
    head = pc.utf8_slice_codeunits(arr, 0, MAX_LEN) if any_long else arr
    if head.buffers()[2] is None or head.buffers()[2].size == 0:
        return head, None
    bits = _char_classes(head)
    if head.null_count:
        bits[~pc.is_valid(head).to_numpy(zero_copy_only=False)] = 0
    whole = bits == 3   # only letters and digits, both present: one mixed run, "x"
    rest = bits == 7    # letters, digits and other characters: a mixed run may sit inside
    n_whole = int(np.count_nonzero(whole))
    if n_whole == len(head) - head.null_count and not any_long:
        return pc.if_else(pc.is_valid(head), pa.scalar("x"), pa.scalar(None, pa.string())), "x"
    head = _arrow_translate(head)
    if n_whole:
        head = pc.if_else(pa.array(whole), pa.scalar("x"), head)
    if rest.any():
        mask = pa.array(rest)
        head = pc.replace_with_mask(head, mask, pc.replace_substring_regex(pc.filter(head, mask), _MIXED_RUN_RE2, "x"))
    if any_long:
        head = pc.if_else(longer, pc.binary_join_element_wise(head, pa.scalar("…"), ""), head)
    return head, None


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


def _bool_words():
    """'true' and 'false' in every mix of cases (so ``is_in`` needs no ``utf8_lower`` first)."""
    from itertools import product

    return [''.join(cs) for w in ("true", "false") for cs in product(*[(c, c.upper()) for c in w])]


def _sums(idx, size, flags):
    """Per index: rows, rows passing the filter, rows passing the rewritten filter (numpy).

    ``flags`` is 1 for rows passing the filter plus 2 for rows passing the rewritten one:
    one ``bincount`` over ``4 * index + flags`` counts all four combinations."""
    import numpy as np

    c = np.bincount(idx.astype(np.int64) * 4 + flags, minlength=4 * size).reshape(-1, 4)
    return c.sum(axis=1), c[:, 1] + c[:, 3], c[:, 2] + c[:, 3]


def _null_slots(col):
    import pyarrow.compute as pc

    return ~pc.is_valid(col).to_numpy(zero_copy_only=False)


def _nested_groups(col, marker, flags):
    """A nested column: one group for the present values (named by ``marker``), one for nulls."""
    import numpy as np

    idx = _null_slots(col).astype(np.intp) if col.null_count else np.zeros(len(col), np.intp)
    cnt, wc, w2c = _sums(idx, 2, flags)
    return [(key, [int(cnt[i]), int(wc[i]), int(w2c[i]), None, None, None, None, 0])
            for i, key in ((0, marker), (1, None)) if cnt[i]]


def _integer_groups(col, flags):
    """An integer column: a value's shape is its sign and number of digits, so no text is built.

    Within one shape, text order is numeric order (reversed for negatives), which gives the
    smallest and largest text of each shape from its numeric extremes."""
    import numpy as np
    import pyarrow.compute as pc

    vals = (pc.fill_null(col, 0) if col.null_count else col).to_numpy(zero_copy_only=False).astype(np.int64)
    neg = vals < 0
    mag = np.where(neg, -(vals + 1), vals).astype(np.uint64) + neg  # |v|, also for int64's minimum
    code = np.searchsorted(np.array([10 ** k for k in range(1, 20)], dtype=np.uint64), mag, side="right") + 1
    code[neg] += 20
    if col.null_count:
        code[_null_slots(col)] = 0
    cnt, wc, w2c = _sums(code, 41, flags)
    present = np.flatnonzero(cnt)
    out = []
    for c in present.tolist():
        g = [int(cnt[c]), int(wc[c]), int(w2c[c]), None, None, None, None, 0]
        key = None
        if c:
            sel = vals if len(present) == 1 else vals[code == c]
            lo, hi = int(sel.min()), int(sel.max())
            negative = c > 20
            g[3:7] = [str(hi), str(lo), lo, hi] if negative else [str(lo), str(hi), lo, hi]
            key = "-" * negative + "9" * (c - 20 * negative)
        out.append((key, g))
    return out


def _aggregate(table, kind, count):
    """Group ``table`` (s, v, w, w2[, n][, b][, c]) by shape: sums and min/max per shape."""
    aggs = [("c", "sum") if count else ([], "count_all"), ("w", "sum"), ("w2", "sum"), ("v", "min_max")]
    if kind == "number":
        aggs.append(("n", "min_max"))
    if kind == "string":
        aggs.append(("b", "sum"))
    out = []
    for r in table.group_by("s").aggregate(aggs).to_pylist():
        v, n = r["v_min_max"], r.get("n_min_max") or {}
        out.append((r["s"], [r["c_sum" if count else "count_all"], r["w_sum"] or 0, r["w2_sum"] or 0, v["min"],
                             v["max"], n.get("min"), n.get("max"), r.get("b_sum") or 0]))
    return out


def _dictionary_groups(enc, kind, flags):
    """A column with few distinct values: shape the distinct values only, count rows per value with numpy."""
    import pyarrow as pa
    import pyarrow.compute as pc

    d, size = enc.dictionary, len(enc.dictionary)
    idx = (pc.fill_null(enc.indices, size) if enc.indices.null_count else enc.indices).to_numpy(
        zero_copy_only=False)
    cnt, wc, w2c = _sums(idx, size + 1, flags)
    values = d if kind == "string" else pc.cast(d, pa.string())
    cols = {"s": arrow_shape(values), "v": values, "c": cnt[:size], "w": wc[:size], "w2": w2c[:size]}
    if kind == "number":
        cols["n"] = pc.cast(d, pa.float64())
    if kind == "string":
        cols["b"] = pc.if_else(pc.is_in(values, value_set=pa.array(_bool_words())), pa.array(cnt[:size]), 0)
    out = _aggregate(pa.table(cols), kind, True) if size else []
    if cnt[size]:
        out.append((None, [int(cnt[size]), int(wc[size]), int(w2c[size]), None, None, None, None, 0]))
    return out


def _direct_groups(col, kind, flags, w, w2):
    """A column with many distinct values: shape every value, group the rows by shape."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = col if kind == "string" else pc.cast(col, pa.string())
    shp, uniform = _arrow_shape(values)
    boolish = None
    if kind == "string" and (pc.min(pc.binary_length(values)).as_py() or 0) <= 5:  # 'true' and 'false' are short
        boolish = pc.cast(pc.is_in(values, value_set=pa.array(_bool_words())), pa.int64())
    if uniform is not None:  # one shape for all non-null values: no grouping needed
        import numpy as np

        idx = _null_slots(values).astype(np.intp) if values.null_count else np.zeros(len(values), np.intp)
        cnt, wc, w2c = _sums(idx, 2, flags)
        v = pc.min_max(values).as_py()
        nm = pc.min_max(pc.cast(col, pa.float64())).as_py() if kind == "number" else {}
        b = pc.sum(boolish).as_py() if boolish is not None else 0
        out = [(uniform, [int(cnt[0]), int(wc[0]), int(w2c[0]), v["min"], v["max"], nm.get("min"), nm.get("max"),
                          b or 0])] if cnt[0] else []
        if cnt[1]:
            out.append((None, [int(cnt[1]), int(wc[1]), int(w2c[1]), None, None, None, None, 0]))
        return out
    cols = {"s": shp, "v": values, "w": w, "w2": w2}
    if kind == "number":
        cols["n"] = pc.cast(col, pa.float64())
    if kind == "string":
        cols["b"] = boolish if boolish is not None else pa.nulls(len(values), pa.int64())
    return _aggregate(pa.table(cols), kind, False)


PROBE_ROWS = 8192


def _few_distinct(col) -> bool:
    """Do the first rows repeat values (at least 10% repeats), so dictionary encoding may pay?

    Encoding a batch of unique values costs more than shaping it; a prefix of all-distinct
    values (ids, hashes) sends the column straight to row-by-row shaping."""
    import pyarrow.compute as pc

    head = col.slice(0, PROBE_ROWS)
    return 10 * pc.count_distinct(head, mode="all").as_py() <= 9 * len(head)


def profile_task(kinds):
    """The function given to ``mapInArrow``: per column, shape -> group, one pickled blob per task.

    ``kinds[j]`` is 'string', 'number', 'other' (cast to string), 'json' (a variant column: its JSON
    token types are counted, then its text is profiled as a string) or a '<nested type>' marker.
    The blob is ``{"groups": [per column {shape: group}], "json": [per column counts by JSON_TYPES]}``.
    The batch holds the profiled columns, then the filter flags ``w`` and ``w2``.
    Integer columns are shaped from their digits; other columns are dictionary-encoded while
    that pays (at most one distinct value per two rows), else shaped row by row.
    """
    def task(batches):
        import pickle

        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        n = len(kinds)
        acc = [dict() for _ in kinds]
        jtypes = [np.zeros(len(JSON_TYPES), np.int64) for _ in kinds]
        by_dictionary = [0 if kind.startswith("<") else 1 for kind in kinds]  # 1: to probe, 2: yes, 0: no
        for batch in _rebatch(batches, BATCH_ROWS):
            w, w2 = batch.column(n), batch.column(n + 1)
            flags = (w.to_numpy(zero_copy_only=False) != 0) + 2 * (w2.to_numpy(zero_copy_only=False) != 0)
            for j, kind in enumerate(kinds):
                col = batch.column(j)
                if kind == "json":  # a JSON field read as VARIANT: its token types, then its text
                    col, code = json_column(col)
                    jtypes[j] += np.bincount(code, minlength=len(JSON_TYPES))
                    kind = "string"
                if kind.startswith("<"):
                    groups = _nested_groups(col, kind, flags)
                elif kind == "number" and pa.types.is_integer(col.type):
                    groups = _integer_groups(col, flags)
                else:
                    if by_dictionary[j] == 1:
                        by_dictionary[j] = 2 if _few_distinct(col) else 0
                    if by_dictionary[j]:
                        enc = pc.dictionary_encode(col)
                        by_dictionary[j] = 2 if 2 * len(enc.dictionary) <= len(col) else 0
                        groups = _dictionary_groups(enc, kind, flags)
                    else:
                        groups = _direct_groups(col, kind, flags, w, w2)
                for key, g in groups:
                    merge_groups(acc[j], key, g)
        blob = pickle.dumps({"groups": acc, "json": [t.tolist() for t in jtypes]}, protocol=pickle.HIGHEST_PROTOCOL)
        yield pa.RecordBatch.from_arrays([pa.array([blob], type=pa.binary())], names=["groups"])
    return task


# -- JSON token types from Spark's variant encoding (a JSON field read as VARIANT) ---------------
JSON_TYPES = ("missing", "null", "string", "integer", "decimal", "boolean", "object", "array", "other")
_PRIMITIVE_TYPE = {0: 1, 1: 5, 2: 5, 3: 3, 4: 3, 5: 3, 6: 3, 7: 4, 8: 4, 9: 4, 10: 4, 14: 4, 16: 2}


def _uint(buf: bytes, pos: int, size: int) -> int:
    return int.from_bytes(buf[pos:pos + size], "little")


def _metadata_keys(meta: bytes) -> list[str]:
    size = ((meta[0] >> 6) & 3) + 1
    count = _uint(meta, 1, size)
    offs = [_uint(meta, 1 + size * (i + 1), size) for i in range(count + 1)]
    base = 1 + size * (count + 2)
    return [meta[base + offs[i]:base + offs[i + 1]].decode("utf-8") for i in range(count)]


def variant_value(value: bytes, meta: bytes, pos: int = 0, keys=None):
    """Decode one Spark variant (value and metadata bytes) into Python (dict, list, str, int, Decimal, ...)."""
    import struct
    from decimal import Decimal

    head = value[pos]
    basic, info = head & 3, head >> 2
    if basic == 1:
        return value[pos + 1:pos + 1 + info].decode("utf-8")
    if basic == 0:
        if info == 0:
            return None
        if info in (1, 2):
            return info == 1
        if 3 <= info <= 6:
            n = (1, 2, 4, 8)[info - 3]
            return int.from_bytes(value[pos + 1:pos + 1 + n], "little", signed=True)
        if info == 7:
            return struct.unpack_from("<d", value, pos + 1)[0]
        if info == 14:
            return struct.unpack_from("<f", value, pos + 1)[0]
        if info in (8, 9, 10):
            n = (4, 8, 16)[info - 8]
            unscaled = int.from_bytes(value[pos + 2:pos + 2 + n], "little", signed=True)
            return Decimal(unscaled).scaleb(-value[pos + 1])
        if info in (15, 16):
            n = _uint(value, pos + 1, 4)
            raw = value[pos + 5:pos + 5 + n]
            return raw.decode("utf-8") if info == 16 else raw
        return f"<variant type {info}>"
    keys = _metadata_keys(meta) if keys is None else keys
    large = (info >> (4 if basic == 2 else 2)) & 1
    count = _uint(value, pos + 1, 4 if large else 1)
    p = pos + 1 + (4 if large else 1)
    off_size = (info & 3) + 1
    if basic == 2:
        id_size = ((info >> 2) & 3) + 1
        ids = [_uint(value, p + i * id_size, id_size) for i in range(count)]
        p += count * id_size
    offs = [_uint(value, p + i * off_size, off_size) for i in range(count + 1)]
    start = p + (count + 1) * off_size
    items = [variant_value(value, meta, start + o, keys) for o in offs[:-1]]
    return dict(zip((keys[i] for i in ids), items)) if basic == 2 else items


def _json_text(obj) -> str:
    """A decoded JSON value as the text a string column shows for it (compact JSON)."""
    import json
    from decimal import Decimal

    if isinstance(obj, str):
        return obj
    if isinstance(obj, bool):
        return "true" if obj else "false"
    if isinstance(obj, (int, Decimal)):
        return str(obj)
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=str)


def _strip_headers(value, mask, head):
    """``value[i][head[i]:]`` where ``mask`` holds, else null: a binary array (numpy, one copy).

    (pyarrow's ``binary_slice`` fails here with "Negative buffer resize".)"""
    import numpy as np
    import pyarrow as pa

    n = len(value)
    offs = np.frombuffer(value.buffers()[1], dtype=np.int32)[:n + 1].astype(np.int64)
    data = value.buffers()[2]
    size = int(offs[-1])
    if not mask.any() or data is None or size == 0:
        return pa.nulls(n, pa.binary())
    rows = np.flatnonzero(mask)
    keep = np.ones(size, bool)
    for k in range(int(head[rows].max())):  # drop each kept value's header bytes
        at = rows[head[rows] > k]
        keep[offs[at] + k] = False
    drop = np.flatnonzero(~mask & (offs[1:] > offs[:-1]))  # and every byte of the other values
    if len(drop):
        lens = offs[drop + 1] - offs[drop]
        keep[np.repeat(offs[drop] - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))] = False
    body = np.frombuffer(data, dtype=np.uint8, count=size)[keep]
    lengths = np.where(mask, offs[1:] - offs[:-1] - head, 0)
    new_offs = np.zeros(n + 1, np.int32)
    np.cumsum(lengths, out=new_offs[1:])
    validity = pa.array(mask).buffers()[1]
    return pa.Array.from_buffers(pa.binary(), n, [validity, pa.py_buffer(new_offs), pa.py_buffer(body)],
                                 null_count=n - len(rows))


def json_column(col):
    """A variant column (struct of value and metadata bytes) -> (string array, JSON type code per row).

    Type codes index :data:`JSON_TYPES`; a null variant is a missing key.  Strings keep their
    text; other values become compact JSON text, as Spark shows them in a string column."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(col)
    value = col.field("value")
    valid = pc.is_valid(col).to_numpy(zero_copy_only=False) if col.null_count else np.ones(n, bool)
    if value.offset or col.offset:
        value = pa.concat_arrays([value])  # a fresh array: offsets start at 0
    offs = np.frombuffer(value.buffers()[1], dtype=np.int32)[:n + 1]
    data = np.frombuffer(value.buffers()[2], dtype=np.uint8) if value.buffers()[2] is not None else np.zeros(1, np.uint8)
    has = valid & (offs[1:] > offs[:-1])
    head = np.where(has, data[np.minimum(offs[:-1], max(len(data) - 1, 0))], 0)
    basic, info = head & 3, head >> 2
    prim = np.zeros(64, np.int8)
    prim[:] = 8
    for k, v in _PRIMITIVE_TYPE.items():
        prim[k] = v
    code = np.where(basic == 1, 2, np.where(basic == 2, 6, np.where(basic == 3, 7, prim[info])))
    code[~has] = 0
    strings = code == 2
    # a short string has 1 header byte, a long one (over 63 bytes) 1 header and 4 length bytes
    text = _strip_headers(value, strings, np.where(basic == 0, 5, 1))
    other = np.flatnonzero((code > 2) | (code == 8))
    if len(other):
        meta = col.field("metadata")
        vals, metas = value.take(pa.array(other)).to_pylist(), meta.take(pa.array(other)).to_pylist()
        rendered = pa.array([_json_text(variant_value(v, m)) for v, m in zip(vals, metas)], pa.binary())
        mask = np.zeros(n, bool)
        mask[other] = True
        text = pc.replace_with_mask(text, pa.array(mask), rendered)
    return text.cast(pa.string()), code
