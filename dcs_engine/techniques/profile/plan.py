"""What the one pass computes per column, decided from the first rows (the *probe*).

Each column gets a :class:`ColumnPlan`: a small set of *codes* (a SQL ``CASE`` gives every value
one), so that the pass only has to count rows per code -- exactly, over all rows.

- text: null, empty, whitespace-only, a placeholder (:mod:`.sentinels`), then each layout the
  probe saw (at most :data:`MAX_CHECKED`, most frequent first, checked by Spark on every value),
  "number-like" (digits hiding among words), and the rest, named after the probe's text-like
  layout (words, or letters-and-digits ids);
- numbers: null, NaN, +Infinity, -Infinity, the declared numeric placeholders, below the low
  fence, above the high fence, and three bands (below the probe's first quartile, between the
  quartiles, above the third) -- the bands let the pass check that the probe's quartiles hold for
  the whole column before its fences are used (:mod:`.outliers`);
- dates and timestamps: the same on their day or microsecond number, with the declared dates;
- booleans: null, false, true; JSON fields read as VARIANT: their JSON type.

Every code has a Python twin (:func:`code_of`) so the probe's rows give examples per code and an
estimate of how many code combinations a group of columns makes (:func:`chunks`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from dcs_engine.techniques.profile import layouts, sentinels
from dcs_engine.techniques.profile import sql as S

MAX_CHECKED = 4     # layouts checked value by value per text column
FENCE_K = 3.0       # Tukey's "far out": beyond the quartiles by 3 interquartile ranges
MAX_COMBOS = 48     # code combinations (estimated on the probe) per packed key
MIN_SHARE = 0.01    # a layout is checked value by value when at least 1% of the probe's values have it
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Code:
    value: int
    label: str
    kind: str
    cond: str | None        # SQL; None for the last (ELSE) code
    layout: str | None = None
    example: str | None = None  # a probe value of this layout (a rewritten literal copies its style)


@dataclass(frozen=True)
class Fences:
    scale: str              # "linear", or "linear and log" (log1p too, for columns >= 0 in the probe)
    q1: float
    q3: float
    low: float | None       # None: the probe has no spread (q1 == q3)
    high: float | None


@dataclass(frozen=True)
class ColumnPlan:
    index: int
    name: str
    spark_type: str
    family: str             # string, number, temporal, bool, other, json
    expr: str               # SQL of the value profiled
    codes: tuple[Code, ...]
    slot: str | None = None          # "d" (double) or "l" (bigint): min/max per code
    slot_expr: str | None = None
    fences: Fences | None = None
    floating: bool = False
    by_code: dict = field(default_factory=dict, compare=False, repr=False)
    labels: dict = field(default_factory=dict, compare=False, repr=False)   # label -> code value
    known: dict = field(default_factory=dict, compare=False, repr=False)  # text -> code, for code_of

    def __post_init__(self):
        self.by_code.update({c.value: c for c in self.codes})
        self.labels.update({c.label: c.value for c in self.codes})

    @property
    def bits(self) -> int:
        return max(1, math.ceil(math.log2(max(2, len(self.codes)))))

    def code_sql(self) -> str:
        if self.family == "json":
            return S.json_type_code(self.expr)
        whens = " ".join(f"WHEN {c.cond} THEN {c.value}" for c in self.codes[:-1])
        return f"CASE {whens} ELSE {self.codes[-1].value} END"


def _codes(items) -> tuple[Code, ...]:
    return tuple(Code(i, *item) for i, item in enumerate(items))


# -- text --------------------------------------------------------------------------------
def text_layouts(texts) -> tuple[list, str, dict]:
    """The checked layouts (refined on the column, most frequent first), the catch-all's layout and
    a first value per layout."""
    by_layout: dict[str, list] = {}
    named: dict = {}  # text -> its layout's name (None: not a layout); a probe repeats its texts
    for t in texts:
        if t is None or t == "":
            continue
        name = named.get(t, named)
        if name is named:
            blank = sentinels.is_blank(t) or sentinels.is_text_placeholder(t)
            name = named[t] = None if blank else layouts.classify(t).name
        if name is not None:
            by_layout.setdefault(name, []).append(t)
    by_layout = layouts.settle_day_month(by_layout)
    checked, textlike = [], []
    total = sum(len(v) for v in by_layout.values())
    for name, vals in sorted(by_layout.items(), key=lambda kv: -len(kv[1])):
        lay = layouts.refine(layouts.BY_NAME[name], vals)
        if lay.kind in layouts.TEXTLIKE:
            textlike.append(lay)
        elif len(vals) >= MIN_SHARE * total:  # rarer ones fall to the rest, where they still show
            checked.append(lay)
    rest = textlike[0].name if textlike else "text"
    firsts = {layouts.refine(layouts.BY_NAME[name], vals).name: vals[0] for name, vals in by_layout.items()}
    return checked[:MAX_CHECKED], rest, firsts


def string_plan(index, name, spark_type, expr, texts) -> ColumnPlan:
    checked, rest, firsts = text_layouts(texts)
    items = [("null", "null", f"{expr} IS NULL"), ("empty", "missing", S.is_empty(expr)),
             ("whitespace only", "missing", S.is_blank(expr)), ("placeholder", "missing", S.is_placeholder(expr))]
    items += [(lay.name, lay.kind, S.spark_check(lay, expr), lay.name, firsts.get(lay.name)) for lay in checked]
    if layouts.BY_NAME[rest].kind == "text":
        items.append(("number-like", "number-like", S.is_number_like(expr)))
    items.append((rest, layouts.BY_NAME[rest].kind, None, rest))
    return ColumnPlan(index, name, spark_type, "string", expr, _codes(items), "l",
                      f"CAST(octet_length({expr}) AS BIGINT)")


def _text_code(plan: ColumnPlan, text) -> int:
    if text is None:
        return 0
    if text == "":
        return 1
    if sentinels.is_blank(text):
        return 2
    if sentinels.is_text_placeholder(text):
        return 3
    for code in plan.codes[4:-1]:
        if code.layout and python_check(layouts.BY_NAME[code.layout], text):
            return code.value
        if code.kind == "number-like" and text[:1] in "+,-./0123456789" and text.lower() == text.upper():
            return code.value
    return plan.codes[-1].value


def python_check(lay, text: str) -> bool:
    """The Python twin of :func:`sql.spark_check` (used for the probe's rows only)."""
    if lay.name in ("yyyyMMdd", "epoch seconds", "epoch milliseconds"):
        return text.isdigit() and lay.matches(text) and (lay.name != "yyyyMMdd" or layouts.parse(lay, text) is not None)
    if lay.kind == "json":
        return text[:1] + text[-1:] in ("{}", "[]")
    if not lay.matches(text):
        return False
    return lay.kind not in ("date", "timestamp") or layouts.parse(lay, text) is not None


# -- numbers, dates, timestamps ----------------------------------------------------------
def _quantile(sorted_vals, q: float):
    return sorted_vals[max(0, math.ceil(q * len(sorted_vals)) - 1)]


def fences_of(values, allow_log: bool = True) -> Fences | None:
    """Fences from the probe's values: beyond both the linear and (for columns >= 0) the log1p fences.

    A value is far out only where both scales agree: a long right tail (sizes, counts) is normal
    on the log scale, a uniform spread is normal on the linear one, a 9999 among values up to 60
    is far out on both."""
    vals = sorted(v for v in values if v is not None and math.isfinite(v))
    if not vals:
        return None
    q1, q3 = _quantile(vals, 0.25), _quantile(vals, 0.75)
    if q3 <= q1:
        return Fences("linear", q1, q3, None, None)
    low, high = q1 - FENCE_K * (q3 - q1), q3 + FENCE_K * (q3 - q1)
    if allow_log and vals[0] >= 0:
        liqr = math.log1p(q3) - math.log1p(q1)
        low = min(low, math.expm1(math.log1p(q1) - FENCE_K * liqr))
        high = max(high, math.expm1(min(math.log1p(q3) + FENCE_K * liqr, 700.0)))
        return Fences("linear and log", q1, q3, low, high)
    return Fences("linear", q1, q3, low, high)


def _num(v) -> str:
    return repr(float(v))


def numeric_plan(index, name, spark_type, expr, values, floating: bool) -> ColumnPlan:
    fences = fences_of([float(v) for v in values if v is not None])
    items = [("null", "null", f"{expr} IS NULL")]
    if floating:
        items += [("NaN", "missing", f"isnan({expr})"), ("+Infinity", "missing", f"{expr} = double('inf')"),
                  ("-Infinity", "missing", f"{expr} = double('-inf')")]
    items += [("negative placeholder", "placeholder", f"{expr} IN ({', '.join(map(str, sentinels.NEGATIVE))})"),
              ("nines placeholder", "placeholder", f"{expr} IN ({', '.join(map(str, sentinels.NINES))})")]
    items += _band_items(expr, fences)
    integral = spark_type in ("tinyint", "smallint", "int", "bigint")
    slot_expr = f"CAST({expr} AS BIGINT)" if integral else f"CAST({expr} AS DOUBLE)"
    return ColumnPlan(index, name, spark_type, "number", expr, _codes(items), "l" if integral else "d", slot_expr,
                      fences, floating)


def _band_items(x: str, fences: Fences | None) -> list:
    items = []
    if fences is not None and fences.low is not None:
        items += [("below the low fence", "outlier", f"{x} < {_num(fences.low)}"),
                  ("above the high fence", "outlier", f"{x} > {_num(fences.high)}")]
    if fences is not None:
        items += [("below the probe's first quartile", "value", f"{x} < {_num(fences.q1)}"),
                  ("between the probe's quartiles", "value", f"{x} <= {_num(fences.q3)}")]
        return items + [("above the probe's third quartile", "value", None)]
    return items + [("value", "value", None)]


def temporal_number(spark_type: str, expr: str) -> str:
    if spark_type == "date":
        return f"unix_date({expr})"
    return f"unix_micros(CAST({expr} AS TIMESTAMP))"


def to_number(spark_type: str, value) -> float | None:
    """A date as its day number, a timestamp as microseconds since 1970 (as Spark counts them)."""
    if value is None:
        return None
    if spark_type == "date":
        return float((value - date(1970, 1, 1)).days)
    moment = value if value.tzinfo else value.astimezone()
    return float(round((moment - EPOCH).total_seconds() * 1_000_000))


def temporal_plan(index, name, spark_type, expr, values) -> ColumnPlan:
    x = temporal_number(spark_type, expr)
    fences = fences_of([to_number(spark_type, v) for v in values], allow_log=False)
    days = ", ".join(f"DATE'{d.isoformat()}'" for d in sentinels.ALWAYS_DATES)
    others = ", ".join(f"DATE'{d.isoformat()}'" for d in sentinels.DATES if d not in sentinels.ALWAYS_DATES)
    day = expr if spark_type == "date" else f"CAST({expr} AS DATE)"
    exact = "" if spark_type == "date" else f" AND {expr} = CAST({day} AS TIMESTAMP)"
    items = [("null", "null", f"{expr} IS NULL"),
             ("impossible date", "placeholder", f"({day} IN ({days}){exact})"),
             ("placeholder date", "placeholder", f"({day} IN ({others}){exact})")]
    items += _band_items(x, fences)
    return ColumnPlan(index, name, spark_type, "temporal", expr, _codes(items), "l", x, fences)


def simple_plan(index, name, spark_type, expr, family: str) -> ColumnPlan:
    if family == "bool":
        items = [("null", "null", f"{expr} IS NULL"), ("false", "bool", f"NOT {expr}"), ("true", "bool", None)]
    elif family == "json":
        items = [(t, "json", f"({S.json_type_code(expr)}) = {i}") for i, t in enumerate(S.JSON_TYPES)]
        items[-1] = (S.JSON_TYPES[-1], "json", None)
    else:
        items = [("null", "null", f"{expr} IS NULL"), ("present", spark_type, None)]
    return ColumnPlan(index, name, spark_type, family, expr, _codes(items))


def code_of(plan: ColumnPlan, value) -> int:
    """The code the pass gives ``value`` (the Python twin of ``plan.code_sql()``)."""
    if plan.family == "string":
        code = plan.known.get(value)
        if code is None:  # a column's probe repeats its texts: check each distinct one once
            code = _text_code(plan, value)
            if len(plan.known) < 4096:
                plan.known[value] = code
        return code
    if plan.family in ("number", "temporal"):
        return _number_code(plan, value)
    if plan.family == "bool":
        return 0 if value is None else 2 if value else 1
    if plan.family == "json":
        return value if isinstance(value, int) else 0
    return 0 if value is None else 1


def _number_code(plan: ColumnPlan, value) -> int:
    if value is None:
        return 0
    labels = plan.labels
    if plan.family == "temporal":
        day = value if not isinstance(value, datetime) else value.date()
        exact = not isinstance(value, datetime) or value.time() == datetime.min.time()
        if exact and day in sentinels.ALWAYS_DATES:
            return labels["impossible date"]
        if exact and day in sentinels.DATES:
            return labels["placeholder date"]
        x = to_number(plan.spark_type, value)
    else:
        x = float(value)
        if math.isnan(x):
            return labels["NaN"]
        if math.isinf(x):
            return labels["+Infinity" if x > 0 else "-Infinity"]
        if x in sentinels.NEGATIVE:
            return labels["negative placeholder"]
        if x in sentinels.NINES:
            return labels["nines placeholder"]
    f = plan.fences
    if f is None:
        return labels["value"]
    if f.low is not None and x < f.low:
        return labels["below the low fence"]
    if f.low is not None and x > f.high:
        return labels["above the high fence"]
    if x < f.q1:
        return labels["below the probe's first quartile"]
    return labels["between the probe's quartiles"] if x <= f.q3 else labels["above the probe's third quartile"]


def chunks(plans, probe_codes) -> list[list[int]]:
    """Group columns (indexes into ``plans``) into packed keys of <= 62 bits and few combinations.

    ``probe_codes[i]`` is the list of plan ``i``'s codes over the probe's rows."""
    out, current, bits = [], [], 0
    rows = len(probe_codes[0]) if probe_codes else 0
    combos = [()] * rows  # per probe row, the current chunk's codes so far
    for i, plan in enumerate(plans):
        trial = [c + (probe_codes[i][r],) for r, c in enumerate(combos)]
        if current and (bits + plan.bits > 62 or len(set(trial)) > MAX_COMBOS):
            out.append(current)
            current, bits = [i], plan.bits
            combos = [(probe_codes[i][r],) for r in range(rows)]
        else:
            current, bits, combos = current + [i], bits + plan.bits, trial
    if current:
        out.append(current)
    return out
