"""profile on real Spark: shapes, nulls, mixed JSON types, and the talk's date filter."""
import pytest

from dcs_engine import registry
from dcs_engine.errors import ParameterError, SourceError
from dcs_engine.shapes import kind_of, shape, where_literals
from dcs_engine.sources import SourceSpec, read_base
from dcs_engine.techniques.profile import profile_df

ROWS = 3000
WHERE = "submission_date > '2017-05-19'"


def run_profile(spark, **params):
    tech = registry.get("profile")
    return tech.run(spark, registry.coerce_params(tech, params))


def test_the_talks_date_filter(spark):
    src = {"kind": "demo", "rows": ROWS, "seed": 42, "where": WHERE}
    res = run_profile(spark, source=src)
    base = read_base(spark, SourceSpec.from_dict(src))
    assert res.rows == ROWS
    assert res.rows_in_filter == base.where(WHERE).count()
    assert res.suggested_where == "submission_date > '20170519'"
    assert res.rows_in_suggested == base.where("submission_date > '20170519'").count()
    assert res.rows_in_filter > 2 * res.rows_in_suggested  # the wrong literal keeps far too many rows
    assert res.outcome == "variance_found"
    first = res.findings[0]
    assert (first.kind, first.column) == ("literal_shape", "submission_date")
    assert first.text == ("the filter compares submission_date > '2017-05-19' (shape 9999-99-99) with values "
                          "shaped 99999999 (e.g. 20160620)")
    col = res.column("submission_date")
    assert [(s.shape, s.count, s.kind) for s in col.shapes] == [("99999999", ROWS, "date (yyyyMMdd)")]
    assert col.shapes[0].in_filter == res.rows_in_filter
    assert res.comparisons == (("submission_date > '2017-05-19'", "9999-99-99", "99999999"),)
    md = res.to_markdown()
    assert f"| where {WHERE} | {res.rows_in_filter} |" in md


def test_nulls_types_and_min_max(spark):
    src = {"kind": "demo", "rows": ROWS, "seed": 42}
    res = run_profile(spark, source=src)
    base = read_base(spark, SourceSpec.from_dict(src))
    for name in ("active_experiment_id", "field"):
        col = res.column(name)
        assert col.nulls == base.where(f"{name} is null").count() > 0
        assert col.python_types == ("str", "NoneType")
        assert [s for s in col.shapes if s.shape is None][0].count == col.nulls
    assert res.where == "" and res.rows_in_filter is None
    counter = res.column("profile_subsession_counter")
    assert (counter.python_types, counter.min, counter.max, counter.nulls) == (("int",), 1, 50, 0)
    agg = base.agg({"subsession_length": "min"}).first()[0], base.agg({"subsession_length": "max"}).first()[0]
    assert (res.column("subsession_length").min, res.column("subsession_length").max) == agg
    assert res.column("document_id").shapes[0].shape == "x"  # hex ids collapse into one shape
    assert {f.kind for f in res.findings} == {"nulls"}
    assert res.outcome == "variance_found"


def test_json_field_with_str_int_and_null(spark, tmp_path):
    p = tmp_path / "mixed.jsonl"
    p.write_text('{"id": 1, "v": "abc"}\n{"id": 2, "v": 12}\n{"id": 3, "v": null}\n{"id": 4, "v": "2016-06-20"}\n'
                 '{"id": 5, "v": 7}\n')
    res = run_profile(spark, source={"kind": "path", "path": str(p), "format": "jsonl"})
    v = res.column("v")
    assert v.spark_type == "string" and v.python_types == ("str", "NoneType") and v.nulls == 1
    assert dict(v.kinds) == {"integer": 2, "text": 1, "date": 1}
    assert ("mixed_kinds", "v", "values look like integer (2), date (1), text (1)") in [
        (f.kind, f.column, f.text) for f in res.findings] or ("mixed_kinds", "v", "values look like integer (2), text (1), date (1)") in [
        (f.kind, f.column, f.text) for f in res.findings]
    assert {s.shape: s.count for s in v.shapes} == {"aaa": 1, "99": 1, "9": 1, "9999-99-99": 1, None: 1}


