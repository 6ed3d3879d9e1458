"""The layouts a value can be written in, declared once: what text looks like, and what it means.

A *layout* names how a value is written (``yyyy-MM-dd``, ``M/d/yyyy``, an ISO-8601 timestamp,
an integer, a number with thousands separators, a UUID, ``true``/``false``, JSON...) and its
*kind* (date, timestamp, integer, decimal, number, time, uuid, bool, json, id, text).  Each layout
carries, side by side,

- ``regex``: how Python recognises one value (the probe's rows, examples, a where clause's
  literals; full match);
- ``fmt``: the Spark datetime pattern that parses it (``None``: Spark's own cast reads it);
- how Spark checks a value against it cheaply (:func:`spark_check`: a few byte comparisons
  first, then Spark's own parser, ``try_cast`` or ``try_to_timestamp``, on the values that pass);
- how Spark reads it as a value (:func:`spark_value`), to compare a column with a literal by
  meaning, and how a value is written in it (:func:`render`), to rewrite a literal.

:func:`classify` picks the first layout whose regex matches.  Some readings are only possible
for a whole column: 8-digit integers that all parse as dates are ``yyyyMMdd`` dates, integers
all within 1980..2100 as seconds or milliseconds are epoch times, ``d/M`` against ``M/d`` is
decided by a day above 12 (see :func:`refine`).  A *shape* (:func:`shape`) keeps a value's look
and forgets its content: digits become ``9``, letters ``a``, runs mixing both ``x``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

TEXTLIKE = ("id", "text")  # kinds the Spark pass does not check value by value (the catch-all)


@dataclass(frozen=True)
class Layout:
    name: str
    kind: str
    regex: str
    fmt: str | None = None       # Spark datetime pattern; None: Spark's cast reads it
    py_fmt: str | None = None    # the same for Python's strptime
    ordered: bool = False        # text order is value order (for values of one width)

    def matches(self, text: str) -> bool:
        return _compiled(self.regex).fullmatch(text) is not None


def _compiled(regex: str):
    found = _CACHE.get(regex)
    if found is None:  # compile once per regex (setdefault would compile on every call)
        found = _CACHE[regex] = re.compile(regex, re.DOTALL)
    return found


_CACHE: dict[str, re.Pattern] = {}
_ZONE = r"(Z|[+-]\d{2}(:?\d{2})?| ?UTC| ?GMT)?"
LAYOUTS: tuple[Layout, ...] = (
    Layout("integer", "integer", r"[+-]?\d+", ordered=False),
    Layout("decimal", "decimal", r"[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?"),
    Layout("thousands separators", "number", r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?"),
    Layout("decimal comma", "number", r"[+-]?\d+,\d{1,2}|[+-]?\d{4,},\d+|[+-]?\d{1,3}(\.\d{3})+,\d+"),
    Layout("yyyy-MM-dd", "date", r"\d{4}-\d{1,2}-\d{1,2}", None, "%Y-%m-%d", ordered=True),
    Layout("yyyy/MM/dd", "date", r"\d{4}/\d{1,2}/\d{1,2}", "yyyy/M/d", "%Y/%m/%d", ordered=True),
    Layout("yyyy.MM.dd", "date", r"\d{4}\.\d{1,2}\.\d{1,2}", "yyyy.M.d", "%Y.%m.%d", ordered=True),
    Layout("M/d/yyyy", "date", r"\d{1,2}/\d{1,2}/\d{4}", "M/d/yyyy", "%m/%d/%Y"),
    Layout("d/M/yyyy", "date", r"\d{1,2}/\d{1,2}/\d{4}", "d/M/yyyy", "%d/%m/%Y"),
    Layout("M/d/yy", "date", r"\d{1,2}/\d{1,2}/\d{2}", "M/d/yy", "%m/%d/%y"),
    Layout("d.M.yyyy", "date", r"\d{1,2}\.\d{1,2}\.\d{4}", "d.M.yyyy", "%d.%m.%Y"),
    Layout("d-M-yyyy", "date", r"\d{1,2}-\d{1,2}-\d{4}", "d-M-yyyy", "%d-%m-%Y"),
    Layout("MMM d yyyy", "date", r"[A-Za-z]{3} \d{1,2},? \d{4}", "MMM d[,] yyyy", "%b %d %Y"),
    Layout("d MMM yyyy", "date", r"\d{1,2} [A-Za-z]{3} \d{4}", "d MMM yyyy", "%d %b %Y"),
    Layout("yyyy-MM", "date", r"\d{4}-\d{2}", "yyyy-MM", "%Y-%m", ordered=True),
    Layout("ISO 8601 timestamp", "timestamp",
           r"\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?" + _ZONE, ordered=True),
    Layout("yyyy/MM/dd HH:mm:ss", "timestamp", r"\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}(:\d{2})?",
           "yyyy/M/d H:mm[:ss]", "%Y/%m/%d %H:%M:%S", ordered=True),
    Layout("M/d/yyyy H:mm:ss", "timestamp", r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}(:\d{2})?",
           "M/d/yyyy H:mm[:ss]", "%m/%d/%Y %H:%M:%S"),
    Layout("M/d/yyyy h:mm:ss a", "timestamp", r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}(:\d{2})? ?[AaPp][Mm]",
           "M/d/yyyy h:mm[:ss] a", "%m/%d/%Y %I:%M:%S %p"),
    Layout("d.M.yyyy H:mm:ss", "timestamp", r"\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}:\d{2}(:\d{2})?",
           "d.M.yyyy H:mm[:ss]", "%d.%m.%Y %H:%M:%S"),
    Layout("H:mm:ss", "time", r"\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?( ?[AaPp][Mm])?"),
    Layout("UUID", "uuid", r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
    Layout("true/false", "bool", r"(?i:true|false)"),
    Layout("yes/no", "bool", r"(?i:yes|no)"),
    Layout("JSON", "json", r"\s*(\{.*\}|\[.*\])\s*"),
    Layout("letters and digits", "id", r"(?=[^ ]*\d)(?=[^ ]*[A-Za-z])[A-Za-z0-9]+([-_:.][A-Za-z0-9]+)*"),
    Layout("text", "text", r".*"),
)
BY_NAME = {lay.name: lay for lay in LAYOUTS}
# a whole column of these integers reads as one of these (see refine)
COMPACT_DATE = Layout("yyyyMMdd", "date", r"\d{8}", "yyyyMMdd", "%Y%m%d", ordered=True)
EPOCH_SECONDS = Layout("epoch seconds", "timestamp", r"\d{9,10}", ordered=False)
EPOCH_MILLIS = Layout("epoch milliseconds", "timestamp", r"\d{12,13}", ordered=False)
BY_NAME.update({lay.name: lay for lay in (COMPACT_DATE, EPOCH_SECONDS, EPOCH_MILLIS)})
EPOCH_RANGE_S = (315_532_800, 4_102_444_800)  # 1980-01-01 .. 2100-01-01 UTC


@lru_cache(maxsize=4096)
def classify(text: str) -> Layout:
    """The first declared layout that ``text`` matches (JSON only if it parses; ``M/d`` before ``d/M``).

    Cached: a probe's column repeats its values (channels, dates, reasons)."""
    for lay in LAYOUTS:
        if lay.name == "d/M/yyyy" or not lay.matches(text):
            continue
        if lay.kind == "json":
            try:
                json.loads(text)
            except ValueError:
                continue
        if lay.kind in ("date", "timestamp") and lay.py_fmt and parse(lay, text) is None:
            if lay.name == "M/d/yyyy" and parse(BY_NAME["d/M/yyyy"], text) is not None:
                return BY_NAME["d/M/yyyy"]
            continue
        return lay
    return BY_NAME["text"]


