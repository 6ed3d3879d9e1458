"""The log-log growth fit, in pure Python."""
import math

import pytest

from dcs_engine.errors import ParameterError
from dcs_engine.techniques.scale_steps.fit import fit_loglog, fit_offset_power, local_exponent, t95


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


def _steps(rows, work):
    from dcs_engine.techniques.scale_steps.result import Step

    return [Step(0.1, r, True, None, 1.0 + w, 1, 1, None, None, "ok", work_s=w) for r, w in zip(rows, work)]


def test_a_step_no_costlier_than_the_near_empty_run_is_left_out_of_the_fit():
    """Issue 15: fixed work 0.55 s, all-pairs work on top (0.04, 0.37, 1.12 s with noise): the smallest step
    shows no growth above the fixed part, and fitting a fixed part through it read the job as linear."""
    from dcs_engine.techniques.scale_steps.growth import fit_growth

    rows, work = [2023, 4058, 8012], [0.59, 0.92, 1.67]
    g = fit_growth(_steps(rows, work), 2.5, 0.59, 20_000, 2, 0.1, False)
    assert g.fit.exponent > 1.6 and g.fitted == frozenset({1, 2}), g
    assert "1 step(s) left out" in g.note and "above the near-empty run's work (0.59 s" in g.note
    assert fit_offset_power(rows, work).exponent < 1.3  # the fit through all three steps


def test_the_fixed_part_is_fitted_when_the_near_empty_run_sees_less_of_it():
    """Whole-file steps pay fixed work the near-empty run does not (per file, per task): it is fitted, at
    least the near-empty run's work, and the note says how."""
    from dcs_engine.techniques.scale_steps.growth import fit_growth

    rows = [75e3, 3e5, 6e5, 1.2e6]
    for k in (1.0, 1.5, 2.0):
        work = [0.2 + 1.6 * (r / 1.2e6) ** k for r in rows]
        g = fit_growth(_steps(rows, work), 1.0, 0.05, 3_000_000, 2, 0.1, False)
        assert g.fit.exponent == pytest.approx(k, abs=0.02) and g.fitted == frozenset(range(4))
        assert g.fit.overhead_s == pytest.approx(0.2, abs=0.02)
        assert "fixed 0.20 s (the near-empty run's work, 0.05 s, is its least)" in g.note
