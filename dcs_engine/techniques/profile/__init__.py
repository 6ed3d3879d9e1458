"""profile: data variance, column by column, counted by Spark in one pass.

Three steps (one small read, one pass, no value shipped to Python):

1. the *probe* (:mod:`.probe`): the first :data:`PROBE_ROWS` rows decide what the pass checks
   per column (:mod:`.plan`): the layouts a text column is written in (:mod:`.layouts`: dates and
   timestamps with ``-``, ``/``, ``.``, ``T``, zones and fractions, epoch seconds and milliseconds,
   numbers with separators, UUIDs, booleans as text, JSON...), the quartiles a number column's
   fences start from; they also give the shapes (``20160620`` -> ``99999999``) and examples shown;
2. the *pass* (:mod:`.spark_pass`): every value gets a code (null, NaN, +/-Infinity, empty,
   whitespace-only, a placeholder such as ``'NA'`` or ``-1`` (:mod:`.sentinels`), one of the
   column's layouts, below/above its fences...), and one aggregation counts rows per code over
   every row -- with the rows that pass the where clause as written, with its literals rewritten
   in their columns' layouts, and compared by meaning (:mod:`.wherecheck`);
3. the *findings* (:mod:`.findings`): each is an outcome the runbook follows --
   ``filter_mismatch`` (the filter fails, or keeps another number of rows than by meaning),
   ``missing_values`` (NaN, infinities, empty or whitespace strings, placeholders), ``impossible_values``
   (far outside the rest: :mod:`.outliers`), ``mixed_types`` (kinds or layouts mixed in a column, JSON
   types mixed across records), ``nulls``; ``uniform`` when none holds.

Counts are exact over all rows (or the ``sample`` fraction asked for); shapes and examples come from
the probe.  The same code runs on classic Spark and on Spark Connect: it is all DataFrame expressions.
"""
from __future__ import annotations

import time

from dcs_engine.contract import Param, Technique
from dcs_engine.errors import ParameterError, SourceError
from dcs_engine.techniques._common import SOURCE
from dcs_engine.techniques.profile import findings as FND
from dcs_engine.techniques.profile import plan as P
from dcs_engine.techniques.profile import probe as PR
from dcs_engine.techniques.profile import spark_pass, summarize, wherecheck
from dcs_engine.techniques.profile import sql as S
from dcs_engine.techniques.profile.layouts import epoch_reading
from dcs_engine.techniques.profile.report import (
    ColumnProfile,
    Finding,
    LayoutCount,
    LiteralResult,
    MissingCount,
    Outliers,
    ProfileReport,
    ShapeCount,
)

__all__ = ["ColumnProfile", "Finding", "LayoutCount", "MissingCount", "Outliers", "ProfileReport", "ShapeCount",
           "TECHNIQUE", "profile_df", "run"]
PROBE_ROWS = 2000
NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double")


def _family(field_) -> str:
    simple = field_.dataType.simpleString()
    if simple == "string":
        return "string"
    if simple in NUMERIC or simple.startswith("decimal"):
        return "number"
    if simple in ("date", "timestamp", "timestamp_ntz"):
        return "temporal"
    return "bool" if simple == "boolean" else "other"


def make_plans(fields, rows, variants):
    """Per field its plan (and a JSON-type plan for VARIANT fields); ``rows`` are the probe's."""
    plans, json_plans, values = [], {}, []
    for i, f in enumerate(fields):
        col = [r[i] for r in rows]
        family, simple, expr = _family(f), f.dataType.simpleString(), S.ident(f.name)
        if family == "string":
            plans.append(P.string_plan(len(plans), f.name, simple, expr, col))
        elif family == "number":
            plans.append(P.numeric_plan(len(plans), f.name, simple, expr, col, simple in ("float", "double")))
        elif family == "temporal":
            plans.append(P.temporal_plan(len(plans), f.name, simple, expr, col))
        else:
            plans.append(P.simple_plan(len(plans), f.name, simple, expr, family))
        values.append(col)
        if f.name in variants:
            json_plans[f.name] = len(plans)
            plans.append(P.simple_plan(len(plans), f.name, "variant", S.ident(variants[f.name]), "json"))
            values.append([PR.variant_code(r[len(fields) + list(variants).index(f.name)]) for r in rows])
    return plans, json_plans, values


def _readings(fields, rows) -> dict:
    out = {}
    for i, f in enumerate(fields):
        if f.dataType.simpleString() in NUMERIC[:4]:
            vals = [r[i] for r in rows if r[i] is not None]
            reading = epoch_reading(min(vals), max(vals)) if vals else None
            if reading is not None:
                out[f.name] = reading
    return out


