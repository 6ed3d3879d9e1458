"""profile on real Spark: missing values apart from null, far-out values, layouts, the filter by meaning."""
import math
from datetime import UTC, date, datetime, timedelta

import pytest

from dcs_engine import registry
from dcs_engine.errors import ParameterError, SourceError
from dcs_engine.inputs.sources import SourceSpec, read_base
from dcs_engine.techniques.profile import profile_df

ROWS = 3000
WHERE = "submission_date > '2017-05-19'"


def run_profile(spark, **params):
    return registry.run_technique("profile", spark, params)


def missing(col) -> dict:
    return {m.what: m.count for m in col.missing}


def test_the_talks_date_filter(spark):
    src = {"kind": "demo", "rows": ROWS, "seed": 42, "where": WHERE}
    res = run_profile(spark, source=src)
    base = read_base(spark, SourceSpec.from_dict(src))
    assert res.rows == ROWS
    assert res.rows_in_filter == base.where(WHERE).count()
    assert res.suggested_where == "submission_date > '20170519'"
    assert res.rows_in_suggested == res.rows_in_rewritten == base.where("submission_date > '20170519'").count()
    assert res.rows_by_meaning == base.where("to_date(submission_date, 'yyyyMMdd') > DATE'2017-05-19'").count()
    assert res.rows_in_filter > 2 * res.rows_in_suggested  # the wrong literal keeps far too many rows
    assert res.outcome == "filter_mismatch"
    first = res.findings[0]
    assert (first.kind, first.column) == ("literal_mismatch", "submission_date")
    assert first.text.startswith(f"the filter keeps {res.rows_in_filter:,} rows as written but "
                                 f"{res.rows_by_meaning:,} by meaning")
    col = res.column("submission_date")
    assert [(lay.layout, lay.count) for lay in col.layouts] == [("yyyyMMdd", ROWS)]
    assert col.shapes[0].shape == "99999999"
    assert res.comparisons[0].literal_layout == "yyyy-MM-dd" and res.comparisons[0].column_layout == "yyyyMMdd"
    assert f"| where {WHERE} (as written) | {res.rows_in_filter} |" in res.to_markdown()


def test_missing_values_apart_from_null(spark):
    inf = float("inf")
    xs = [1.5, math.nan, inf, -inf, None, 2.5, math.nan, 3.0] * 25
    ss = ["a", "", "  ", "\t", "NA", " n/a ", "NULL", None] * 25
    ns = [3, -1, 7, 0, 12, -1, 5, None] * 25
    df = spark.createDataFrame(list(zip(xs, ss, ns)), "x double, s string, n int")
    res = profile_df(df)
    x, s, n = res.column("x"), res.column("s"), res.column("n")
    assert (x.nulls, missing(x)) == (25, {"NaN": 50, "+Infinity": 25, "-Infinity": 25})
    assert (x.min, x.max) == (1.5, 3.0)
    assert (s.nulls, missing(s)) == (25, {"empty": 25, "whitespace only": 50, "placeholder": 75})
    assert (n.nulls, missing(n)) == (25, {"placeholder -1": 50})
    assert res.finding("nan", "x").share == pytest.approx(0.25)
    assert res.finding("placeholders", "s").text.startswith("75 of 200 values (37.5%) are placeholder text")
    assert res.finding("numeric_placeholder", "n").count == 50
    assert res.outcome == "missing_values"


def test_a_value_that_belongs_is_no_placeholder(spark):
    temps = [(t,) for t in (-12, -1, -5, 3, 8, 14, -9, 0, 21, 17) * 20]
    res = profile_df(spark.createDataFrame(temps, "t int"))
    assert missing(res.column("t")) == {} and res.outcome == "uniform"


def test_far_out_values_with_examples(spark):
    ages = [(18 + i % 60,) for i in range(600)] + [(4000,), (5000,), (-3000,)]
    res = profile_df(spark.createDataFrame(ages, "age int"))
    o = res.column("age").outliers
    assert (o.below, o.above) == (1, 2) and o.high_examples[:2] == (5000, 4000) and o.low_examples == (-3000,)
    f = res.finding("impossible_values", "age")
    assert f.count == 3 and "5000, 4000" in f.text and res.outcome == "impossible_values"
    nines = profile_df(spark.createDataFrame([(18 + i % 60,) for i in range(600)] + [(9999,)], "age int"))
    assert missing(nines.column("age")) == {"placeholder 9999": 1}
    assert nines.finding("numeric_placeholder", "age") is not None


def test_a_long_right_tail_is_normal(spark):
    sizes = [(int(1.05 ** (i % 300)),) for i in range(3000)]  # sizes, counts: log-spread, not bad data
    res = profile_df(spark.createDataFrame(sizes, "bytes long"))
    assert res.column("bytes").outliers.count == 0 and res.outcome == "uniform"


