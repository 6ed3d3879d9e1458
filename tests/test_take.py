"""take on real Spark: demo data, files of every format, where/columns, errors."""
import pytest

from dcs_engine import registry
from dcs_engine.errors import ParameterError, SourceError
from dcs_engine.inputs.sources import SourceSpec, load
from dcs_engine.techniques.take import take


def run_take(spark, **params):
    tech = registry.get("take")
    return registry.run_technique(tech, spark, params)


def test_demo_is_seeded_and_shaped_like_the_talk(spark):
    a = run_take(spark, source={"kind": "demo", "rows": 500, "seed": 7}, n=5)
    b = run_take(spark, source={"kind": "demo", "rows": 500, "seed": 7}, n=5)
    assert a.rows == b.rows and a.outcome == "rows" and len(a.rows) == 5
    cols = dict(zip(a.columns, a.types))
    assert cols["submission_date"] == "string" and cols["active_experiment_id"] == "string"
    df = load(spark, SourceSpec(rows=2000, seed=7))
    dates = [r[0] for r in df.select("submission_date").collect()]
    assert all(len(d) == 8 and d.isdigit() for d in dates)
    nulls = df.where("active_experiment_id is null").count()
    assert 0.8 * 2000 < nulls < 0.97 * 2000  # mostly null


def test_other_seed_gives_other_rows(spark):
    a = run_take(spark, source={"kind": "demo", "rows": 100, "seed": 1}, n=3)
    b = run_take(spark, source={"kind": "demo", "rows": 100, "seed": 2}, n=3)
    assert a.rows != b.rows


def test_where_and_columns(spark):
    res = run_take(spark, source={"kind": "demo", "rows": 3000, "where": "active_experiment_id is not null",
                                  "columns": "active_experiment_id, submission_date"}, n=10)
    assert res.columns == ("active_experiment_id", "submission_date")
    assert all(r[0].startswith(("e10s", "flash")) for r in res.rows)
    assert "active_experiment_id" in res.to_markdown()


def test_empty_result_outcome(spark):
    res = run_take(spark, source={"kind": "demo", "rows": 100, "where": "submission_date > '99999999'"}, n=10)
    assert res.outcome == "empty" and res.rows == ()


@pytest.mark.parametrize("fmt", ["parquet", "json", "csv", "orc", "text"])
def test_every_file_format(spark, tmp_path, fmt):
    df = load(spark, SourceSpec(rows=50, seed=3)).select("client_id", "submission_date")
    out = str(tmp_path / f"data.{fmt}")
    if fmt == "text":
        df.selectExpr("concat_ws(',', client_id, submission_date) as value").write.text(out)
    elif fmt == "csv":
        df.write.option("header", "true").csv(out)
    else:
        df.write.format(fmt).save(out)
    res = run_take(spark, source={"kind": "path", "path": out, "format": fmt}, n=4)
    assert len(res.rows) == 4
    assert res.columns == (("value",) if fmt == "text" else ("client_id", "submission_date"))


def test_jsonl_alias_and_table(spark, tmp_path):
    p = tmp_path / "rows.jsonl"
    p.write_text('{"a": 1, "b": "x"}\n{"a": null, "b": 2}\n')
    res = run_take(spark, source={"kind": "path", "path": str(p), "format": "jsonl"}, n=5)
    assert res.rows == ((1, "x"), (None, "2"))
    spark.range(3).createOrReplaceTempView("three")
    assert run_take(spark, source={"kind": "table", "table": "three"}, n=10).rows == ((0,), (1,), (2,))


def test_missing_path_names_it(spark, tmp_path):
    missing = str(tmp_path / "nope.parquet")
    with pytest.raises(SourceError) as e:
        run_take(spark, source={"kind": "path", "path": missing, "format": "parquet"})
    assert e.value.message == (f"[DCS102] path '{missing}'; expected an existing file or directory; "
                               "found nothing there. Fix: check the path "
                               "(it is read by the Spark driver and executors)")


def test_bad_where_and_column(spark):
    with pytest.raises(SourceError) as e:
        run_take(spark, source={"kind": "demo", "rows": 10, "where": "no_such_col > 1"})
    assert e.value.message.startswith("[DCS102] where clause 'no_such_col > 1'; expected a SQL condition")
    assert "submission_date" in e.value.fix
    with pytest.raises(SourceError) as e:
        run_take(spark, source={"kind": "demo", "rows": 10, "columns": ["nope"]})
    assert "column 'nope'" in e.value.message


def test_unknown_table(spark):
    with pytest.raises(SourceError) as e:
        run_take(spark, source={"kind": "table", "table": "no_such_table"})
    assert "TABLE_OR_VIEW_NOT_FOUND" in e.value.found or "not found" in e.value.found.lower()


def test_params_are_checked():
    tech = registry.get("take")
    with pytest.raises(ParameterError) as e:
        registry.coerce_params(tech, {"n": "ten"})
    assert e.value.message == ("[DCS101] parameter 'n'; expected a whole number; found 'ten'. "
                               "Fix: enter a whole number for 'Rows to take'")
    with pytest.raises(ParameterError) as e:
        registry.coerce_params(tech, {"n": 0})
    assert "at least 1" in e.value.message
    with pytest.raises(ParameterError):
        registry.coerce_params(tech, {"rows": 3})


def test_take_on_any_dataframe(spark):
    res = take(spark.createDataFrame([(1, None)], "a int, b string"), 5)
    assert res.rows == ((1, None),) and res.types == ("int", "string")
