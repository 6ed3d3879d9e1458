"""Stratified sampling with a floor per stratum, and the statistics to judge it.

``stratified_sample`` takes, from every value of a column, ``fraction`` of its
rows but at least ``min_rows`` (all of them if the stratum is smaller): one pass counts the
strata, a second draws a ``sampleBy`` with fractions adjusted (and slightly
raised) per stratum; optionally a seeded ``row_number`` over that (small)
sample trims each stratum to its exact size.  Pure-Python helpers give
Wilson intervals for proportions and a delta-method interval for ratios.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959964


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float, float] | None:
    """(estimate, low, high) for a proportion; None when n == 0."""
    if n <= 0:
        return None
    p = successes / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return p, max(0.0, centre - half), min(1.0, centre + half)


def ratio_ci(num: int, den: int, z: float = Z95) -> tuple[float, float, float] | None:
    """(ratio, low, high) for num/den counts from one random sample (log-scale delta method)."""
    if num <= 0 or den <= 0:
        return None
    r = num / den
    se = math.sqrt(1 / num + 1 / den)
    return r, r * math.exp(-z * se), r * math.exp(z * se)


def target_sizes(counts: dict, fraction: float, min_rows: int) -> dict:
    """Rows to draw per stratum: fraction of it, at least min_rows, at most all of it."""
    return {k: min(n, max(min_rows, math.ceil(fraction * n))) for k, n in counts.items()}


def oversampled(sizes: dict, counts: dict) -> dict:
    """sampleBy fractions that give at least ``sizes`` rows with high probability (+3 sd + 10)."""
    out = {}
    for k, want in sizes.items():
        n = counts[k]
        out[k] = 1.0 if want >= n else min(1.0, (want + 3 * math.sqrt(want) + 10) / n)
    return out


STRATUM = "__dcs_stratum"


def stratum_col(column: str):
    from pyspark.sql import functions as F

    return F.coalesce(F.col(column).cast("string"), F.lit("<null>"))


def stratum_counts(df, column: str, measure: str = "") -> dict:
    """{stratum: (rows, measure successes or None)} in one pass."""
    from pyspark.sql import functions as F

    aggs = [F.count(F.lit(1)).alias("n")]
    if measure:
        aggs.append(F.sum(F.expr(measure).cast("int")).alias("hits"))
    rows = df.groupBy(stratum_col(column).alias(STRATUM)).agg(*aggs).collect()
    return {r[STRATUM]: (int(r["n"]), int(r["hits"] or 0) if measure else None) for r in rows}


def stratified_sample(df, column: str, sizes: dict, counts: dict, seed: int, exact: bool = False):
    """A stratified sample with the stratum in ``__dcs_stratum``.

    ``sampleBy`` with fractions raised so that each stratum ``k`` gives at least
    ``sizes[k]`` rows with high probability (a few more on average).  With
    ``exact``, a seeded ``row_number`` trims each stratum to exactly ``sizes[k]``
    (fewer only if the draw came up short): a shuffle and sort of the sample.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    fractions = oversampled(sizes, counts)
    tagged = df.withColumn(STRATUM, stratum_col(column))
    drawn = tagged.sampleBy(STRATUM, fractions=fractions, seed=seed)
    if not exact:
        return drawn
    w = Window.partitionBy(STRATUM).orderBy(F.rand(seed + 1))
    limit = F.create_map(*[x for k, v in sizes.items() for x in (F.lit(k), F.lit(v))]) if sizes else F.lit(None)
    return (drawn.withColumn("__dcs_rank", F.row_number().over(w))
                 .where(F.col("__dcs_rank") <= F.element_at(limit, F.col(STRATUM)))
                 .drop("__dcs_rank"))


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float

    def covers(self, x: float) -> bool:
        return self.low <= x <= self.high

    def text(self, pct: bool = True) -> str:
        f = (lambda v: f"{v:.2%}") if pct else (lambda v: f"{v:.3f}")
        return f"{f(self.value)} [{f(self.low)}, {f(self.high)}]"


def stratified_rate(strata: dict, counts: dict, z: float = Z95) -> Estimate | None:
    """Population rate from per-stratum (n, hits), weighted by stratum sizes, with a normal CI
    (finite-population corrected)."""
    total = sum(counts.values())
    if not total:
        return None
    est = var = 0.0
    for k, N in counts.items():
        n, hits = strata.get(k, (0, 0))
        if n == 0:
            return None
        p = hits / n
        w = N / total
        est += w * p
        fpc = (1 - n / N) if N > 1 else 0.0
        var += w * w * p * (1 - p) / max(1, n - 1) * fpc if n > 1 else w * w * 0.25
    half = z * math.sqrt(var)
    return Estimate(est, max(0.0, est - half), min(1.0, est + half))
