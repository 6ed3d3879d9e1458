"""A where clause's literals compared with their columns by meaning, not by text.

For each ``column OP literal`` (see :mod:`.literals`), both sides are read as values: the
literal with the layout it is written in (:func:`layouts.classify`), the column with its own
(the layout the probe found in a text column; a date, timestamp or number column's type; an
integer column of epoch seconds as timestamps).  From that come two more clauses, counted in
the same pass as the clause as written:

- *rewritten*: each literal written in its column's layout (``'2017-05-19'`` -> ``'20170519'``);
- *by meaning*: each column read as a value with Spark's own parsers (``try_to_date``,
  ``try_cast``...) and each literal as a typed value (``DATE'2017-05-19'``).

The profile reports a mismatch only when the count as written differs from the count by
meaning: a literal that already agrees with the data is never flagged.
"""
from __future__ import annotations

from dataclasses import dataclass

from dcs_engine.techniques.profile import layouts
from dcs_engine.techniques.profile import sql as S
from dcs_engine.techniques.profile.literals import Comparison, quote, rewrite, where_literals

RANGE_OPS = ("<", ">", "<=", ">=", "between", "not between")
NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double")


@dataclass(frozen=True)
class LiteralCheck:
    comparison: Comparison
    column_layout: str            # how the column's values are written (or its Spark type)
    literal_layout: str
    rewritten: str | None = None  # the literal in the column's layout
    typed: str | None = None      # the literal as a typed SQL value
    column_value: str | None = None  # the column read as a value (SQL; guarded so that Spark parses only
    column_shown: str | None = None  # values of the layout) and the same as a user would write it
    problem: str = ""             # why the literal cannot mean a value of the column

    def describe(self) -> str:
        return self.comparison.describe()


@dataclass(frozen=True)
class WherePlan:
    where: str
    checks: tuple[LiteralCheck, ...]
    rewritten: str          # "" when no literal can be rewritten
    meaning: str            # "" when no comparison can be made by meaning
    meaning_shown: str = ""  # the same, as a user would write it


def _column_layout(plan) -> tuple[layouts.Layout | None, str | None]:
    """The layout (and a probe value of it) that the column's values are read in, by meaning."""
    if plan.family != "string":
        return None, None
    for code in plan.codes[4:-1]:
        if code.layout and layouts.BY_NAME[code.layout].kind in ("date", "timestamp", "integer", "decimal",
                                                                  "number", "bool"):
            return layouts.BY_NAME[code.layout], code.example
    return None, None


def _literal_value(cmp: Comparison, want: str):
    """(layout, value) of the literal, read for a column of kind ``want``."""
    lay = layouts.classify(cmp.literal.strip())
    if want in ("date", "timestamp") and lay.name == "integer":
        for reading in (layouts.COMPACT_DATE, layouts.EPOCH_SECONDS, layouts.EPOCH_MILLIS):
            if reading.matches(cmp.literal) and layouts.parse(reading, cmp.literal) is not None:
                lay = reading
                break
    return lay, layouts.parse(lay, cmp.literal)


def _kind_ok(want: str, value) -> bool:
    from datetime import date

    if want in ("date", "timestamp"):
        return isinstance(value, date)
    if want in ("integer", "decimal", "number"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return want == "bool" and isinstance(value, bool)


def _check(cmp: Comparison, plan, reading) -> LiteralCheck | None:
    col = S.ident(cmp.column)
    if plan.family == "string":
        lay, example = _column_layout(plan)
        if lay is None:
            return None
        want, col_name, col_value = lay.kind, lay.name, S.spark_value(lay, col)
        shown = S.spark_value(lay, cmp.column if S.ident(cmp.column) == f"`{cmp.column}`" and
                              cmp.column.isidentifier() else col, guarded=False)
    elif plan.spark_type in NUMERIC or plan.spark_type.startswith("decimal"):
        if reading and layouts.classify(cmp.literal.strip()).kind in ("integer", "decimal"):
            return None  # a number against epoch numbers: compared as numbers, nothing to say
        want = "timestamp" if reading else "integer" if plan.spark_type in NUMERIC[:4] else "decimal"
        lay, col_name = reading, reading.name if reading else plan.spark_type
        col_value = shown = S.typed_value(plan.spark_type, col, reading)
    elif plan.family == "temporal":
        want, lay, col_name, col_value = ("date" if plan.spark_type == "date" else "timestamp"), None, \
            plan.spark_type, col
        shown = col
    else:
        return None
    lit_lay, value = _literal_value(cmp, want)
    if not _kind_ok(want, value):
        kind = "a number" if want in ("integer", "decimal", "number") else f"a {want}"
        return LiteralCheck(cmp, col_name, lit_lay.name, problem=f"'{cmp.literal}' is not {kind}")
    if want == "date" and plan.family != "string":
        value = value if not hasattr(value, "hour") or value.time() != value.min.time() else value.date()
    typed = layouts.sql_literal(value)
    if lay is not None and plan.family == "string":
        text = layouts.render(lay, value, like=example)
        ranged = cmp.op in RANGE_OPS and not lay.ordered  # text order is not value order there
        rewritten = quote(text) if text is not None and not ranged else None
    elif plan.family == "temporal":
        rewritten = quote(value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat())
    elif reading is not None:
        rewritten = layouts.render(reading, value)
    else:
        rewritten = typed
    return LiteralCheck(cmp, col_name, lit_lay.name, rewritten, typed, col_value, shown)


def plan_where(where: str, plans_by_name: dict, readings: dict) -> WherePlan:
    """The literal checks of ``where`` and its rewritten / by-meaning clauses."""
    checks = []
    for cmp in where_literals(where):
        plan = plans_by_name.get(cmp.column) or plans_by_name.get(cmp.column.lower())
        if plan is not None:
            found = _check(cmp, plan, readings.get(plan.name))
            if found is not None:
                checks.append(found)
    usable = [c for c in checks if not c.problem]
    rewritten = rewrite(where, {c.comparison.literal_span: c.rewritten for c in usable if c.rewritten})
    typed = {c.comparison.literal_span: c.typed for c in usable}
    meaning = rewrite(where, {**{c.comparison.column_span: c.column_value for c in usable}, **typed}) if usable else ""
    shown = rewrite(where, {**{c.comparison.column_span: c.column_shown for c in usable}, **typed}) if usable else ""
    return WherePlan(where, tuple(checks), rewritten if rewritten != where else "", meaning, shown)
