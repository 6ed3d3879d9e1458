"""The probe: the first rows of the data, read before the pass, and JSON sources' VARIANT reading.

The probe is ``frame.limit(n)`` -- a read of the first file(s) only, never a scan of everything.
It decides what the pass checks (the layouts seen per column, the quartiles the bands and fences
start from), gives the shapes and examples shown, and, for JSON sources, which fields to read as
VARIANT: a field Spark infers as string is read as VARIANT when the probe's raw records hold a
non-string token in it (a number, a boolean, an object or an array), so that each record's JSON
type can be counted.  Reading a field as VARIANT and turning it back into text costs Spark about
as much again as reading it (measured on Spark 4.3); a field whose first records are all strings
is read as plain text, and numbers hiding in it later show as number-like text instead.
"""
from __future__ import annotations

import json
from decimal import Decimal

VARIANT_PREFIX = "__dcs_v"
CORRUPT = "_corrupt_record"
JSON_OF_SPARK = {"bigint": "integer", "int": "integer", "smallint": "integer", "tinyint": "integer",
                 "double": "decimal", "float": "decimal", "boolean": "boolean", "struct": "object",
                 "array": "array", "map": "object", "string": "string"}


def probe_rows(frame, names, n: int) -> list[tuple]:
    """The first ``n`` rows of ``frame``'s columns ``names`` (one small job)."""
    if n <= 0 or not names:
        return []
    from dcs_engine.techniques.profile.sql import ident

    return [tuple(r) for r in frame.select(*[ident(c) for c in names]).limit(n).collect()]


def token_type(value) -> str:
    """The JSON type of a decoded JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, (float, Decimal)):
        return "decimal"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, dict) else "array" if isinstance(value, list) else "other"


def raw_token_types(spark, path: str, n: int) -> dict[str, set]:
    """Per top-level field, the JSON types its first ``n`` records hold (malformed lines skipped)."""
    seen: dict[str, set] = {}
    for row in spark.read.text(path).limit(n).collect():
        try:
            record = json.loads(row[0])
        except (ValueError, TypeError):
            continue
        if isinstance(record, dict):
            for key, value in record.items():
                seen.setdefault(key, set()).add(token_type(value))
    return seen


def json_frame(spark, path: str, schema, n: int):
    """The JSON files at ``path`` in one scan, with the mixed string fields as VARIANT, or None.

    Returns ``(frame, {field: hidden VARIANT column})``; the frame keeps the typed columns by name
    (a VARIANT field's text is the VARIANT cast to string, as Spark's typed read shows it).  None
    when no string field is mixed in the probe or this Spark has no VARIANT."""
    try:
        from pyspark.sql import functions as F
        from pyspark.sql import types as T

        tokens = raw_token_types(spark, path, n)
        mixed = [f.name for f in schema.fields if isinstance(f.dataType, T.StringType) and f.name != CORRUPT
                 and tokens.get(f.name, set()) - {"string", "null"}]
        if not mixed:
            return None
        read_schema = T.StructType([T.StructField(f.name, T.VariantType(), True) if f.name in mixed else f
                                    for f in schema.fields])
        raw = spark.read.schema(read_schema).json(path)
        hidden = {name: f"{VARIANT_PREFIX}{i}" for i, name in enumerate(mixed)}
        frame = raw.select(*[F.col(f"`{f.name}`").cast("string").alias(f.name) if f.name in hidden
                             else F.col(f"`{f.name}`") for f in schema.fields],
                           *[F.col(f"`{name}`").alias(h) for name, h in hidden.items()])
        _ = frame.schema  # analysis: fails here if VARIANT is not supported
        return frame, hidden
    except Exception:  # noqa: BLE001 -- any failure: profile the typed columns (no JSON types per record)
        return None


def variant_code(value) -> int:
    """A probe's VARIANT value as the pass's JSON type code (:data:`sql.JSON_TYPES`)."""
    from dcs_engine.techniques.profile.sql import JSON_TYPES

    if value is None:
        return 0
    decoded = value.toPython() if hasattr(value, "toPython") else value
    return JSON_TYPES.index(token_type(decoded)) if token_type(decoded) in JSON_TYPES else len(JSON_TYPES) - 1


def typed_json_types(spark_type, type_name: str, rows: int, nulls: int) -> tuple[tuple[str, int], ...]:
    """JSON types of a field read typed: its Spark type's JSON name, and "null or missing"."""
    name = JSON_OF_SPARK.get(spark_type) or JSON_OF_SPARK.get(type_name) or spark_type
    if type_name == "decimal":
        name = "decimal"
    return tuple((k, n) for k, n in ((name, rows - nulls), ("null or missing", nulls)) if n)
