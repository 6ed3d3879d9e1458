"""The log-log growth fit, in pure Python."""
import math

import pytest

from dcs_engine.errors import ParameterError
from dcs_engine.techniques.scale_steps.fit import fit_loglog, local_exponent, t95


def test_exact_power_laws_are_recovered():
    rows = [1_000, 10_000, 20_000, 40_000]
    for b in (1.0, 2.0, 0.5):
        fit = fit_loglog(rows, [3e-6 * r ** b for r in rows])
        assert fit.exponent == pytest.approx(b, abs=1e-12)
        assert fit.stderr == pytest.approx(0.0, abs=1e-9) and fit.r2 == pytest.approx(1.0)
        assert fit.predict(100_000) == pytest.approx(3e-6 * 100_000 ** b, rel=1e-9)


def test_overhead_is_taken_off_before_the_fit():
    rows = [1_000, 10_000, 20_000, 40_000]
    secs = [2.0 + 1e-8 * r ** 2 for r in rows]
    assert fit_loglog(rows, secs).exponent < 0.9  # hidden by the fixed 2 s
    fit = fit_loglog(rows, secs, overhead=2.0)
    assert fit.exponent == pytest.approx(2.0, abs=1e-9)
    assert fit.predict(100_000) == pytest.approx(2.0 + 100.0, rel=1e-9)


def test_noisy_fit_has_a_confidence_interval():
    rows = [1_000, 2_000, 4_000, 8_000]
    noise = [1.05, 0.95, 1.04, 0.97]
    fit = fit_loglog(rows, [n * 1e-3 * r for n, r in zip(noise, rows)])
    # hand-computed with numpy.polyfit on the same logs
    assert fit.exponent == pytest.approx(0.978759, abs=1e-5)
    assert fit.ci_low < 1.0 < fit.ci_high
    assert fit.ci_high - fit.exponent == pytest.approx(t95(2) * fit.stderr)
    assert "95% CI" in fit.describe()


def test_two_points_have_no_uncertainty_and_one_point_is_refused():
    fit = fit_loglog([10, 100], [1.0, 10.0])
    assert fit.exponent == pytest.approx(1.0) and fit.stderr is None and "no uncertainty" in fit.describe()
    with pytest.raises(ParameterError) as e:
        fit_loglog([10, 100], [1.0, 0.5], overhead=0.9)
    assert e.value.message == ("[DCS101] growth fit; expected at least 2 steps with rows > 0 and time above the "
                               "overhead; found 1 usable step(s). Fix: use larger fractions or more data so steps "
                               "take measurable time")


def test_t_table_and_local_exponent():
    assert t95(1) == 12.706 and t95(11) == 2.228 and t95(1000) == 1.96
    assert local_exponent(lambda n: n * math.log(n), 1e5, 4e6) == pytest.approx(1.0 + 1 / math.log(6.3e5), abs=0.01)
    assert local_exponent(lambda n: n * n, 10, 1000) == pytest.approx(2.0)


def test_offset_power_finds_the_fixed_part_and_the_growth():
    from dcs_engine.techniques.scale_steps.fit import fit_offset_power

    rows = [5e5, 2e6, 4e6, 8e6]
    for b in (1.0, 2.0):
        secs = [0.3 + 2.0 * (r / 8e6) ** b for r in rows]
        fit = fit_offset_power(rows, secs)
        assert fit.exponent == pytest.approx(b, abs=0.01)
        assert fit.overhead_s == pytest.approx(0.3, abs=0.01)
        # the plain fit with no overhead taken off sees a flatter curve
        assert fit_loglog(rows, secs).exponent < b - 0.1
    with pytest.raises(ParameterError, match="at least 3 steps"):
        fit_offset_power([1, 2], [1.0, 2.0])
