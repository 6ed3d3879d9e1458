"""sample: a stratified sample that keeps rare categories, judged against the truth.

One pass counts every stratum (and, when a measure is given, the exact answer
per stratum); a second draws the stratified sample (fraction per stratum, at
least ``min_rows``); a third draws a simple random sample of the same total
size.  Estimates come with 95% intervals: the rate of the measure per stratum
and overall, and the ratio of two groups of categories (the talk's "'a' to
'b' or 'c'").  A sample is *too small* when a stratum cannot give ``min_rows``
rows or the overall interval is wider than the tolerance -- the talk's ten
rows at 10%.
"""
from __future__ import annotations

from dataclasses import dataclass

from dcs_engine.contract import Param, Technique
from dcs_engine.errors import ParameterError
from dcs_engine.inputs.sources import load
from dcs_engine.results import Reportable, md_table
from dcs_engine.techniques.sample.stratified import (
    STRATUM,
    Estimate,
    ratio_ci,
    stratified_rate,
    stratified_sample,
    stratum_col,
    stratum_counts,
    target_sizes,
    wilson,
)


@dataclass(frozen=True)
class StratumRow:
    stratum: str
    population: int
    strat_rows: int
    srs_rows: int
    exact_rate: float | None
    strat_rate: Estimate | None
    srs_rate: Estimate | None


@dataclass(frozen=True)
class SampleResult(Reportable):
    source: str
    column: str
    measure: str
    fraction: float
    min_rows: int
    total_rows: int
    sample_rows: int
    strata: tuple[StratumRow, ...]
    overall_exact: float | None
    overall_strat: Estimate | None
    overall_srs: Estimate | None
    ratio_label: str
    ratio_exact: float | None
    ratio_srs: Estimate | None
    too_small: tuple[str, ...]   # reasons
    outcome: str

    @property
    def headline(self) -> str:
        if self.outcome == "too_small":
            return "Too small to say anything: " + "; ".join(self.too_small) + "."
        bits = [f"Stratified sample of {self.sample_rows:,} of {self.total_rows:,} rows keeps all "
                f"{len(self.strata)} {self.column} values"]
        if self.overall_strat is not None:
            bits.append(f"{self.measure} rate {self.overall_strat.text()} (exact {self.overall_exact:.2%})")
        if self.ratio_srs is not None and self.ratio_exact is not None:
            bits.append(f"{self.ratio_label} ≈ {self.ratio_srs.value:.2f}:1 from a random sample (exact "
                        f"{self.ratio_exact:.2f}:1)")
        return "; ".join(bits) + "."

    def to_markdown(self) -> str:
        def est(e):
            return "—" if e is None else e.text()

        rows = [(s.stratum, f"{s.population:,}", f"{s.strat_rows:,}", f"{s.srs_rows:,}",
                 "" if s.exact_rate is None else f"{s.exact_rate:.2%}", est(s.strat_rate), est(s.srs_rate))
                for s in self.strata]
        parts = [self.headline, "",
                 md_table((self.column, "rows", "stratified n", "random n", f"exact {self.measure or 'rate'}",
                           "stratified estimate [95% CI]", "random-sample estimate [95% CI]"), rows), "",
                 f"Fraction {self.fraction:g} per stratum, at least {self.min_rows} rows each (sampleBy with "
                 "fractions adjusted per stratum from exact counts); the simple random "
                 f"sample has the same total size ({self.sample_rows:,} rows)."]
        if self.overall_strat is not None:
            parts.append(f"Overall {self.measure} rate: exact {self.overall_exact:.3%}; stratified "
                         f"{self.overall_strat.text()}; random sample {est(self.overall_srs)}.")
        if self.ratio_exact is not None:
            rs = "—" if self.ratio_srs is None else self.ratio_srs.text(pct=False)
            parts.append(f"Ratio {self.ratio_label}: exact {self.ratio_exact:.3f}; random sample {rs}; the "
                         "stratified design knows it exactly from its stratum counts.")
        if self.too_small:
            parts += ["", "Warnings:", ""] + [f"- {r}" for r in self.too_small]
        return "\n".join(parts)


def _groups(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in (text or "").split(",") if v.strip())


