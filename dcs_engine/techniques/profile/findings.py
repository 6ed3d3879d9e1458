"""What the profile says: findings (each one an outcome the runbook follows) and notes.

A finding's kind maps to an outcome (:data:`report.FINDING_OUTCOME`); the result's outcome is the
most urgent among its findings (:data:`report.OUTCOMES`: a filter that disagrees with the data,
then values that stand for "missing" but are not null, impossible values, mixed kinds, nulls),
``uniform`` when there is none.  Notes (hidden types, epoch readings, checks not made) inform and
never change the outcome.
"""
from __future__ import annotations

from dcs_engine.techniques.profile.report import OUTCOMES, Finding

HIDDEN = ("date", "timestamp", "integer", "decimal", "number", "time", "uuid", "bool", "json")


def _pct(n: int, rows: int) -> str:
    return f"{n:,} of {rows:,} values ({n / rows:.1%})" if rows else f"{n:,} values"


def _examples(values) -> str:
    return ", ".join(repr(v) if isinstance(v, str) else str(v) for v in list(values)[:3])


def _missing(col) -> list[Finding]:
    out = []
    kinds = {"NaN": "nan", "+Infinity": "infinite", "-Infinity": "infinite", "empty": "empty_strings",
             "whitespace only": "blank_strings", "placeholder": "placeholders"}
    for m in col.missing:
        kind = kinds.get(m.what) or ("date_placeholder" if col.spark_type in ("date", "timestamp", "timestamp_ntz")
                                     else "numeric_placeholder")
        what = {"NaN": "NaN (not null: isNull() and dropna() do not see them; use isnan())",
                "empty": "empty strings", "whitespace only": "whitespace-only strings",
                "placeholder": "placeholder text" + (f" ({_examples(m.examples)})" if m.examples else "")}.get(
            m.what, m.what)
        if kind == "numeric_placeholder" and m.what.startswith("placeholder -"):
            what += ", standing for 'no value' (every other value is >= 0)"
        elif kind in ("numeric_placeholder", "date_placeholder"):
            what += ", standing for 'no value' (far outside the other values)"
        out.append(Finding(kind, col.name, f"{_pct(m.count, col.rows)} are {what}", m.count, col.share(m.count)))
    return out


def _impossible(col) -> list[Finding]:
    o = col.outliers
    if o is None or o.note or not o.count:
        return []
    scale = " on the linear and the log scale" if o.scale == "linear and log" else ""
    parts = []
    if o.below:
        parts.append(f"{o.below:,} below {o.low:.6g}" if isinstance(o.low, float) else f"{o.below:,} below {o.low}")
    if o.above:
        parts.append(f"{o.above:,} above {o.high:.6g}" if isinstance(o.high, float) else f"{o.above:,} above {o.high}")
    examples = _examples(list(o.high_examples) + list(o.low_examples))
    text = (f"{_pct(o.count, col.rows)} lie far outside the rest ({', '.join(parts)}: beyond the quartiles by "
            f"3 interquartile ranges{scale}), e.g. {examples}")
    return [Finding("impossible_values", col.name, text, o.count, col.share(o.count))]


def _family(lay) -> str:
    """Layouts that read the same way are one family: plain numbers with or without thousands separators,
    words and ids; each date or timestamp layout is its own (``20160620`` against ``2016-06-20``)."""
    if lay.kind in ("integer", "decimal") or lay.layout == "thousands separators":
        return "number"
    return "text" if lay.kind in ("id", "text") else lay.layout


def _mixed(col) -> list[Finding]:
    out = []
    families: dict[str, int] = {}
    for lay in col.layouts:
        families[_family(lay)] = families.get(_family(lay), 0) + lay.count
    if col.spark_type == "string" and len(families) > 1:
        minority = sum(sorted(families.values(), reverse=True)[1:])
        detail = "; ".join(f"{lay.layout} {lay.count:,}" + (f" (e.g. {_examples(lay.examples)})"
                                                             if lay.examples else "") for lay in col.layouts)
        kind = "unlike_the_rest" if minority * 100 < col.rows else "mixed_kinds"
        out.append(Finding(kind, col.name, "values look like " + ", ".join(f"{k} ({n:,})" for k, n in col.kinds)
                           + f": {detail}", minority, col.share(minority)))
    present = [(k, n) for k, n in col.json_types if k not in ("null", "missing", "null or missing")]
    if len({"number" if k in ("integer", "decimal") else k for k, _ in present}) > 1:
        out.append(Finding("mixed_json_types", col.name, "the JSON records hold " + ", ".join(
            f"{k} ({n:,})" for k, n in present) + f"; Spark reads them all as {col.spark_type}"))
    return out


def _notes(col) -> list[Finding]:
    out = []
    if col.spark_type == "string" and col.layouts and col.layouts[0].kind in HIDDEN \
            and len({_family(lay) for lay in col.layouts}) == 1:
        lay = col.layouts[0]
        out.append(Finding("hidden_type", col.name, f"text holding {lay.kind} values ({lay.layout}, "
                                                    f"{lay.count:,} of {col.rows:,}), e.g. {_examples(lay.examples)}"))
    if col.reading:
        out.append(Finding("epoch", col.name, f"the integers read as {col.reading}"))
    if col.outliers is not None and col.outliers.note:
        out.append(Finding("outliers_not_checked", col.name, col.outliers.note))
    return out


def column_findings(columns) -> tuple[list[Finding], list[Finding]]:
    findings, notes = [], []
    for col in columns:
        findings += _missing(col) + _impossible(col) + _mixed(col)
        if col.nulls:
            findings.append(Finding("nulls", col.name, f"{_pct(col.nulls, col.rows)} are null (None reaches your "
                                                       "code)", col.nulls, col.share(col.nulls)))
        notes += _notes(col)
    return findings, notes


def literal_findings(where_plan, counts, filter_error: str) -> list[Finding]:
    """The where clause against the data: it fails, a literal cannot mean a column value, or the
    count as written differs from the count by meaning."""
    out = []
    if filter_error:
        out.append(Finding("filter_fails", "", f"the filter fails on this data: {filter_error}"))
    for chk in where_plan.checks if where_plan else ():
        if chk.problem:
            out.append(Finding("literal_mismatch", chk.comparison.column,
                               f"the filter compares {chk.describe()} with values written {chk.column_layout}: "
                               f"{chk.problem}"))
    written, meaning = counts.get("written"), counts.get("meaning")
    if where_plan and where_plan.meaning and meaning is not None and written != meaning:
        detail = "; ".join(f"{c.describe()} (the literal is written {c.literal_layout}, the column "
                           f"{c.column_layout})" for c in where_plan.checks if not c.problem)
        shown = "fails as written" if written is None else f"keeps {written:,} rows as written"
        out.append(Finding("literal_mismatch", where_plan.checks[0].comparison.column,
                           f"the filter {shown} but {meaning:,} by meaning: {detail}",
                           abs((written or 0) - meaning)))
    return out


def outcome_of(findings) -> str:
    present = {f.outcome for f in findings}
    return next((o for o in OUTCOMES if o in present), "uniform")


def ordered(findings) -> list[Finding]:
    rank = {o: i for i, o in enumerate(OUTCOMES)}
    return sorted(findings, key=lambda f: rank.get(f.outcome, len(rank)))
