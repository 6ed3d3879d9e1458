"""Values that stand for "no value", declared once, by type.

NaN is not null, and neither is a placeholder.  The profile counts, apart from null:

- floating-point columns: ``NaN``, ``+Infinity`` and ``-Infinity``;
- text: the empty string, whitespace-only strings, and the placeholders in :data:`TEXT`
  (compared trimmed and case-blind: ``'NA'``, ``' n/a '`` and ``'NULL'`` all count);
- numbers: the values in :data:`NEGATIVE` and :data:`NINES` -- but only where they do not
  belong to the column: a negative placeholder when every other value is >= 0, a run of
  nines when it is the column's largest value and lies beyond its upper fence (see
  :mod:`dcs_engine.techniques.profile.outliers`);
- dates and timestamps: the days in :data:`DATES` -- ``0001-01-01`` and ``9999-12-31`` always
  (no real record has them), the others when they lie beyond the column's fences.

Every count is reported with its share of the column's rows.
"""
from __future__ import annotations

from datetime import date

TEXT = ("na", "n/a", "n.a.", "nan", "null", "(null)", "<null>", "none", "nil", "-", "--", "?", "missing",
        "unknown", "undefined", "#n/a", "#na", "not available", "not applicable", "empty")
TEXT_MAX_BYTES = 16  # longest placeholder above, in bytes: longer strings are not compared
NEGATIVE = (-1, -9, -99, -999, -9999, -99999)
NINES = (99, 999, 9999, 99999, 999999, 9999999)
DATES = (date(1, 1, 1), date(1753, 1, 1), date(1899, 12, 30), date(1900, 1, 1), date(1970, 1, 1),
         date(2099, 12, 31), date(2999, 12, 31), date(9999, 12, 31))
ALWAYS_DATES = (date(1, 1, 1), date(9999, 12, 31))
WHITESPACE = " \t\r\n\f\v"  # what "whitespace-only" means, on both sides (Spark's trim takes this set)


def is_text_placeholder(text: str | None) -> bool:
    return text is not None and len(text.encode()) <= TEXT_MAX_BYTES and text.strip(WHITESPACE).lower() in TEXT


def is_blank(text: str | None) -> bool:
    """Whitespace only (and not empty)."""
    return bool(text) and not text.strip(WHITESPACE)