def stratified_report(spark, df, column: str, fraction: float, min_rows: int, seed: int, measure: str = "",
                      numerator=(), denominator=(), tolerance: float = 0.05, source: str = "DataFrame",
                      exact: bool = False):
    from pyspark.sql import functions as F

    counts_hits = stratum_counts(df, column, measure)
    counts = {k: n for k, (n, _) in counts_hits.items()}
    total = sum(counts.values())
    sizes = target_sizes(counts, fraction, min_rows)
    aggs = [F.count(F.lit(1)).alias("n")] + ([F.sum(F.expr(measure).cast("int")).alias("hits")] if measure else [])

    def per_stratum(frame):
        return {r[STRATUM]: (int(r["n"]), int(r["hits"] or 0) if measure else 0)
                for r in frame.groupBy(STRATUM).agg(*aggs).collect()}

    strat = per_stratum(stratified_sample(df, column, sizes, counts, seed, exact))
    n_sample = sum(n for n, _ in strat.values())
    srs_frac = min(1.0, n_sample / total) if total else 0.0
    srs = per_stratum(df.withColumn(STRATUM, stratum_col(column)).sample(fraction=srs_frac, seed=seed + 2)) \
        if total else {}

    strata = []
    for k in sorted(counts, key=lambda k: (-counts[k], k)):
        N, hits = counts_hits[k]
        sn, sh = strat.get(k, (0, 0))
        rn, rh = srs.get(k, (0, 0))
        strata.append(StratumRow(k, N, sn, rn, (hits / N) if measure and N else None,
                                 Estimate(*wilson(sh, sn)) if measure and sn else None,
                                 Estimate(*wilson(rh, rn)) if measure and rn else None))
    overall_exact = overall_strat = overall_srs = None
    if measure and total:
        overall_exact = sum(h for _, h in counts_hits.values()) / total
        overall_strat = stratified_rate(strat, counts)
        rn = sum(n for n, _ in srs.values())
        overall_srs = Estimate(*wilson(sum(h for _, h in srs.values()), rn)) if rn else None
    ratio_label = ratio_exact = ratio_srs = None
    if numerator and denominator:
        ratio_label = f"'{' or '.join(numerator)}' to '{' or '.join(denominator)}'"
        num = sum(counts.get(k, 0) for k in numerator)
        den = sum(counts.get(k, 0) for k in denominator)
        ratio_exact = num / den if den else None
        ci = ratio_ci(sum(srs.get(k, (0, 0))[0] for k in numerator), sum(srs.get(k, (0, 0))[0] for k in denominator))
        ratio_srs = Estimate(*ci) if ci else None
    reasons = []
    short = [s for s in strata if s.strat_rows < min_rows]
    if short:
        names = ", ".join(f"'{s.stratum}' ({s.strat_rows} rows)" for s in short[:5])
        reasons.append(f"{len(short)} stratum/strata cannot give {min_rows} rows: {names}")
    if overall_strat is not None and (overall_strat.high - overall_strat.low) / 2 > tolerance:
        reasons.append(f"the overall {measure} rate is only known to ±{(overall_strat.high - overall_strat.low) / 2:.1%}"
                       f" (tolerance ±{tolerance:.1%})")
    if not total:
        reasons.append("the source has no rows")
    return SampleResult(source, column, measure, fraction, min_rows, total, n_sample, tuple(strata),
                        overall_exact, overall_strat, overall_srs, ratio_label or "", ratio_exact, ratio_srs,
                        tuple(reasons), "too_small" if reasons else "reliable")


def run(ctx, params) -> SampleResult:
    spark = ctx.spark
    spec = params.source
    df = load(spark, spec)
    col = params.column.strip()
    if col not in df.columns:
        raise ParameterError(f"column {col!r}", expected="one of " + ", ".join(df.columns), found=repr(col),
                             fix="name the column to stratify by, e.g. a category")
    measure = params.measure.strip()
    if measure:
        from dcs_engine.inputs.sqlguard import check_expression

        check_expression(spark, measure, "measure")  # no functions that reach the JVM or the file system
        try:
            df.selectExpr(f"CAST(({measure}) AS boolean)").schema
        except Exception as exc:
            from dcs_engine.triage import innermost_message

            raise ParameterError(f"measure {measure!r}", expected="a true/false SQL expression on the source's columns",
                                 found=innermost_message(exc), fix="columns are: " + ", ".join(df.columns)) from None
    return stratified_report(spark, df, col, params.fraction, params.min_rows, params.seed, measure,
                             _groups(params.numerator), _groups(params.denominator), params.tolerance,
                             spec.describe(), params.exact_size)


TECHNIQUE = Technique(
    id="sample",
    title="Sample, stratified by a column",
    summary=("A sample answers questions about common values, not rare ones: 10% of a million rows estimates a "
             "4:1 ratio well, 10% of ten rows says nothing. Stratify so rare categories survive, and compare the "
             "estimates with a simple random sample and with the exact answer."),
    snippet="fractions = {k: 0.1 for k in ['a', 'b', 'c']}\nstrat = df.sampleBy('category', fractions=fractions, seed=7)\nstrat.groupBy('category').count().show()\n",
    params=(
        Param("source", "source", default={"kind": "demo", "demo": "categories", "rows": 1_000_000, "seed": 42},
              label="Data source"),
        Param("column", "str", default="category", label="Stratify by column"),
        Param("fraction", "float", default=0.1, min=1e-6, max=1.0, label="Fraction per stratum"),
        Param("min_rows", "int", default=30, min=1, label="At least this many rows per stratum"),
        Param("measure", "str", default="converted", label="Rate to estimate (SQL true/false expression, optional)"),
        Param("numerator", "str", default="a", label="Ratio: these categories…"),
        Param("denominator", "str", default="b, c", label="…to these categories"),
        Param("tolerance", "float", default=0.05, min=0, max=1, label="Too small when the overall rate is known to worse than ±"),
        Param("exact_size", "bool", default=False, label="Exact size per stratum",
              help="Trim each stratum to exactly its size (a window over the sample); else sizes are at least "
                   "the target with high probability."),
        Param("seed", "int", default=7, label="Seed"),
    ),
    outcomes=("reliable", "too_small"),
    run=run,
)