def test_uniform_data(spark):
    df = spark.createDataFrame([(i, f"2017-01-{i:02d}", i * 1.5) for i in range(1, 21)], "n int, d string, x double")
    res = profile_df(df, where="d >= '2017-01-10' and n between 3 and 30")
    assert res.outcome == "uniform" and res.findings == ()
    assert (res.rows, res.rows_in_filter) == (20, 11)
    assert res.column("d").kinds == (("date", 20),)
    assert res.headline == "Uniform: 3 columns over 20 rows, no nulls, one kind of value per column."


def test_numeric_column_against_text_literal(spark):
    df = spark.createDataFrame([(1,), (2,)], "n int")
    res = profile_df(df, where="n = 'one'")
    assert [(f.kind, f.column) for f in res.findings] == [("filter_fails", ""), ("literal_shape", "n")]
    assert "CAST_INVALID_INPUT" in res.filter_error and res.rows_in_filter is None and res.rows == 2
    res = profile_df(df, where="n > '1'")
    assert (res.findings, res.rows_in_filter) == ((), 1)


def test_empty_dataset(spark):
    res = run_profile(spark, source={"kind": "demo", "rows": 0, "where": WHERE})
    assert (res.rows, res.rows_in_filter, res.outcome) == (0, 0, "uniform")
    assert all(c.rows == 0 and c.shapes == () for c in res.columns)


def test_sample_and_columns(spark):
    res = run_profile(spark, source={"kind": "demo", "rows": ROWS, "columns": "channel, field"}, sample=0.5)
    again = run_profile(spark, source={"kind": "demo", "rows": ROWS, "columns": "channel, field"}, sample=0.5)
    assert [c.name for c in res.columns] == ["channel", "field"]
    assert 0.4 * ROWS < res.rows < 0.6 * ROWS and res.rows == again.rows
    assert res.headline.startswith(f"Variance in a 50% sample ({res.rows:,} rows)")


def test_column_that_does_not_exist(spark):
    with pytest.raises(SourceError) as e:
        run_profile(spark, source={"kind": "demo", "rows": 10, "where": "submision_date > '2017'"})
    assert e.value.message.startswith("[DCS102] where clause \"submision_date > '2017'\"; expected a SQL condition on "
                                      "the source's columns; found ")
    assert "UNRESOLVED_COLUMN" in e.value.found and "`submision_date`" in e.value.found
    assert e.value.fix.startswith("columns are: document_id, client_id, channel")
    with pytest.raises(SourceError) as e:
        profile_df(spark.range(2), columns=("nope",))
    assert e.value.message == ("[DCS102] column 'nope'; expected one of id; found 'nope'. "
                               "Fix: pick columns that exist in the source")
    with pytest.raises(ParameterError):
        profile_df(spark.range(2), sample=0)


def test_shapes_and_literals():
    assert (shape("20160620"), shape("2016-06-20"), shape(None), shape(3.25)) == ("99999999", "9999-99-99", None, "9.99")
    assert shape("e10s-beta45-withoutaddons") == "x-x-aaaaaaaaaaaaa"
    assert kind_of("9999-99-99") == "date" and kind_of("-99") == "integer" and kind_of("aaaa", "True") == "bool"
    found = [(c.column, c.op, c.literal, c.shape) for c in where_literals(
        "t.submission_date > '2017-05-19' AND '5' <= n AND c BETWEEN 'a1' AND 'b2' AND os IN ('Linux', 'Darwin') "
        "AND date(x) = '2017-01-01'")]
    assert found == [("submission_date", ">", "2017-05-19", "9999-99-99"), ("n", ">=", "5", "9"),
                     ("c", "between", "a1", "x"), ("c", "between", "b2", "x"),
                     ("os", "in", "Linux", "aaaaa"), ("os", "in", "Darwin", "aaaaaa")]