def refine(layout: Layout, values) -> Layout:
    """A column-level reading of ``layout`` given the column's (non-null) texts of that layout."""
    values = [v for v in values if v is not None]
    if not values:
        return layout
    if layout.name == "integer":
        if all(len(v) == 8 and parse(COMPACT_DATE, v) is not None and "1900" <= v[:4] <= "2100" for v in values):
            return COMPACT_DATE
        nums = [int(v) for v in values]
        lo, hi = min(nums), max(nums)
        if EPOCH_RANGE_S[0] <= lo and hi <= EPOCH_RANGE_S[1]:
            return EPOCH_SECONDS
        if EPOCH_RANGE_S[0] * 1000 <= lo and hi <= EPOCH_RANGE_S[1] * 1000:
            return EPOCH_MILLIS
    return layout


def settle_day_month(by_layout: dict) -> dict:
    """``{layout name: texts}`` with ambiguous ``M/d/yyyy`` texts (both fields <= 12) moved to ``d/M/yyyy``
    when the column has ``d/M`` texts (a first field above 12) and no text that only ``M/d`` reads."""
    md, dm = by_layout.get("M/d/yyyy"), by_layout.get("d/M/yyyy")
    if md and dm and not any(_field(v, "/", 1) > 12 for v in md):
        by_layout = {k: v for k, v in by_layout.items() if k != "M/d/yyyy"}
        by_layout["d/M/yyyy"] = dm + md
    return by_layout


