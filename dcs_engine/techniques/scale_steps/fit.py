"""Growth fits: how does time grow with rows?

A power law ``t = overhead + c * rows**b`` is a straight line on log-log axes
once the fixed overhead (job scheduling, a full scan that every step pays) is
taken off.  :func:`fit_loglog` does ordinary least squares on
``log(t - overhead)`` against ``log(rows)`` and reports the slope ``b`` (the
growth exponent) with its standard error and a 95% confidence interval.
Pure Python: no numpy, no Spark.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from dcs_engine.errors import ParameterError

# Two-sided 95% Student t quantiles by degrees of freedom.
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
        9: 2.262, 10: 2.228, 12: 2.179, 15: 2.131, 20: 2.086, 30: 2.042, 60: 2.000}


def t95(dof: int) -> float:
    """The 97.5% quantile of Student's t with ``dof`` degrees of freedom (table, rounded down)."""
    if dof < 1:
        raise ValueError("need at least one degree of freedom")
    best = 1.96
    for k in sorted(_T95, reverse=True):
        if dof >= k:
            best = _T95[k]
            break
    return best if dof <= 60 else 1.96


@dataclass(frozen=True)
class PowerFit:
    exponent: float
    log_coef: float          # natural log of c in t = overhead + c * rows**b
    stderr: float | None     # standard error of the exponent (None with 2 points)
    ci_low: float | None
    ci_high: float | None
    r2: float
    n_points: int
    overhead_s: float = 0.0

    def predict(self, rows: float) -> float:
        """Predicted seconds for ``rows`` rows (overhead included)."""
        return self.overhead_s + math.exp(self.log_coef) * float(rows) ** self.exponent

    def describe(self) -> str:
        if self.stderr is None:
            return f"{self.exponent:.2f} (2 points: no uncertainty)"
        return f"{self.exponent:.2f} ± {self.stderr:.2f} (95% CI {self.ci_low:.2f} to {self.ci_high:.2f})"


def fit_loglog(rows, seconds, overhead: float = 0.0) -> PowerFit:
    """Least-squares fit of ``log(seconds - overhead)`` on ``log(rows)``.

    Needs at least two points with rows > 0 and seconds > overhead.
    """
    xs, ys = [], []
    for r, s in zip(rows, seconds):
        work = float(s) - overhead
        if r is None or s is None or r <= 0 or work <= 0:
            continue
        xs.append(math.log(float(r)))
        ys.append(math.log(work))
    n = len(xs)
    if n < 2:
        raise ParameterError("growth fit", condition="FIT_TOO_FEW_STEPS", params={"usable": n, "needed": 2},
                             expected="at least 2 steps with rows > 0 and time above the overhead",
                             found=f"{n} usable step(s)",
                             fix="use larger fractions or more data so steps take measurable time")
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        raise ParameterError("growth fit", condition="FIT_TOO_FEW_STEPS", params={"usable": 1, "needed": 2},
                             expected="steps with different row counts", found="all equal",
                             fix="use distinct fractions")
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    b = sxy / sxx
    a = my - b * mx
    resid = [y - (a + b * x) for x, y in zip(xs, ys)]
    sse = sum(e * e for e in resid)
    syy = sum((y - my) ** 2 for y in ys)
    r2 = 1.0 - sse / syy if syy > 0 else 1.0
    if n > 2:
        se = math.sqrt(sse / (n - 2) / sxx)
        half = t95(n - 2) * se
        lo, hi = b - half, b + half
    else:
        se = lo = hi = None
    return PowerFit(exponent=b, log_coef=a, stderr=se, ci_low=lo, ci_high=hi, r2=r2, n_points=n,
                    overhead_s=overhead)


def local_exponent(f, n1: float, n2: float) -> float:
    """The average log-log slope of a cost function ``f`` between ``n1`` and ``n2``
    (e.g. about 1.06 for n*log(n) around ten million rows)."""
    return (math.log(f(n2)) - math.log(f(n1))) / (math.log(n2) - math.log(n1))


def fit_offset_power(rows, seconds, floor: float = 0.0, grid: int = 400) -> PowerFit:
    """Fit ``t = a + c * rows**b`` with the fixed part ``a`` estimated from the points.

    A near-empty run measures only the cost every job pays; a step of real data pays
    more fixed work that does not grow with its rows (one task per key group, per
    file, a full scan when steps are samples), and when that is left in, the growth
    looks flatter than it is.  ``a`` is searched between ``floor`` and the smallest
    time (whose step keeps at least 0.1% of it as growing work); for each candidate
    the exponent comes from least squares on the log-log line, and the ``a`` with the
    smallest squared error wins.  Needs 3 points; the standard error counts ``a`` as a
    fitted parameter (n - 3 degrees of
    freedom) and is None with exactly 3 points.
    """
    pts = [(float(r), float(s)) for r, s in zip(rows, seconds) if r and s and r > 0 and s > 0]
    if len({r for r, _ in pts}) < 3:
        raise ParameterError("growth fit", condition="FIT_TOO_FEW_STEPS",
                             params={"usable": len({r for r, _ in pts}), "needed": 3},
                             expected="at least 3 steps with different row counts and time > 0",
                             found=f"{len({r for r, _ in pts})} distinct step(s)",
                             fix="use more fractions (e.g. 0.01, 0.1, 0.2, 0.4)")
    least = min(s for _, s in pts)
    lo = max(0.0, min(floor, 0.5 * least))
    best = None
    for i in range(grid + 1):
        # log-spaced towards the smallest time, where the fit is most sensitive to ``a``:
        # the smallest step keeps from 100% down to 0.1% of its time as growing work
        a = lo + (least - lo) * (1.0 - 10.0 ** (-3.0 * i / grid))
        fit = fit_loglog([r for r, _ in pts], [s for _, s in pts], a)
        sse = sum((math.log(s - a) - fit.log_coef - fit.exponent * math.log(r)) ** 2 for r, s in pts)
        if best is None or sse < best[0] - 1e-15:
            best = (sse, a, fit)
    sse, a, fit = best
    xs = [math.log(r) for r, _ in pts]
    mx = sum(xs) / len(xs)
    sxx = sum((x - mx) ** 2 for x in xs)
    dof = len(pts) - 3
    if dof >= 1 and sxx > 0:
        se = math.sqrt(sse / dof / sxx)
        half = t95(dof) * se
        return PowerFit(fit.exponent, fit.log_coef, se, fit.exponent - half, fit.exponent + half, fit.r2,
                        len(pts), overhead_s=a)
    return PowerFit(fit.exponent, fit.log_coef, None, None, None, fit.r2, len(pts), overhead_s=a)
