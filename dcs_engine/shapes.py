"""Value shapes, and the literals a ``where`` clause compares columns with.

A *shape* keeps a value's layout and forgets its content: every digit becomes
``9``, every ASCII letter ``a``, everything else is kept.  ``20160620`` is
``99999999`` and ``2016-06-20`` is ``9999-99-99``.  Two refinements keep the
number of shapes small on real data:

- a run of 6 or more letters and digits that mixes both (hashes, hex ids,
  tokens) becomes a single ``x``;
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
_MIXED_RUN = r"(?<![a9])(?=[a9]*(?:a9|9a))[a9]{6,}(?![a9])"
_MIXED_RE = re.compile(_MIXED_RUN)


def shape(value) -> str | None:
    """The shape of one value (``None`` stays ``None``)."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    out = text[:MAX_LEN].translate(_TABLE)
    out = _MIXED_RE.sub("x", out)
    return out + "…" if len(text) > MAX_LEN else out


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
