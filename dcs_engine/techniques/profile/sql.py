"""Spark SQL for the layouts: check a value cheaply, read it as a value.

Everything here is an expression string, so it runs the same on classic Spark and on Spark
Connect.  Two facts measured on Spark 4 shape it:

- ``try_cast`` of a string that is not a number is slow (the parser fails by throwing, about
  30 times a plain read); so every parse is guarded by byte comparisons that let through only
  values that look right (``c >= '+' AND c < ':'``: the first byte is a sign, a dot or a digit);
- ``rlike``, ``translate`` and ``lower`` cost an allocation per value; they are used only on a
  column whose first rows have that layout, after the cheap guards.
"""
from __future__ import annotations

from dcs_engine.techniques._common import ident  # noqa: F401 -- the profile reads it as S.ident
from dcs_engine.techniques.profile import sentinels
from dcs_engine.techniques.profile.layouts import Layout
from dcs_engine.techniques.profile.literals import quote

WS = "' \\t\\r\\n\\u000C\\u000B'"   # sentinels.WHITESPACE as a Spark SQL literal




def _numeric_start(c: str) -> str:
    return f"{c} >= '+' AND {c} < ':'"


def _plain_number(c: str) -> str:
    """A first byte of sign/dot/digit, and none of the separators dates and times use."""
    return (f"{_numeric_start(c)} AND instr({c}, '-') <= 1 AND instr({c}, '+') <= 1 AND NOT contains({c}, '/') "
            f"AND NOT contains({c}, ':') AND NOT endswith({c}, ' ') AND lower({c}) = upper({c})")


def _compact_day(c: str) -> str:
    """An 8-byte text starting with 1 or 2 is a real ``yyyyMMdd`` day (what ``try_to_date`` accepts), by arithmetic.

    Such a text reads as an integer >= 10000101 only if its 8 bytes are digits; its month and day are
    then checked against the proleptic Gregorian calendar, as Spark's parser does -- about 3 times
    cheaper than the parser (measured on Spark 4.3)."""
    n = f"try_cast({c} AS INT)"
    month, day, year = f"({n} div 100 % 100)", f"({n} % 100)", f"({n} div 10000)"
    leap = f"({year} % 4 = 0 AND ({year} % 100 != 0 OR {year} % 400 = 0))"
    return (f"({n} BETWEEN 10000101 AND 29991231 AND {month} BETWEEN 1 AND 12 AND {day} >= 1 AND {day} <= "
            f"CASE {month} WHEN 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END WHEN 4 THEN 30 WHEN 6 THEN 30 "
            "WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END)")


def _compact_day_value(c: str) -> str:
    """The day of a text that passed :func:`_compact_day` (``make_date`` of its digits, no parser)."""
    n = f"try_cast({c} AS INT)"
    return f"make_date({n} div 10000, {n} div 100 % 100, {n} % 100)"


def _datetime_guard(lay: Layout, c: str) -> str:
    if lay.name.startswith("MMM"):
        return f"{c} >= 'A' AND contains({c}, ' ')"
    seps = [s for s in ("/", ".", "-", ":", " ") if s in lay.name.replace("MMM", "")]
    return " AND ".join([f"{c} >= '0' AND {c} < ':'"] + [f"contains({c}, '{s}')" for s in seps])


def spark_check(lay: Layout, c: str) -> str | None:
    """A Spark boolean: does the string ``c`` have layout ``lay``?  None for text-like layouts."""
    name = lay.name
    if name == "integer":
        return f"({_plain_number(c)} AND NOT contains({c}, '.') AND NOT contains({c}, ',') " \
               f"AND try_cast({c} AS BIGINT) IS NOT NULL)"
    if name in ("epoch seconds", "epoch milliseconds"):
        lengths = "9 AND 10" if name == "epoch seconds" else "12 AND 13"
        return f"(octet_length({c}) BETWEEN {lengths} AND {spark_check(Layout('integer', 'integer', ''), c)})"
    if name == "decimal":
        return f"({_plain_number(c)} AND NOT contains({c}, ',') AND contains({c}, '.') " \
               f"AND try_cast({c} AS DOUBLE) IS NOT NULL)"
    if name in ("thousands separators", "decimal comma"):
        return f"({_numeric_start(c)} AND contains({c}, ',') AND {spark_value(lay, c, guarded=False)} IS NOT NULL)"
    if name == "yyyyMMdd":
        return f"(octet_length({c}) = 8 AND {c} >= '1' AND {c} < '3' AND NOT contains({c}, '-') AND {_compact_day(c)})"
    if name == "yyyy-MM-dd":
        return f"(octet_length({c}) BETWEEN 8 AND 10 AND {c} >= '0' AND {c} < ':' AND substring({c}, 5, 1) = '-' " \
               f"AND try_cast({c} AS DATE) IS NOT NULL)"
    if name == "ISO 8601 timestamp":
        return f"(octet_length({c}) >= 13 AND {c} >= '0' AND {c} < ':' AND substring({c}, 5, 1) = '-' " \
               f"AND try_cast({c} AS TIMESTAMP) IS NOT NULL)"
    if lay.kind in ("date", "timestamp") and lay.fmt:
        return f"({_datetime_guard(lay, c)} AND {spark_value(lay, c, guarded=False)} IS NOT NULL)"
    if name == "H:mm:ss":
        return (f"(contains({c}, ':') AND {c} >= '0' AND {c} < ':' AND octet_length({c}) <= 18 AND "
                f"{c} rlike '^[0-9]{{1,2}}:[0-9]{{2}}(:[0-9]{{2}}([.][0-9]{{1,9}})?)?( ?[AaPp][Mm])?$')")
    if name == "UUID":
        return (f"(octet_length({c}) = 36 AND substring({c}, 9, 1) = '-' AND substring({c}, 14, 1) = '-' "
                f"AND substring({c}, 19, 1) = '-' AND substring({c}, 24, 1) = '-')")
    if name == "true/false":
        return f"(octet_length({c}) BETWEEN 4 AND 5 AND lower({c}) IN ('true', 'false'))"
    if name == "yes/no":
        return f"(octet_length({c}) BETWEEN 2 AND 3 AND lower({c}) IN ('yes', 'no'))"
    if name == "JSON":
        return f"((startswith({c}, '{{') AND endswith({c}, '}}')) OR (startswith({c}, '[') AND endswith({c}, ']')))"
    return None