def test_sorted_data_is_not_judged_by_its_first_rows(spark):
    df = spark.range(0, 5000).selectExpr("id * 2 AS v")
    res = profile_df(df, probe_rows=200)
    o = res.column("v").outliers
    assert o.count == 0 and "do not represent" in o.note
    assert any(n.kind == "outliers_not_checked" for n in res.notes) and res.outcome == "uniform"


LAYOUT_WRITERS = {
    "yyyy-MM-dd": lambda d: d.isoformat(),
    "yyyyMMdd": lambda d: d.strftime("%Y%m%d"),
    "yyyy/MM/dd": lambda d: d.strftime("%Y/%m/%d"),
    "M/d/yyyy": lambda d: f"{d.month}/{d.day}/{d.year}",
    "d.M.yyyy": lambda d: f"{d.day}.{d.month}.{d.year}",
    "ISO 8601 timestamp": lambda d: d.isoformat() + "T00:00:00Z",
}


UNORDERED = {"M/d/yyyy", "d.M.yyyy"}  # text order is not date order: a range on them is wrong as written
DAYS = [date(2019, 11, 20) + timedelta(days=i) for i in range(60)]
CUT = date(2019, 12, 13)


def test_every_pair_of_layouts_is_read_by_meaning():
    """Without Spark: for each column layout and literal layout, the literal's value, its rewrite, the SQL."""
    from dcs_engine.techniques.profile import layouts, wherecheck
    from dcs_engine.techniques.profile.plan import string_plan

    for column_layout, write in LAYOUT_WRITERS.items():
        plan = string_plan(0, "d", "string", "`d`", [write(d) for d in DAYS])
        for literal_layout, lit_write in LAYOUT_WRITERS.items():
            for op in (">=", "="):
                wp = wherecheck.plan_where(f"d {op} '{lit_write(CUT)}'", {"d": plan}, {})
                (check,) = wp.checks
                assert (check.literal_layout, check.column_layout, check.problem) == (literal_layout, column_layout,
                                                                                      "")
                assert check.typed == (f"TIMESTAMP'{CUT.isoformat()} 00:00:00+00:00'" if "ISO" in literal_layout
                                       else f"DATE'{CUT.isoformat()}'")
                assert "`d`" in wp.meaning and check.typed in wp.meaning
                if op == ">=" and column_layout in UNORDERED:
                    assert check.rewritten is None  # no text rewrite keeps a range right there
                else:
                    text = check.rewritten.strip("'")
                    assert layouts.parse(layouts.BY_NAME[column_layout], text) in (CUT, datetime(2019, 12, 13,
                                                                                               tzinfo=UTC))


@pytest.mark.parametrize("column_layout", list(LAYOUT_WRITERS))
def test_literals_by_meaning_on_spark(spark, column_layout):
    """On Spark: the literal in the column's own layout, and in the next layout of the list."""
    names = list(LAYOUT_WRITERS)
    write = LAYOUT_WRITERS[column_layout]
    df = spark.createDataFrame([(write(d),) for d in DAYS], "d string")
    expected = sum(d >= CUT for d in DAYS)
    other = names[(names.index(column_layout) + 1) % len(names)]
    for literal_layout in (column_layout, other):
        res = profile_df(df, where=f"d >= '{LAYOUT_WRITERS[literal_layout](CUT)}'")
        assert res.column("d").layouts[0].layout == column_layout
        assert res.rows_by_meaning == expected
        assert (res.finding("literal_mismatch") is None) == (res.rows_in_filter == expected)
        if literal_layout == column_layout and column_layout not in UNORDERED:
            assert res.rows_in_filter == expected and res.findings == ()  # a correct literal: nothing to say
        if res.rewritten_where:
            assert res.rows_in_rewritten == expected
        if res.finding("literal_mismatch"):
            assert res.rows_in_suggested == expected
    same_day = profile_df(df, where=f"d = '{write(CUT)}'")
    assert (same_day.rows_in_filter, same_day.findings) == (1, ())


def test_epoch_seconds_against_a_date(spark):
    start = 1_600_000_000
    df = spark.createDataFrame([(start + i * 3600,) for i in range(500)], "ts long")
    res = profile_df(df, where="ts >= '2020-09-20'")
    assert "epoch seconds" in res.column("ts").reading
    cut = 1_600_560_000  # 2020-09-20T00:00:00Z
    assert res.rows_by_meaning == sum(start + i * 3600 >= cut for i in range(500))
    assert res.rows_in_filter is None and res.finding("filter_fails") is not None
    plain = profile_df(df, where=f"ts >= {cut}")  # a number against epoch numbers: nothing to say
    assert plain.findings == () and plain.rows_in_filter == res.rows_by_meaning