def _check_where(df, where: str, names) -> None:
    try:
        _ = df.where(where).schema
    except Exception as exc:
        from dcs_engine.triage import innermost_message

        found = innermost_message(exc)
        raise SourceError(f"where clause {where!r}", condition="SOURCE_BAD_FILTER",
                          params={"where": where, "found": found}, expected="a SQL condition on the source's columns",
                          found=found, fix="columns are: " + ", ".join(names)) from None


def _pass_with_fallbacks(data, plans, flags, codes):
    """Run the pass; if the filter as written fails on the data, again without it (then without any)."""
    from dcs_engine.triage import innermost_message

    try:
        return spark_pass.run_pass(data, plans, flags, codes), list(flags), ""
    except Exception as exc:
        if not flags:
            raise
        error = innermost_message(exc)
    rest = flags[1:]
    try:
        return spark_pass.run_pass(data, plans, rest, codes), [None, *rest], error
    except Exception:
        if not rest:
            raise
    return spark_pass.run_pass(data, plans, [], codes), [None] * len(flags), error


def _flag_counts(result, used, names) -> dict:
    counts = dict.fromkeys(names)
    at = 0
    for name, clause in zip(names, used):
        if clause is not None:
            counts[name] = result.flag_rows[at]
            at += 1
    return counts


def _profiles(fields, plans, json_plans, values, result, top, json_source, found):
    out = []
    for f in fields:
        i, jp = _plan_index(plans, f.name), json_plans.get(f.name)
        out.append(summarize.column_profile(
            plans[i], f, result.tallies[i], result.rows, values[i], top,
            json_plan=plans[jp] if jp is not None else None,
            json_tallies=result.tallies[jp] if jp is not None else None, json_source=json_source,
            found_examples=found.get(i)))
    return out


def _plan_index(plans, name) -> int:
    return next(p.index for p in plans if p.name == name and p.family != "json")


def _validate(df, where, sample, columns, hidden):
    names = [c for c in df.columns if c not in hidden]
    if not 0 < sample <= 1:
        raise ParameterError("sample fraction", condition="PARAM_OUT_OF_RANGE",
                             params={"param": "sample", "found": sample}, expected="a fraction above 0 and at most 1",
                             found=repr(sample), fix="use 1 for all rows, or e.g. 0.01 for a 1% sample")
    if where:
        _check_where(df, where, names)
    missing = [c for c in columns if c not in names]
    if missing:
        raise SourceError(f"column {missing[0]!r}", condition="COLUMN_NOT_FOUND",
                          params={"param": "columns", "column": missing[0], "available": names},
                          expected="one of " + ", ".join(names), found=repr(missing[0]),
                          fix="pick columns that exist in the source")
    return names


def profile_df(df, *, where: str = "", sample: float = 1.0, seed: int = 42, top: int = 10, columns=(),
               source: str = "DataFrame", variants=None, json_source: bool = False,
               probe_rows: int = PROBE_ROWS) -> ProfileReport:
    """Profile ``df`` (the data BEFORE ``where``); compare ``where``'s literals with the data by meaning.

    ``columns``: profile only these (the filter may use others).  ``variants``: from
    :func:`probe.json_frame` for JSON files (each record's JSON type per field)."""
    variants = variants or {}
    where = (where or "").strip()
    _validate(df, where, sample, columns, set(variants.values()))
    start = time.perf_counter()
    data = df.sample(fraction=sample, seed=seed) if sample < 1 else df
    fields = [f for f in df.schema.fields if f.name not in set(variants.values())
              and (not columns or f.name in columns)]
    variants = {k: v for k, v in variants.items() if any(f.name == k for f in fields)}
    rows = PR.probe_rows(data, [f.name for f in fields] + list(variants.values()), probe_rows)
    plans, json_plans, values = make_plans(fields, rows, variants)
    wplan = wherecheck.plan_where(where, {p.name: p for p in plans if p.family != "json"}, _readings(fields, rows)) \
        if where else None
    names = ["written", "rewritten", "meaning"]
    clauses = [where or None, (wplan.rewritten or None) if wplan else None, (wplan.meaning or None) if wplan else None]
    flags = [c for c in clauses if c]
    codes = [[P.code_of(p, v) for v in col] for p, col in zip(plans, values)]
    result, used, filter_error = _pass_with_fallbacks(data, plans, flags, codes) if plans else \
        (spark_pass.PassResult(0, (), (), 0, ()), [], "")
    counts = _flag_counts(result, used, [n for n, c in zip(names, clauses) if c])
    found = spark_pass.search_examples(data, plans, result.tallies, codes) if plans else {}
    profiles = _profiles(fields, plans, json_plans, values, result, top, json_source or bool(variants), found) \
        if plans else []
    return _report(source, where, sample, start, profiles, wplan, counts, filter_error, result, len(rows))


