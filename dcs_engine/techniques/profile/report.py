"""The profile's result: frozen dataclasses that a page, a report, a notebook and a test all read."""
from __future__ import annotations

from dataclasses import dataclass

from dcs_engine.results import Reportable, md_table

# outcome of each finding kind (None: a note, which never changes the outcome), most urgent first
OUTCOMES = ("filter_mismatch", "missing_values", "impossible_values", "mixed_types", "nulls", "uniform")
FINDING_OUTCOME = {
    "filter_fails": "filter_mismatch", "literal_mismatch": "filter_mismatch",
    "nan": "missing_values", "infinite": "missing_values", "empty_strings": "missing_values",
    "blank_strings": "missing_values", "placeholders": "missing_values", "numeric_placeholder": "missing_values",
    "date_placeholder": "missing_values",
    "impossible_values": "impossible_values",
    "mixed_kinds": "mixed_types", "unlike_the_rest": "mixed_types", "mixed_json_types": "mixed_types",
    "nulls": "nulls",
}


@dataclass(frozen=True)
class ShapeCount:
    """A shape among the probe's rows (the first rows read), with examples."""

    shape: str | None
    count: int
    kind: str
    examples: tuple


@dataclass(frozen=True)
class LayoutCount:
    """Values of one column written in one layout: counted over all rows."""

    layout: str
    kind: str
    count: int
    in_filter: int | None
    examples: tuple
    min_len: int | None = None
    max_len: int | None = None


@dataclass(frozen=True)
class MissingCount:
    """Values that stand for "no value" (other than null): NaN, empty strings, placeholders..."""

    what: str
    count: int
    share: float
    examples: tuple = ()


@dataclass(frozen=True)
class Outliers:
    """Values beyond the column's fences (quartiles -/+ k interquartile ranges)."""

    scale: str                 # "linear", or "linear and log" (beyond both; the column is >= 0)
    q1: float
    q3: float
    low: float | None
    high: float | None
    below: int
    above: int
    low_examples: tuple
    high_examples: tuple
    note: str = ""             # why the check was not made (then the counts are 0)

    @property
    def count(self) -> int:
        return self.below + self.above


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    spark_type: str
    rows: int
    nulls: int
    python_types: tuple[str, ...]
    kinds: tuple[tuple[str, int], ...]       # what the non-null values look like, exact counts
    layouts: tuple[LayoutCount, ...]         # text columns: how the values are written
    missing: tuple[MissingCount, ...]        # NaN, infinities, empty, whitespace-only, placeholders
    shapes: tuple[ShapeCount, ...]           # among the probe's rows
    min: object = None
    max: object = None
    outliers: Outliers | None = None
    json_types: tuple[tuple[str, int], ...] = ()
    reading: str = ""                        # e.g. integers that read as epoch seconds

    @property
    def non_null(self) -> int:
        return self.rows - self.nulls

    def share(self, n: int) -> float:
        return n / self.rows if self.rows else 0.0

    def missing_count(self, what: str) -> int:
        return sum(m.count for m in self.missing if m.what == what)


@dataclass(frozen=True)
class Finding:
    kind: str
    column: str
    text: str
    count: int = 0
    share: float = 0.0

    @property
    def outcome(self) -> str | None:
        return FINDING_OUTCOME.get(self.kind)


@dataclass(frozen=True)
class LiteralResult:
    comparison: str          # e.g. submission_date > '2017-05-19'
    literal_layout: str
    column_layout: str
    problem: str = ""


@dataclass(frozen=True)
class ProfileReport(Reportable):
    source: str
    rows: int
    where: str
    rows_in_filter: int | None           # the where clause as written
    suggested_where: str                 # the clause that compares by meaning ('' when nothing is off)
    rows_in_suggested: int | None
    sample: float
    columns: tuple[ColumnProfile, ...]
    comparisons: tuple[LiteralResult, ...]
    findings: tuple[Finding, ...]
    notes: tuple[Finding, ...]
    elapsed_s: float
    outcome: str
    probe_rows: int = 0
    rewritten_where: str = ""            # each literal in its column's layout
    rows_in_rewritten: int | None = None
    meaning_where: str = ""              # each column and literal read as a value
    rows_by_meaning: int | None = None
    filter_error: str = ""
    malformed_records: int | None = None
    groups: int = 0                      # rows the pass sent back

    def column(self, name: str) -> ColumnProfile:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def finding(self, kind: str, column: str = "") -> Finding | None:
        return next((f for f in self.findings if f.kind == kind and (not column or f.column == column)), None)

    @property
    def headline(self) -> str:
        scope = f"a {self.sample:.0%} sample ({self.rows:,} rows)" if self.sample < 1 else f"{self.rows:,} rows"
        if not self.findings:
            return (f"Uniform: {len(self.columns)} columns over {scope}: no nulls, NaN, placeholders or "
                    "far-out values, one kind of value per column.")
        return f"Variance in {scope}: {len(self.findings)} finding(s); first: {self.findings[0].text}"

    def to_markdown(self) -> str:
        out = [self.headline, ""]
        if self.where:
            out += [md_table(["rows", "count"], self._count_rows()), ""]
        out += [f"- **{f.kind}**" + (f" `{f.column}`" if f.column else "") + f": {f.text}" for f in self.findings]
        out += ["- note" + (f" `{n.column}`" if n.column else "") + f": {n.text}" for n in self.notes]
        if self.malformed_records:
            out.append(f"- {self.malformed_records:,} JSON line(s) could not be parsed (see `_corrupt_record`)")
        json = any(c.json_types for c in self.columns)
        out += ["", md_table(
            ["column", "type", "python"] + (["json types"] if json else [])
            + ["nulls", "missing", "looks like", "min", "max", f"shapes (first {self.probe_rows:,} rows)"],
            [(c.name, c.spark_type, ", ".join(c.python_types)) + ((pairs_text(c.json_types),) if json else ())
             + (c.nulls, ", ".join(f"{m.what} {m.count:,}" for m in c.missing), pairs_text(c.kinds), c.min, c.max,
                ", ".join(f"{s.shape} ({s.count:,})" for s in c.shapes if s.shape is not None)[:80])
             for c in self.columns], width=40)]
        return "\n".join(out)

    def _count_rows(self):
        rows = [("without the filter", self.rows),
                (f"where {self.where} (as written)", "fails" if self.rows_in_filter is None else self.rows_in_filter)]
        if self.rewritten_where and self.rows_in_rewritten is not None:
            rows.append((f"where {self.rewritten_where} (literals rewritten)", self.rows_in_rewritten))
        if self.meaning_where and self.rows_by_meaning is not None:
            rows.append((f"where {self.meaning_where} (by meaning)", self.rows_by_meaning))
        return rows


def pairs_text(pairs) -> str:
    return ", ".join(f"{k} {n:,}" for k, n in pairs)