def spark_value(lay: Layout, c: str, guarded: bool = True) -> str | None:
    """The string ``c`` read as the value it means in ``lay`` (NULL where it is not in ``lay``)."""
    name = lay.name
    if name in ("integer",):
        expr = f"try_cast({c} AS BIGINT)"
    elif name == "decimal":
        expr = f"try_cast({c} AS DOUBLE)"
    elif name == "thousands separators":
        expr = f"try_cast(replace({c}, ',', '') AS DOUBLE)"
    elif name == "decimal comma":
        expr = f"try_cast(replace(replace({c}, '.', ''), ',', '.') AS DOUBLE)"
    elif name == "epoch seconds":
        expr = f"timestamp_seconds(try_cast({c} AS BIGINT))"
    elif name == "epoch milliseconds":
        expr = f"timestamp_millis(try_cast({c} AS BIGINT))"
    elif name == "yyyy-MM-dd":
        expr = f"try_cast({c} AS DATE)"
    elif name == "ISO 8601 timestamp":
        expr = f"try_cast({c} AS TIMESTAMP)"
    elif lay.kind == "date" and lay.fmt:
        expr = f"try_to_date({c}, {quote(lay.fmt)})"
    elif lay.kind == "timestamp" and lay.fmt:
        expr = f"try_to_timestamp({c}, {quote(lay.fmt)})"
    else:
        return None
    check = spark_check(lay, c) if guarded else None
    if check and name == "yyyyMMdd":
        expr = _compact_day_value(c)
    return f"(CASE WHEN {check} THEN {expr} END)" if check else expr


def typed_value(spark_type: str, c: str, reading: Layout | None) -> str:
    """A typed column read as a value: itself, or its epoch reading (integers of seconds / ms)."""
    if reading is not None and reading.name == "epoch seconds":
        return f"timestamp_seconds({c})"
    if reading is not None and reading.name == "epoch milliseconds":
        return f"timestamp_millis({c})"
    return c


# -- the universal text codes ------------------------------------------------------------
def is_empty(c: str) -> str:
    return f"octet_length({c}) = 0"


def is_blank(c: str) -> str:
    return f"({c} < '!' AND trim(BOTH {WS} FROM {c}) = '')"


def _first_byte_in(c: str, chars) -> str:
    """Does ``c`` start with one of the ASCII ``chars``?  Byte comparisons only (no new string)."""
    return " OR ".join(f"({c} >= {quote(ch)} AND {c} < {quote(chr(ord(ch) + 1))})" for ch in sorted(chars))


def is_placeholder(c: str) -> str:
    """A placeholder word, trimmed and case-blind.  Guarded by the first byte: a leading whitespace byte (all
    are below ``'!'``), or the first letter of a word in either case (no other character lowercases to it),
    so that only those values pay for ``trim`` and ``lower``."""
    words = ", ".join(quote(w) for w in sentinels.TEXT)
    firsts = {w[0] for w in sentinels.TEXT} | {w[0].upper() for w in sentinels.TEXT}
    return (f"(octet_length({c}) <= {sentinels.TEXT_MAX_BYTES} AND ({c} < '!' OR {_first_byte_in(c, firsts)}) "
            f"AND lower(trim(BOTH {WS} FROM {c})) IN ({words}))")


def is_number_like(c: str) -> str:
    """Starts like a number and has no ASCII letters (numbers, dates, codes hiding among text)."""
    return f"({_numeric_start(c)} AND lower({c}) = upper({c}))"


def json_type_code(v: str) -> str:
    """A VARIANT's JSON type as a code (see :data:`JSON_TYPES`)."""
    return (f"CASE WHEN {v} IS NULL THEN 0 WHEN is_variant_null({v}) THEN 1 ELSE "
            f"CASE substring(schema_of_variant({v}), 1, 3) WHEN 'STR' THEN 2 WHEN 'BIG' THEN 3 WHEN 'INT' THEN 3 "
            "WHEN 'SMA' THEN 3 WHEN 'TIN' THEN 3 WHEN 'DEC' THEN 4 WHEN 'DOU' THEN 4 WHEN 'FLO' THEN 4 "
            "WHEN 'BOO' THEN 5 WHEN 'OBJ' THEN 6 WHEN 'ARR' THEN 7 ELSE 8 END END")


JSON_TYPES = ("missing", "null", "string", "integer", "decimal", "boolean", "object", "array", "other")