def _report(source, where, sample, start, profiles, wplan, counts, filter_error, result, probed) -> ProfileReport:
    col_findings, notes = FND.column_findings(profiles)
    lit = FND.literal_findings(wplan, counts, filter_error)
    all_findings = FND.ordered(lit + col_findings)
    suggested, in_suggested = "", None
    if any(f.kind == "literal_mismatch" for f in lit) and counts.get("meaning") is not None:
        if wplan.rewritten and counts.get("rewritten") == counts["meaning"]:
            suggested, in_suggested = wplan.rewritten, counts["rewritten"]
        else:
            suggested, in_suggested = wplan.meaning_shown, counts["meaning"]
    corrupt = next((c for c in profiles if c.name == PR.CORRUPT), None)
    return ProfileReport(
        source=source, rows=result.rows, where=where, rows_in_filter=counts.get("written"),
        suggested_where=suggested, rows_in_suggested=in_suggested, sample=sample, columns=tuple(profiles),
        comparisons=tuple(LiteralResult(c.describe(), c.literal_layout, c.column_layout, c.problem)
                          for c in (wplan.checks if wplan else ())),
        findings=tuple(all_findings), notes=tuple(notes), elapsed_s=time.perf_counter() - start,
        outcome=FND.outcome_of(all_findings), probe_rows=probed,
        rewritten_where=wplan.rewritten if wplan else "", rows_in_rewritten=counts.get("rewritten"),
        meaning_where=wplan.meaning_shown if wplan else "", rows_by_meaning=counts.get("meaning"),
        filter_error=filter_error, malformed_records=corrupt.non_null if corrupt else None, groups=result.groups)


def run(ctx, params) -> ProfileReport:
    from dcs_engine import registry
    from dcs_engine.inputs.sources import load, read_base

    spark, spec = ctx.spark, params.source
    base = read_base(spark, spec)  # read once: for JSON, inferring the schema is a Spark job
    registry.check_columns(params, base.columns)
    load(spark, spec, base=base)  # checks the where clause and the source's columns, with the sources' messages
    json_source = spec.kind == "path" and spec.format in ("json", "jsonl")
    found = PR.json_frame(spark, spec.path.strip(), base.schema, PROBE_ROWS) if json_source and params.json_types \
        else None
    frame, variants = found if found else (base, None)
    return profile_df(frame, where=spec.where, sample=params.sample, top=params.top, columns=spec.columns,
                      source=spec.describe(), variants=variants, json_source=json_source)


TECHNIQUE = Technique(
    id="profile",
    title="Profile data variance",
    summary=("Per column, counted over every row: nulls, and apart from them NaN, infinities, empty and "
             "whitespace-only strings and placeholders ('NA', -1, 9999); values far outside the rest; the "
             "layouts text is written in (dates, timestamps, epoch times, numbers, UUIDs, JSON), with shapes "
             "(20160620 -> 99999999); and your filter's literals compared with the data by meaning."),
    snippet=("from pyspark.sql import functions as F\n"
             "c = F.col('submission_date')\n"
             "df.select(F.count_if(c.isNull()).alias('nulls'), F.count_if(c == '').alias('empty'),\n"
             "          F.count_if(F.lower(F.trim(c)).isin('na', 'n/a', 'null', 'none')).alias('placeholders'),\n"
             "          F.count_if(F.expr(\"try_to_date(submission_date, 'yyyyMMdd')\").isNull())"
             ".alias('not yyyyMMdd')).show()\n"
             "df.select([F.count_if(F.isnan(c)).alias(c) for c, t in df.dtypes if t in ('float', 'double')]).show()\n"),
    params=(
        SOURCE,
        Param("sample", "float", default=1.0, min=0.0001, max=1.0, label="Sample fraction",
              help="1 profiles every row; 0.01 a 1% random sample"),
        Param("top", "int", default=10, min=1, max=100, label="Shapes shown per column"),
        Param("json_types", "bool", default=True, label="JSON types per record",
              help="JSON files: count each record's JSON type (string, integer, null, missing...) for fields "
                   "whose first records mix types; reads those fields as VARIANT, which costs more"),
    ),
    outcomes=("filter_mismatch", "missing_values", "impossible_values", "mixed_types", "nulls", "uniform"),
    run=run,
)
