"""Numbers, dates and timestamps after the pass: NaN, placeholders, and values far outside the rest.

The rule for *impossible values* is Tukey's far-out fences: below ``Q1 - 3*IQR`` or above
``Q3 + 3*IQR``, on a log scale (``log1p``) when the column has no negative values in its first
rows, so that a long right tail (sizes, counts, durations) is not mistaken for bad data while a
``9999`` among values up to 60 still is.  The quartiles come from the probe (the first rows);
the pass counts, over every row, the values below the probe's first quartile, between the
quartiles and above the third, and the fences are used only when those counts confirm the probe
(at most 40 % of the rows below Q1 and at most 40 % above Q3): sorted data, whose first rows are
not like the rest, gets a note instead of a finding.  The counts beyond the fences are exact, and
so are their examples (the smallest and largest value on each side).

Placeholders (:mod:`.sentinels`): a negative one counts when every other value is >= 0; a run of
nines when it is the column's largest value and lies above the high fence; a date from the
declared list when it lies beyond the fences (``0001-01-01`` and ``9999-12-31`` always).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from dcs_engine.techniques.profile.report import MissingCount, Outliers

MAX_BAND_SHARE = 0.4


def _label(plan, label):
    return next((c.value for c in plan.codes if c.label == label), None)


def _get(plan, tallies, label):
    code = _label(plan, label)
    return tallies.get(code) if code is not None else None


def from_number(plan, x):
    """A slot value back as the column's value (dates and timestamps from their numbers)."""
    if x is None:
        return None
    if plan.family == "temporal":
        if plan.spark_type == "date":
            return date(1970, 1, 1) + timedelta(days=int(x))
        return datetime.fromtimestamp(int(x) / 1_000_000)
    return x


VALUE_LABELS = ("below the low fence", "above the high fence", "below the probe's first quartile",
                "between the probe's quartiles", "above the probe's third quartile", "value")


def _value_tallies(plan, tallies):
    return [t for label in VALUE_LABELS if (t := _get(plan, tallies, label)) is not None and t.count]


def _placeholders(plan, tallies, rows, fences):
    """(placeholder MissingCounts, tallies of declared values that are ordinary values here)."""
    found, ordinary = [], []
    values = _value_tallies(plan, tallies)
    others_lo = min((t.lo for t in values if t.lo is not None), default=None)
    others_hi = max((t.hi for t in values if t.hi is not None), default=None)
    for label in ("negative placeholder", "nines placeholder", "impossible date", "placeholder date"):
        t = _get(plan, tallies, label)
        if t is None or not t.count:
            continue
        if label == "negative placeholder":
            real = others_lo is None or others_lo >= 0
        elif label == "nines placeholder":
            real = fences is not None and fences.high is not None and t.lo > fences.high \
                and (others_hi is None or t.hi >= others_hi)
        elif label == "impossible date":
            real = True
        else:
            real = fences is not None and fences.low is not None and (t.hi < fences.low or t.lo > fences.high)
        if real:
            vals = tuple(dict.fromkeys(from_number(plan, v) for v in (t.lo, t.hi)))
            what = "placeholder " + " / ".join(_show(v) for v in vals)
            found.append(MissingCount(what, t.count, t.count / rows if rows else 0.0, vals))
        else:
            ordinary.append(t)
    return found, ordinary


def _show(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _fence_check(plan, tallies, ordinary, fences) -> Outliers | None:
    if fences is None:
        return None
    if fences.low is None:
        return Outliers(fences.scale, fences.q1, fences.q3, None, None, 0, 0, (), (),
                        "no spread in the first rows (the quartiles are equal): no fences")
    below_q1 = sum(t.count for t in (_get(plan, tallies, "below the low fence"),
                                     _get(plan, tallies, "below the probe's first quartile")) if t)
    above_q3 = sum(t.count for t in (_get(plan, tallies, "above the high fence"),
                                     _get(plan, tallies, "above the probe's third quartile")) if t)
    total = sum(t.count for t in _value_tallies(plan, tallies)) + sum(t.count for t in ordinary)
    if total and (below_q1 > MAX_BAND_SHARE * total or above_q3 > MAX_BAND_SHARE * total):
        return Outliers(fences.scale, fences.q1, fences.q3, fences.low, fences.high, 0, 0, (), (),
                        f"the first rows do not represent this column ({below_q1 / total:.0%} of its values lie "
                        f"below their first quartile, {above_q3 / total:.0%} above their third: sorted data?); "
                        "outliers not checked")
    low, high = _get(plan, tallies, "below the low fence"), _get(plan, tallies, "above the high fence")
    below = low.count if low else 0
    above = high.count if high else 0
    lows = [low.lo, low.hi] if low and low.count else []
    highs = [high.hi, high.lo] if high and high.count else []
    for t in ordinary:  # declared values that are ordinary here still count against the fences
        if t.lo is not None and t.lo < fences.low:
            below += t.count
            lows.append(t.lo)
        if t.hi is not None and t.hi > fences.high:
            above += t.count
            highs.append(t.hi)
    as_value = [from_number(plan, v) for v in (fences.q1, fences.q3, fences.low, fences.high)]
    return Outliers(fences.scale, *as_value, below, above,
                    tuple(dict.fromkeys(from_number(plan, v) for v in sorted(lows))),
                    tuple(dict.fromkeys(from_number(plan, v) for v in sorted(highs, reverse=True))))


def summarize_numbers(plan, tallies, rows):
    """(min, max, missing counts, outliers) of a number, date or timestamp column."""
    missing = []
    for label in ("NaN", "+Infinity", "-Infinity"):
        t = _get(plan, tallies, label)
        if t is not None and t.count:
            missing.append(MissingCount(label, t.count, t.count / rows if rows else 0.0))
    fences = plan.fences
    found, ordinary = _placeholders(plan, tallies, rows, fences)
    every = _value_tallies(plan, tallies) + [t for label in ("negative placeholder", "nines placeholder",
                                                             "impossible date", "placeholder date")
                                             if (t := _get(plan, tallies, label)) is not None and t.count]
    lo = min((t.lo for t in every if t.lo is not None), default=None)
    hi = max((t.hi for t in every if t.hi is not None), default=None)
    outliers = _fence_check(plan, tallies, ordinary, fences)
    return from_number(plan, lo), from_number(plan, hi), tuple(missing + found), outliers