def test_hidden_types_in_strings(spark):
    uuid = "c9bf9e57-1685-4c89-bafb-ff5af830be8a"
    rows = [(f"{i:,}.50" if i > 999 else f"{i}.50", uuid, "true" if i % 2 else "false", f'{{"k": {i}}}',
             "12/31/2019 11:59:00 PM") for i in range(900, 1300)]
    res = profile_df(spark.createDataFrame(rows, "amount string, id string, flag string, doc string, t string"))
    got = {c.name: [(lay.layout, lay.count) for lay in c.layouts] for c in res.columns}
    assert got["amount"] == [("thousands separators", 300), ("decimal", 100)]
    assert got["id"] == [("UUID", 400)] and got["flag"] == [("true/false", 400)]
    assert got["doc"] == [("JSON", 400)] and got["t"] == [("M/d/yyyy h:mm:ss a", 400)]
    hidden = {n.column for n in res.notes if n.kind == "hidden_type"}
    assert hidden == {"amount", "id", "flag", "doc", "t"}
    assert res.finding("mixed_kinds", "amount") is None


def test_json_field_with_str_int_and_null(spark, tmp_path):
    p = tmp_path / "mixed.jsonl"
    p.write_text('{"id": 1, "v": "abc"}\n{"id": 2, "v": 12}\n{"id": 3, "v": null}\n{"id": 4, "v": "2016-06-20"}\n'
                 '{"id": 5, "v": 7}\n')
    res = run_profile(spark, source={"kind": "path", "path": str(p), "format": "jsonl"})
    v = res.column("v")
    assert v.spark_type == "string" and v.python_types == ("str", "NoneType") and v.nulls == 1
    assert dict(v.kinds) == {"integer": 2, "text": 1, "date": 1}
    assert res.finding("mixed_kinds", "v") is not None
    assert dict(v.json_types) == {"string": 2, "integer": 2, "null": 1}
    assert res.column("id").json_types == (("integer", 5),)
    assert res.finding("mixed_json_types", "v").text == ("the JSON records hold string (2), integer (2); Spark "
                                                          "reads them all as string")
    assert res.outcome == "mixed_types"


def test_json_types_missing_keys_nested_and_malformed_lines(spark, tmp_path):
    p = tmp_path / "pings.json"
    p.write_text('{"id": 1, "v": "abc", "x": 1.50, "o": {"k": [1]}}\n{"id": 2, "v": 12, "o": [1, 2]}\n\n'
                 '{"id": 3, "v": true}\nnot json\n{"id": "4", "v": "' + "y" * 70 + '", "x": 2}\n'
                 '{"id": 5, "v": "2016-06-20", "x": null}\n')
    src = {"kind": "path", "path": str(p), "format": "json", "where": "v = '12'"}
    res = run_profile(spark, source=src)
    base = read_base(spark, SourceSpec.from_dict(src))
    assert res.rows == base.count() == 6 and res.malformed_records == 1
    assert res.rows_in_filter == 1
    assert dict(res.column("id").json_types) == {"integer": 4, "string": 1, "missing": 1}
    assert dict(res.column("v").json_types) == {"string": 3, "integer": 1, "boolean": 1, "missing": 1}
    assert dict(res.column("o").json_types) == {"object": 1, "array": 1, "missing": 4}
    assert dict(res.column("x").json_types) == {"decimal": 2, "null or missing": 4}  # a double: null = missing
    kinds = {(f.kind, f.column) for f in res.findings}
    assert kinds >= {("mixed_json_types", "id"), ("mixed_json_types", "v"), ("mixed_json_types", "o")}
    assert ("mixed_json_types", "x") not in kinds  # 1.50 and 2: numbers
    off = run_profile(spark, source=src, json_types=False)
    assert (off.rows, off.rows_in_filter, off.malformed_records) == (6, 1, 1)
    assert off.column("v").json_types == (("string", 5), ("null or missing", 1))
    assert "mixed_json_types" not in {f.kind for f in off.findings}


def test_uniform_data(spark):
    df = spark.createDataFrame([(i, f"2017-01-{i:02d}", i * 1.5) for i in range(1, 21)], "n int, d string, x double")
    res = profile_df(df, where="d >= '2017-01-10' and n between 3 and 30")
    assert res.outcome == "uniform" and res.findings == ()
    assert (res.rows, res.rows_in_filter) == (20, 11)
    assert res.column("d").kinds == (("date", 20),)
    assert res.headline.startswith("Uniform: 3 columns over 20 rows")


def test_numeric_column_against_text_literal(spark):
    df = spark.createDataFrame([(1,), (2,)], "n int")
    res = profile_df(df, where="n = 'one'")
    assert [(f.kind, f.column) for f in res.findings] == [("filter_fails", ""), ("literal_mismatch", "n")]
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


def test_bad_parameters(spark):
    with pytest.raises(SourceError) as e:
        run_profile(spark, source={"kind": "demo", "rows": 10, "where": "submision_date > '2017'"})
    assert "UNRESOLVED_COLUMN" in e.value.found and "`submision_date`" in e.value.found
    with pytest.raises(SourceError) as e:
        profile_df(spark.range(2), columns=("nope",))
    assert (e.value.condition, e.value.params["column"]) == ("COLUMN_NOT_FOUND", "nope")
    with pytest.raises(ParameterError):
        profile_df(spark.range(2), sample=0)