def epoch_reading(lo, hi) -> Layout | None:
    """Integers from ``lo`` to ``hi``: epoch seconds or milliseconds, else None.

    Both ends within 1980..2100; or the largest there and both ends on whole minutes (seconds) or
    whole seconds (milliseconds) -- how tools write dates as epoch numbers, 1970-01-01 included."""
    if lo is None or hi is None or lo < 0:
        return None
    if EPOCH_RANGE_S[0] <= hi <= EPOCH_RANGE_S[1] and (lo >= EPOCH_RANGE_S[0] or lo % 60 == hi % 60 == 0):
        return EPOCH_SECONDS
    if EPOCH_RANGE_S[0] * 1000 <= hi <= EPOCH_RANGE_S[1] * 1000 and (lo >= EPOCH_RANGE_S[0] * 1000
                                                                      or lo % 1000 == hi % 1000 == 0):
        return EPOCH_MILLIS
    return None


def _field(text: str, sep: str, i: int) -> int:
    parts = text.split(" ")[0].split(sep)
    return int(parts[i]) if len(parts) > i and parts[i].isdigit() else 0


# -- meaning: parse a text, write a value ------------------------------------------------
@lru_cache(maxsize=4096)
def parse(layout: Layout, text: str):
    """The value ``text`` means in ``layout`` (int, float, date, datetime, bool), or None (cached: values repeat)."""
    text = text.strip()
    try:
        if layout.kind == "integer":
            return int(text)
        if layout.kind == "decimal":
            return float(text)
        if layout.name == "thousands separators":
            return float(text.replace(",", ""))
        if layout.name == "decimal comma":
            return float(text.replace(".", "").replace(",", "."))
        if layout.name == "epoch seconds":
            return datetime.fromtimestamp(int(text), tz=UTC)
        if layout.name == "epoch milliseconds":
            return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
        if layout.kind == "bool":
            return text.lower() in ("true", "yes")
        if layout.name == "ISO 8601 timestamp":
            return _iso_timestamp(text)
        if layout.name == "yyyy-MM-dd":
            y, m, d = (int(p) for p in text.split("-"))
            return date(y, m, d)
        if layout.py_fmt:
            fmt = layout.py_fmt if ":%S" not in layout.py_fmt or text.count(":") > 1 \
                else layout.py_fmt.replace(":%S", "")
            value = datetime.strptime(text.replace(",", ""), fmt)
            return value.date() if layout.kind == "date" else value
    except (ValueError, OverflowError, OSError):
        return None
    return None


