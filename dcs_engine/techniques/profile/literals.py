"""The literals a ``where`` clause compares columns with, and the clause rewritten around them.

:func:`where_literals` reads a SQL condition far enough to find ``column OP 'literal'``
comparisons (also ``literal OP column``, ``BETWEEN ... AND ...`` and ``IN (...)``), keeping where
each column and literal sits in the text, so that :func:`rewrite` can put something else there:
the literal written in the column's layout, or the column read as a value and the literal as a
typed value (a comparison by meaning).
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Comparison:
    column: str
    op: str
    literal: str            # the literal's text, quotes removed
    quoted: bool            # a string literal ('...') rather than a number
    column_span: tuple[int, int] = (0, 0)
    literal_span: tuple[int, int] = (0, 0)

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
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}
_KEYWORDS = {"and", "or", "not", "in", "between", "like", "is", "null", "true", "false", "rlike", "ilike"}


@dataclass(frozen=True)
class _Tok:
    kind: str
    value: str
    start: int
    end: int


def _tokens(text: str) -> list[_Tok]:
    out = []
    for m in _TOKEN.finditer(text or ""):
        kind, value = m.lastgroup, m.group()
        if kind == "ws":
            continue
        if kind == "ident" and value.lower() in _KEYWORDS:
            kind, value = "kw", value.lower()
        out.append(_Tok(kind, value, m.start(), m.end()))
    return out


def _column_name(ident: str) -> str:
    return re.findall(r"`[^`]+`|[^.]+", ident)[-1].strip("`")


def _literal(tok: _Tok) -> tuple[str, bool] | None:
    if tok.kind == "str":
        inner = tok.value[1:-1]
        return inner.replace("''", "'").replace("\\'", "'").replace('\\"', '"'), True
    if tok.kind == "num":
        return tok.value, False
    return None


def _is(tok: _Tok, kind: str, value: str) -> bool:
    return tok.kind == kind and tok.value == value


def _after_column(toks, i, col, out) -> int | None:
    """Comparisons right of the column at ``i``; the index after them, or None."""
    n, ctok = len(toks), toks[i]
    span = (ctok.start, ctok.end)
    j = i + 1
    negated = j < n and _is(toks[j], "kw", "not")
    j += negated
    if j + 1 < n and toks[j].kind == "op" and not negated and _literal(toks[j + 1]):
        t = toks[j + 1]
        out.append(Comparison(col, toks[j].value, *_literal(t), span, (t.start, t.end)))
        return j + 2
    if j + 3 < n and _is(toks[j], "kw", "between") and _is(toks[j + 2], "kw", "and"):
        for t in (toks[j + 1], toks[j + 3]):
            if _literal(t):
                out.append(Comparison(col, "not between" if negated else "between", *_literal(t), span,
                                      (t.start, t.end)))
        return j + 4
    if j + 1 < n and _is(toks[j], "kw", "in") and _is(toks[j + 1], "punct", "("):
        k = j + 2
        while k < n and not _is(toks[k], "punct", ")"):
            if _literal(toks[k]):
                out.append(Comparison(col, "not in" if negated else "in", *_literal(toks[k]), span,
                                      (toks[k].start, toks[k].end)))
            k += 1
        return k + 1
    return None


def where_literals(where: str) -> list[Comparison]:
    """The ``column OP literal`` comparisons in a SQL condition, left to right."""
    toks = _tokens(where)
    out: list[Comparison] = []
    n, i = len(toks), 0
    while i < n:
        tok = toks[i]
        is_call = i + 1 < n and _is(toks[i + 1], "punct", "(")
        inside_call = i > 1 and _is(toks[i - 1], "punct", "(") and toks[i - 2].kind == "ident"
        if tok.kind == "ident" and not is_call and not inside_call:
            nxt = _after_column(toks, i, _column_name(tok.value), out)
            if nxt is not None:
                i = nxt
                continue
        lit = _literal(tok)
        if lit and i + 2 < n and toks[i + 1].kind == "op" and toks[i + 2].kind == "ident" \
                and not (i + 3 < n and _is(toks[i + 3], "punct", "(")):
            c = toks[i + 2]
            out.append(Comparison(_column_name(c.value), _FLIP.get(toks[i + 1].value, toks[i + 1].value), *lit,
                                  (c.start, c.end), (tok.start, tok.end)))
            i += 3
            continue
        i += 1
    return out


def rewrite(where: str, replacements: dict[tuple[int, int], str]) -> str:
    """``where`` with each ``(start, end)`` span replaced by its text (spans must not overlap)."""
    out, last = [], 0
    for (start, end), text in sorted(replacements.items()):
        out.append(where[last:start])
        out.append(text)
        last = end
    out.append(where[last:])
    return "".join(out)


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
