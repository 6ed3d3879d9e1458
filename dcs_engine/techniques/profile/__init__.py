"""profile: data variance, column by column, in one pass.

For every column: nulls, the Python types a row function meets there, value
*shapes* (see :mod:`dcs_engine.techniques.profile.shapes`) with counts and examples, what string
values look like (integer, decimal, date, yyyyMMdd date, bool, text, empty),
and min/max.  Given the source's ``where`` clause, each literal's shape is
compared with the shapes of the column it is compared to, and the row count
with and without the filter is computed in the same pass -- together with the
count the filter would give with the literal rewritten in the column's shape
(``'2017-05-19'`` -> ``'20170519'``), the talk's fix.

One pass, one job: ``mapInArrow`` hands each task Arrow batches; per batch
and column, numpy/pyarrow compute the shapes and group by shape (count, rows
passing the filter, min/max) -- integers from their sign and digit count, columns
with repeated values through their dictionary (only distinct values are shaped),
the rest row by row (see :func:`dcs_engine.techniques.profile.shapes.profile_task`); each task sends
one small pickled summary and the driver merges them.  The filter flags are
computed by Spark in the same scan.  ``sample`` < 1 profiles a random sample.
Integer min/max are exact; other numeric min/max go through float64.

Outcome ``variance_found`` when at least one *finding* holds:

- ``literal_shape``: a where literal's shape is not among the shapes of its
  column (for numeric columns: the literal is not a number; for date and
  timestamp columns: not a date);
- ``nulls``: a column holds nulls (``None`` reaches the code);
- ``filter_fails``: evaluating the where clause raises on the data (e.g. an
  ANSI cast of ``'one'`` to a number); the profile then runs without it;
- ``mixed_kinds``: the non-null values of a string column look like more
  than one kind (e.g. numbers and text, or yyyyMMdd and yyyy-MM-dd dates) --
  what a JSON field holding str and int becomes once Spark infers "string";
- ``mixed_json_types`` (JSON files): a field's records hold more than one JSON type (e.g.
  string and integer), counted per record: :func:`json_frame` reads the fields Spark infers
  as string as VARIANT in the same scan, so each record's token type survives
  (``ColumnProfile.json_types``: string, integer, decimal, boolean, object, array, null,
  missing).  Integer and decimal together are not a finding (Spark reads both as a number).
  Without VARIANT support the profile reads the typed columns only, without JSON types.

Otherwise ``uniform``.  Integers of different lengths, or text of different
lengths, are one kind and not a finding.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

from dcs_engine.contract import Param, Technique
from dcs_engine.errors import ParameterError, SourceError
from dcs_engine.results import Reportable, md_table
from dcs_engine.techniques._common import SOURCE
from dcs_engine.techniques.profile import shapes

PY_TYPES = {"string": "str", "boolean": "bool", "tinyint": "int", "smallint": "int", "int": "int",
            "bigint": "int", "float": "float", "double": "float", "date": "date", "timestamp": "datetime",
            "timestamp_ntz": "datetime", "binary": "bytearray", "void": "NoneType"}
KIND_SHAPES = 2000  # shapes per column read for the "looks like" counts
NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double")


@dataclass(frozen=True)
class ShapeCount:
    shape: str | None          # None: the null values
    count: int
    in_filter: int             # rows of this shape that pass the where clause
    kind: str
    examples: tuple            # smallest and largest value of this shape


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    spark_type: str
    nulls: int
    rows: int
    python_types: tuple[str, ...]
    shapes: tuple[ShapeCount, ...]        # the most common shapes (nulls included)
    distinct_shapes: int                   # non-null shapes in all
    kinds: tuple[tuple[str, int], ...]     # what the non-null values look like, with counts
    min: object
    max: object
    # JSON sources: how the records spell this field (string, integer, decimal, boolean, object, array,
    # null, missing; "null or missing" where Spark's typed read cannot tell them apart), with counts
    json_types: tuple[tuple[str, int], ...] = ()

    @property
    def non_null(self) -> int:
        return self.rows - self.nulls


@dataclass(frozen=True)
class Finding:
    kind: str            # literal_shape, nulls, mixed_kinds
    column: str
    text: str


@dataclass(frozen=True)
class ProfileReport(Reportable):
    source: str
    rows: int
    where: str
    rows_in_filter: int | None
    suggested_where: str
    rows_in_suggested: int | None
    sample: float
    columns: tuple[ColumnProfile, ...]
    comparisons: tuple[tuple[str, str, str], ...]   # (comparison, literal shape, column shapes)
    findings: tuple[Finding, ...]
    elapsed_s: float
    outcome: str
    filter_error: str = ""
    malformed_records: int | None = None   # JSON sources: lines Spark could not parse (_corrupt_record)

    def column(self, name: str) -> ColumnProfile:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def headline(self) -> str:
        scope = f"a {self.sample:.0%} sample ({self.rows:,} rows)" if self.sample < 1 else f"{self.rows:,} rows"
        if not self.findings:
            return f"Uniform: {len(self.columns)} columns over {scope}, no nulls, one kind of value per column."
        first = self.findings[0]
        return f"Variance in {scope}: {len(self.findings)} finding(s); first: {first.text}"

    def to_markdown(self) -> str:
        out = [self.headline, ""]
        if self.where:
            out.append(md_table(["rows", "count"], self._count_rows()))
            out.append("")
        out += [f"- **{f.kind}** `{f.column}`: {f.text}" for f in self.findings]
        if self.malformed_records:
            out.append(f"- {self.malformed_records:,} JSON line(s) could not be parsed (see `_corrupt_record`)")
        json = any(c.json_types for c in self.columns)
        out += ["", md_table(
            ["column", "type", "python"] + (["json types"] if json else []) +
            ["nulls", "shapes", "top shapes", "looks like", "min", "max"],
            [(c.name, c.spark_type, ", ".join(c.python_types)) + ((json_types_text(c.json_types),) if json else ())
             + (c.nulls, c.distinct_shapes,
                ", ".join(f"{s.shape} ({s.count:,})" for s in c.shapes if s.shape is not None)[:80],
                ", ".join(f"{k} {n:,}" for k, n in c.kinds), c.min, c.max) for c in self.columns], width=40)]
        return "\n".join(out)

    def _count_rows(self):
        rows = [("without the filter", self.rows), (f"where {self.where}", self.rows_in_filter)]
        if self.suggested_where:
            rows.append((f"where {self.suggested_where}", self.rows_in_suggested))
        return rows


def json_types_text(types) -> str:
    return ", ".join(f"{k} {n:,}" for k, n in types)


# -- JSON sources: token types through Spark's VARIANT ---------------------------------
VARIANT_PREFIX = "__dcs_v"
CORRUPT = "_corrupt_record"
JSON_OF_SPARK = {"bigint": "integer", "int": "integer", "smallint": "integer", "tinyint": "integer",
                 "double": "decimal", "float": "decimal", "boolean": "boolean", "struct": "object",
                 "array": "array", "map": "object", "string": "string"}


def json_frame(spark, path: str, schema):
    """The JSON files at ``path`` read in one scan with string fields as VARIANT, or None.

    ``schema`` is Spark's inferred schema.  A field Spark infers as string is where records
    disagree (str in some, int in others): it is read as VARIANT, so each record's token type
    survives.  The frame keeps the typed columns by name (a string field is the VARIANT cast to
    string; Spark computes it only if the where clause uses it) and adds one hidden VARIANT
    column per string field.  Returns ``(frame, {field: hidden column})``; None when this Spark
    has no VARIANT (the profile then reads the typed columns only).
    """
    try:
        from pyspark.sql import functions as F
        from pyspark.sql import types as T

        strings = [f.name for f in schema.fields if isinstance(f.dataType, T.StringType) and f.name != CORRUPT]
        if not strings:
            return None
        read_schema = T.StructType([T.StructField(f.name, T.VariantType(), True) if f.name in strings else f
                                    for f in schema.fields])
        raw = spark.read.schema(read_schema).json(path)
        hidden = {name: f"{VARIANT_PREFIX}{i}" for i, name in enumerate(strings)}
        frame = raw.select(*[F.col(f"`{f.name}`").cast("string").alias(f.name) if f.name in hidden
                             else F.col(f"`{f.name}`") for f in schema.fields],
                           *[F.col(f"`{name}`").alias(h) for name, h in hidden.items()])
        _ = frame.schema  # analysis: fails here if VARIANT is not supported
        return frame, hidden
    except Exception:  # noqa: BLE001 -- any failure: profile the typed columns as before
        return None


def _json_types(field_, counts, rows, nulls) -> tuple[tuple[str, int], ...]:
    if counts is not None:
        return tuple((name, int(n)) for name, n in sorted(zip(shapes.JSON_TYPES, counts), key=lambda kv: -kv[1])
                     if n)
    if field_.name == CORRUPT:
        return ()
    dt = field_.dataType
    name = JSON_OF_SPARK.get(dt.simpleString()) or JSON_OF_SPARK.get(dt.typeName()) or dt.simpleString()
    if dt.typeName() == "decimal":
        name = "decimal"
    return tuple((k, n) for k, n in ((name, rows - nulls), ("null or missing", nulls)) if n)


# -- the one pass ----------------------------------------------------------------
def _task_kind(field_) -> str:
    from pyspark.sql import types as T

    dt = field_.dataType
    if isinstance(dt, (T.StructType, T.ArrayType, T.MapType, T.BinaryType)):
        return f"<{dt.typeName()}>"
    if isinstance(dt, T.StringType):
        return "string"
    return "number" if isinstance(dt, T.NumericType) else "other"


def _literal_variants(where: str) -> str:
    """The where clause with date literals rewritten in the other common layout ('' if none)."""
    out = where
    for cmp in shapes.where_literals(where):
        if not cmp.quoted:
            continue
        if cmp.shape == "9999-99-99":
            new = cmp.literal.replace("-", "")
        elif cmp.shape == "99999999" and shapes.looks_like_compact_date(cmp.literal):
            new = f"{cmp.literal[:4]}-{cmp.literal[4:6]}-{cmp.literal[6:]}"
        else:
            continue
        out = re.sub(r"(['\"])" + re.escape(cmp.literal) + r"\1", f"'{new}'", out)
    return "" if out == where else out


def _one_pass(df, fields, where: str, alt_where: str, top: int, variants=None) -> tuple[list[dict], list]:
    """One job: tasks tally (column, shape) groups over Arrow batches; the driver merges them.

    ``variants`` maps a field to its hidden VARIANT column (JSON sources): that column is sent
    instead, and the tasks also count its JSON token types.  Returns the groups and, per field,
    the JSON type counts (None for fields without a VARIANT column)."""
    import pickle

    from pyspark.sql import functions as F

    def flag(clause):
        return F.coalesce(F.expr(clause), F.lit(False)).cast("long") if clause else F.lit(1).cast("long")

    variants = variants or {}
    kinds = ["json" if f.name in variants else _task_kind(f) for f in fields]
    data = df.select(*[F.col(f"`{variants.get(f.name, f.name)}`") for f in fields], flag(where).alias("__dcs_w"),
                     flag(alt_where).alias("__dcs_w2"))
    shapes.register_by_value()
    merged = [dict() for _ in fields]
    json_counts = [[0] * len(shapes.JSON_TYPES) if f.name in variants else None for f in fields]
    for row in data.mapInArrow(shapes.profile_task(kinds), "groups binary").collect():
        blob = pickle.loads(row[0])
        for j, groups in enumerate(blob["groups"]):
            for key, g in groups.items():
                shapes.merge_groups(merged[j], key, g)
            if json_counts[j] is not None:
                json_counts[j] = [a + b for a, b in zip(json_counts[j], blob["json"][j])]
    out = []
    for j, groups in enumerate(merged):
        ordered = sorted(groups.items(), key=lambda kv: (-kv[1][0], kv[0] is None, kv[0] or ""))
        col = {"total": sum(g[0] for g in groups.values()), "wtotal": sum(g[1] for g in groups.values()),
               "w2total": sum(g[2] for g in groups.values()),
               "nshapes": sum(1 for k in groups if k is not None),
               "col_vmin": None, "col_vmax": None, "col_nmin": None, "col_nmax": None}
        for g in groups.values():
            col["col_vmin"], col["col_vmax"] = shapes._least(col["col_vmin"], g[3]), shapes._most(col["col_vmax"], g[4])
            col["col_nmin"], col["col_nmax"] = shapes._least(col["col_nmin"], g[5]), shapes._most(col["col_nmax"], g[6])
        for rank, (key, g) in enumerate(ordered, 1):
            if rank > max(top, KIND_SHAPES) and key is not None:
                continue
            out.append(dict(col, c=j, s=key, rank=rank, cnt=g[0], wcnt=g[1], w2cnt=g[2], vmin=g[3], vmax=g[4],
                            nmin=g[5], nmax=g[6], boolish=g[7]))
    return out, json_counts


def _kind(shape, vmin, vmax, boolish, cnt, spark_type) -> str:
    if spark_type != "string":
        return {"boolean": "bool", "date": "date"}.get(spark_type, "integer" if spark_type in NUMERIC[:4]
                                                         else "decimal" if spark_type in NUMERIC else spark_type)
    if boolish == cnt:
        return "bool"
    kind = shapes.kind_of(shape)
    if kind == "integer" and shape == "99999999" and shapes.looks_like_compact_date(vmin) \
            and shapes.looks_like_compact_date(vmax):
        return "date (yyyyMMdd)"
    return kind


def _column(i, field_, groups, top, json_counts=None, json_source=False) -> ColumnProfile:
    spark_type = field_.dataType.simpleString()
    g0 = groups[0] if groups else None
    rows = int(g0["total"]) if g0 else 0
    nulls = sum(int(g["cnt"]) for g in groups if g["s"] is None)
    kinds: dict[str, int] = {}
    shape_list = []
    for g in groups:
        kind = "null" if g["s"] is None else _kind(g["s"], g["vmin"], g["vmax"], g["boolish"], g["cnt"], spark_type)
        if g["s"] is not None:
            kinds[kind] = kinds.get(kind, 0) + int(g["cnt"])
        if g["rank"] <= top or g["s"] is None:
            ex = tuple(dict.fromkeys(v for v in (g["vmin"], g["vmax"]) if v is not None))
            shape_list.append(ShapeCount(g["s"], int(g["cnt"]), int(g["wcnt"] or 0), kind, ex))
    if field_.dataType.typeName() in ("struct", "array", "map"):
        py = {"struct": "Row", "array": "list", "map": "dict"}[field_.dataType.typeName()]
    elif spark_type.startswith("decimal"):
        py = "Decimal"
    else:
        py = PY_TYPES.get(spark_type, spark_type)
    python_types = tuple(t for t, present in ((py, rows > nulls), ("NoneType", nulls > 0)) if present)
    if g0 is not None and spark_type in NUMERIC:
        lo, hi = g0["col_nmin"], g0["col_nmax"]
        if spark_type in NUMERIC[:4] and lo is not None:
            lo, hi = int(lo), int(hi)
    else:
        lo, hi = (g0["col_vmin"], g0["col_vmax"]) if g0 is not None else (None, None)
    return ColumnProfile(field_.name, spark_type, nulls, rows, python_types, tuple(shape_list),
                         int(g0["nshapes"]) if g0 else 0, tuple(sorted(kinds.items(), key=lambda kv: -kv[1])),
                         lo, hi, _json_types(field_, json_counts, rows, nulls) if json_source else ())


def _findings(columns, comparisons_in) -> tuple[list[Finding], list[tuple[str, str, str]]]:
    findings: list[Finding] = []
    comparisons = []
    by_name = {c.name.lower(): c for c in columns}
    for cmp in comparisons_in:
        col = by_name.get(cmp.column.lower())
        if col is None:
            continue
        col_shapes = [s.shape for s in col.shapes if s.shape is not None]
        comparisons.append((cmp.describe(), cmp.shape, ", ".join(col_shapes[:5])))
        lit_kind = shapes.kind_of(cmp.shape)
        if col.spark_type in NUMERIC or col.spark_type.startswith("decimal"):
            bad = lit_kind not in ("integer", "decimal")
        elif col.spark_type == "date":
            bad = lit_kind != "date"
        elif col.spark_type.startswith("timestamp"):
            bad = lit_kind not in ("date", "timestamp")
        elif col.spark_type == "string":
            bad = bool(col_shapes) and cmp.shape not in col_shapes and col.distinct_shapes <= len(col.shapes)
        else:
            bad = False
        if bad:
            findings.append(Finding("literal_shape", col.name,
                                    f"the filter compares {cmp.describe()} (shape {cmp.shape}) with values shaped "
                                    + ", ".join(col_shapes[:3]) + f" (e.g. {col.min})"))
    for col in columns:
        if col.nulls:
            findings.append(Finding("nulls", col.name, f"{col.nulls:,} of {col.rows:,} values are null "
                                                       "(None reaches your code)"))
        real = [(k, n) for k, n in col.kinds if k != "null"]
        if col.spark_type == "string" and len(real) > 1:
            findings.append(Finding("mixed_kinds", col.name, "values look like " + ", ".join(
                f"{k} ({n:,})" for k, n in real)))
        present = [(k, n) for k, n in col.json_types if k not in ("null", "missing", "null or missing")]
        # integer and decimal tokens both become one Spark number type: not a surprise for the code
        if len({"number" if k in ("integer", "decimal") else k for k, _ in present}) > 1:
            findings.append(Finding("mixed_json_types", col.name, "the JSON records hold " + ", ".join(
                f"{k} ({n:,})" for k, n in present) + f"; Spark reads them all as {col.spark_type}"))
    order = {"filter_fails": 0, "literal_shape": 0, "mixed_json_types": 1, "mixed_kinds": 1, "nulls": 2}
    findings.sort(key=lambda f: order[f.kind])
    return findings, comparisons


def profile_df(df, *, where: str = "", sample: float = 1.0, seed: int = 42, top: int = 10,
               columns=(), source: str = "DataFrame", variants=None, json_source: bool = False) -> ProfileReport:
    """Profile ``df`` (the data BEFORE ``where``); compare ``where``'s literals with the data.

    ``columns``: profile only these (the filter may still use the others).
    ``variants`` / ``json_source``: from :func:`json_frame` for JSON files (adds ``json_types``).
    """
    variants = variants or {}
    hidden = set(variants.values())
    names = [c for c in df.columns if c not in hidden]
    if not 0 < sample <= 1:
        raise ParameterError("sample fraction", expected="a fraction above 0 and at most 1", found=repr(sample),
                             fix="use 1 for all rows, or e.g. 0.01 for a 1% sample")
    where = (where or "").strip()
    if where:
        try:
            df.where(where).schema
        except Exception as exc:
            from dcs_engine.triage import innermost_message

            raise SourceError(f"where clause {where!r}", expected="a SQL condition on the source's columns",
                              found=innermost_message(exc), fix="columns are: " + ", ".join(names)) from None
    start = time.perf_counter()
    data = df.sample(fraction=sample, seed=seed) if sample < 1 else df
    alt = _literal_variants(where) if where else ""
    wanted = set(columns or ())
    missing = sorted(wanted - set(names))
    if missing:
        raise SourceError(f"column {missing[0]!r}", expected="one of " + ", ".join(names),
                          found=repr(missing[0]), fix="pick columns that exist in the source")
    fields = [f for f in df.schema.fields if f.name not in hidden and (not wanted or f.name in wanted)]
    filter_error = ""
    try:
        rows, jcounts = _one_pass(data, fields, where, alt, top, variants) if fields else ([], [])
    except Exception as exc:
        if not where:
            raise
        # the filter itself fails on the data (e.g. ANSI cast of 'one' to a number): profile without it
        from dcs_engine.triage import innermost_message

        filter_error = innermost_message(exc)
        alt = ""
        rows, jcounts = _one_pass(data, fields, "", "", top, variants) if fields else ([], [])
    per_col: dict[int, list] = {}
    for r in rows:
        per_col.setdefault(r["c"], []).append(r)
    for groups in per_col.values():
        groups.sort(key=lambda g: g["rank"])
    json_source = json_source or bool(variants)
    profiles = [_column(i, f, per_col.get(i, []), top, jcounts[i], json_source) for i, f in enumerate(fields)]
    corrupt = [c for c in profiles if c.name == CORRUPT] if json_source else []
    total = profiles[0].rows if profiles else 0
    g0 = per_col.get(0, [None])[0]
    in_filter = None if (filter_error or not where) else (int(g0["wtotal"] or 0) if g0 else 0)
    in_alt = int(g0["w2total"] or 0) if (alt and g0) else (0 if alt else None)
    findings, comparisons = _findings(profiles, shapes.where_literals(where))
    if filter_error:
        findings.insert(0, Finding("filter_fails", "", f"the filter fails on this data: {filter_error}"))
    alt_ok = alt and not any(f.kind == "literal_shape" for f in _findings(profiles, shapes.where_literals(alt))[0])
    return ProfileReport(
        source=source, rows=total, where=where, rows_in_filter=in_filter,
        suggested_where=alt if alt_ok else "", rows_in_suggested=in_alt if alt_ok else None,
        sample=sample, columns=tuple(profiles), comparisons=tuple(comparisons), findings=tuple(findings),
        elapsed_s=time.perf_counter() - start, outcome="variance_found" if findings else "uniform",
        filter_error=filter_error, malformed_records=corrupt[0].non_null if corrupt else None)


def run(ctx, params) -> ProfileReport:
    from dcs_engine.inputs.sources import load, read_base

    spark = ctx.spark
    spec = params.source
    base = read_base(spark, spec)  # read once: for JSON, inferring the schema is a Spark job
    load(spark, spec, base=base)  # checks the where clause and the columns, with the sources' messages
    json_source = spec.kind == "path" and spec.format in ("json", "jsonl")
    found = json_frame(spark, spec.path.strip(), base.schema) if json_source and params.json_types \
        else None
    frame, variants = found if found else (base, None)
    return profile_df(frame, where=spec.where, sample=params.sample, top=params.top, columns=spec.columns,
                      source=spec.describe(), variants=variants, json_source=json_source)


TECHNIQUE = Technique(
    id='profile',
    title='Profile data variance',
    summary=('Per column: nulls, types seen, and value shapes (digits become 9, letters a), so 20160620 shows '
             'as 99999999 and 2016-06-20 as 9999-99-99. Compare the shapes of literals in your filters with '
             'the shapes of the data.'),
    snippet="from pyspark.sql import functions as F\nshape = F.regexp_replace(F.regexp_replace(F.col('submission_date'), '[0-9]', '9'), '[A-Za-z]', 'a')\ndf.groupBy(shape.alias('shape')).count().orderBy(F.desc('count')).show()\ndf.select([F.sum(F.col(c).isNull().cast('int')).alias(c) for c in df.columns]).show()\n",
    params=(
        SOURCE,
        Param("sample", "float", default=1.0, min=0.0001, max=1.0, label="Sample fraction",
              help="1 profiles every row; 0.01 a 1% random sample"),
        Param("top", "int", default=10, min=1, max=100, label="Shapes shown per column"),
        Param("json_types", "bool", default=True, label="JSON types per record",
              help="JSON files: count each record's JSON type per field (string, integer, null, missing...); "
                   "reads string fields as VARIANT, which makes the pass slower"),
    ),
    outcomes=('variance_found', 'uniform'),
    run=run,
)