def _iso_timestamp(text: str) -> datetime | None:
    t = text.replace(" UTC", "Z").replace("UTC", "Z").replace(" GMT", "Z").replace("GMT", "Z")
    t = t.replace(" ", "T", 1) if "T" not in t else t
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    m = re.fullmatch(r"(.*T\d{1,2}:\d{2}(?::\d{2})?)(\.\d+)?([+-]\d{2}(?::?\d{2})?)?", t)
    if not m:
        return None
    head, frac, zone = m.groups()
    frac = (frac or "")[:7]
    if zone and len(zone) == 5 and ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    elif zone and len(zone) == 3:
        zone += ":00"
    day, clock = head.split("T")
    y, mo, d = (int(p) for p in day.split("-"))
    head = f"{y:04d}-{mo:02d}-{d:02d}T{int(clock.split(':')[0]):02d}:" + ":".join(clock.split(":")[1:])
    return datetime.fromisoformat(head + frac + (zone or ""))


def _iso_like(moment: datetime, like: str) -> str:
    """``moment`` written as the ISO timestamp ``like`` is: its separator, seconds, fraction and zone."""
    m = re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}([T ])\d{1,2}:\d{2}(:\d{2})?(\.\d+)?(.*)", like.strip())
    if m is None:
        return moment.isoformat(sep="T")
    sep, secs, frac, zone = m.groups()
    if moment.tzinfo is not None and zone:
        moment = moment.astimezone(UTC)
    text = moment.strftime(f"%Y-%m-%d{sep}%H:%M" + (":%S" if secs else ""))
    if frac:
        text += "." + f"{moment.microsecond:06d}"[: len(frac) - 1].ljust(len(frac) - 1, "0")
    return text + (zone if zone in ("Z", " UTC", "UTC", " GMT", "GMT") or not zone
                   else zone if moment.tzinfo is None else "Z")


def render(layout: Layout, value, like: str | None = None) -> str | None:
    """``value`` (from :func:`parse` of another layout) written in ``layout`` (in the style of the column's
    value ``like`` where given); None if it cannot be."""
    if isinstance(value, datetime) and layout.kind == "date" and value.time() == datetime.min.time():
        value = value.date()
    if layout.kind == "date" and isinstance(value, date) and not isinstance(value, datetime):
        if layout.name == "yyyy-MM-dd":
            return value.isoformat()
        return value.strftime(layout.py_fmt) if layout.py_fmt else None
    if layout.kind == "timestamp" and isinstance(value, date):
        moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        if layout.name == "ISO 8601 timestamp" and like:
            return _iso_like(moment, like)
        if layout.name == "ISO 8601 timestamp":
            return moment.replace(tzinfo=None).isoformat(sep="T") if moment.tzinfo is None \
                else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if layout.name in ("epoch seconds", "epoch milliseconds"):
            stamp = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
            return str(int(stamp * (1000 if "milli" in layout.name else 1)))
        return moment.strftime(layout.py_fmt) if layout.py_fmt else None
    if layout.kind in ("integer", "decimal") and isinstance(value, (int, float)) and not isinstance(value, bool):
        if layout.kind == "integer" and float(value).is_integer():
            return str(int(value))
        return repr(float(value)) if layout.kind == "decimal" else None
    return None


def sql_literal(value) -> str | None:
    """A typed Spark SQL literal for a parsed value (to compare by meaning)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
            return f"TIMESTAMP'{value.isoformat(sep=' ')}+00:00'"
        return f"TIMESTAMP'{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE'{value.isoformat()}'"
    return None


def as_datetime(value):
    """Dates as midnight, for comparing a date with a timestamp."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def epoch_text(layout: Layout, number) -> str:
    """An epoch number as a UTC time (for notes)."""
    seconds = number / 1000 if "milli" in layout.name else number
    return (datetime(1970, 1, 1) + timedelta(seconds=seconds)).isoformat(sep=" ")


# -- shapes ------------------------------------------------------------------------------
MAX_LEN = 40
_TABLE = str.maketrans("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                       "9" * 10 + "a" * 52)
_MIXED_RE = re.compile(r"[a9]*(?:a9|9a)[a9]*")


def shape(value) -> str | None:
    """The shape of one value: digits -> 9, ASCII letters -> a, a run mixing both -> x (None stays None)."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    out = _MIXED_RE.sub("x", text[:MAX_LEN].translate(_TABLE))
    return out + "…" if len(text) > MAX_LEN else out
