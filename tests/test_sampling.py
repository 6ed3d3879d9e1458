"""Stratified sampling on the talk's 80/20 data with a rare 0.1% stratum, and the ten-row case."""
import pytest

from dcs_engine import registry
from dcs_engine.errors import ParameterError, SourceError
from dcs_engine.techniques.sample.stratified import oversampled, ratio_ci, target_sizes, wilson


def run(spark, **params):
    tech = registry.get("sample")
    return registry.run_technique(tech, spark, params)


def test_rare_stratum_survives_and_estimates_cover_the_truth(spark):
    res = run(spark, source={"kind": "demo", "demo": "categories", "rows": 100_000, "seed": 42}, exact_size=True)
    assert res.outcome == "reliable" and res.too_small == ()
    by = {s.stratum: s for s in res.strata}
    assert {k: s.population for k, s in by.items()} == {"a": 80_012, "c": 9_968, "b": 9_930, "r": 90}
    # exact size per stratum: 10%, but at least 30 rows
    assert {k: s.strat_rows for k, s in by.items()} == {"a": 8_002, "c": 997, "b": 993, "r": 30}
    assert res.sample_rows == 10_022 and sum(s.srs_rows for s in res.strata) == pytest.approx(10_022, rel=0.05)
    assert by["r"].srs_rows < 30 <= by["r"].strat_rows  # the random sample keeps a third as many rare rows
    for s in res.strata:
        assert s.strat_rate.covers(s.exact_rate), s
    assert res.overall_strat.covers(res.overall_exact) and res.overall_exact == pytest.approx(0.0605)
    assert res.ratio_exact == pytest.approx(80_012 / (9_968 + 9_930))
    assert res.ratio_srs.covers(res.ratio_exact) and 3.5 < res.ratio_srs.value < 4.5
    assert "'a' to 'b or c'" in res.to_markdown()


def test_default_draw_gives_at_least_the_floor(spark):
    res = run(spark, source={"kind": "demo", "demo": "categories", "rows": 100_000, "seed": 42})
    by = {s.stratum: s.strat_rows for s in res.strata}
    assert by["r"] >= 30 and by["a"] >= 8_002 and by["a"] < 8_002 + 3 * 90 + 10 + 200
    assert res.outcome == "reliable"


def test_ten_rows_at_ten_percent_say_nothing(spark):
    res = run(spark, source={"kind": "demo", "demo": "categories", "rows": 10, "seed": 42}, min_rows=1,
              exact_size=True)
    assert res.outcome == "too_small"
    assert [s.strat_rows for s in res.strata] == [1, 1, 1] and res.sample_rows == 3
    assert res.too_small[-1].startswith("the overall converted rate is only known to ±")
    res = run(spark, source={"kind": "demo", "demo": "categories", "rows": 10, "seed": 42})
    assert res.too_small[0] == "3 stratum/strata cannot give 30 rows: 'a' (8 rows), 'b' (1 rows), 'c' (1 rows)"
    assert res.headline.startswith("Too small to say anything: 3 stratum/strata")


def test_without_a_measure_and_bad_measure(spark):
    res = run(spark, source={"kind": "demo", "demo": "hotkey", "rows": 2000, "seed": 1}, column="client_id",
              measure="", numerator="", denominator="", min_rows=5, exact_size=True)
    assert res.outcome == "reliable" and res.overall_strat is None and res.ratio_exact is None
    assert all(s.strat_rows == min(s.population, max(5, -(-s.population // 10))) for s in res.strata)
    with pytest.raises(ParameterError) as e:
        run(spark, source={"kind": "demo", "demo": "categories", "rows": 10}, measure="nope > 1")
    assert e.value.message.startswith("[DCS101] measure 'nope > 1'; expected a true/false SQL expression")
    assert e.value.condition == "MEASURE_INVALID" and e.value.params["measure"] == "nope > 1"
    assert "category" in e.value.params["available"]
    with pytest.raises(SourceError) as e:
        run(spark, source={"kind": "demo", "demo": "categories", "rows": 10}, column="categry")
    assert e.value.condition == "COLUMN_NOT_FOUND" and e.value.params == {
        "param": "column", "column": "categry", "available": ["row_id", "category", "converted", "amount"]}


def test_statistics_helpers():
    p, lo, hi = wilson(8, 10)
    assert p == 0.8 and lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)
    assert wilson(0, 0) is None
    r, lo, hi = ratio_ci(800, 200)
    assert r == 4.0 and lo == pytest.approx(3.4258, abs=1e-3) and hi == pytest.approx(4.6704, abs=1e-3)
    assert target_sizes({"a": 800_000, "r": 1_000, "x": 12}, 0.1, 30) == {"a": 80_000, "r": 100, "x": 12}
    f = oversampled({"a": 80_000, "x": 12}, {"a": 800_000, "x": 12})
    assert f["x"] == 1.0 and 0.1 < f["a"] < 0.1012
