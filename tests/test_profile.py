"""profile on real Spark: shapes, nulls, mixed JSON types, and the talk's date filter."""
import pytest

from dcs_engine import registry
from dcs_engine.errors import ParameterError, SourceError
from dcs_engine.inputs.sources import SourceSpec, read_base
from dcs_engine.techniques.profile import profile_df
from dcs_engine.techniques.profile.shapes import kind_of, shape, where_literals

ROWS = 3000
WHERE = "submission_date > '2017-05-19'"


def run_profile(spark, **params):
    tech = registry.get("profile")
    return registry.run_technique(tech, spark, params)


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
    assert all(c.json_types == () for c in res.columns) and res.malformed_records is None  # not JSON


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
    # the records' own JSON types, which Spark's "string" hides
    assert dict(v.json_types) == {"string": 2, "integer": 2, "null": 1}
    assert res.column("id").json_types == (("integer", 5),)
    assert ("mixed_json_types", "v", ("the JSON records hold string (2), integer (2); Spark reads them all as "
                                      "string")) in [(f.kind, f.column, f.text) for f in res.findings]
    assert "| v | string | str, NoneType | string 2, integer 2, null 1 | 1 |" in res.to_markdown()


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
    assert res.column("_corrupt_record").json_types == ()
    # the profiled text is what Spark's typed read gives, including the long string and the boolean
    assert sorted(s.examples[0] for s in res.column("v").shapes if s.shape) == sorted(
        v for v in (r[0] for r in base.select("v").collect()) if v is not None)
    assert {(f.kind, f.column) for f in res.findings} >= {("mixed_json_types", "id"), ("mixed_json_types", "v"),
                                                          ("mixed_json_types", "o")}
    assert ("mixed_json_types", "x") not in {(f.kind, f.column) for f in res.findings}  # 1.50 and 2: numbers
    # without VARIANT: today's typed read, types derived from Spark's types only
    off = run_profile(spark, source=src, json_types=False)
    assert (off.rows, off.rows_in_filter, off.malformed_records) == (6, 1, 1)
    assert off.column("v").json_types == (("string", 5), ("null or missing", 1))
    assert "mixed_json_types" not in {f.kind for f in off.findings}
    assert [s.shape for s in off.column("v").shapes] == [s.shape for s in res.column("v").shapes]


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


def test_arrow_shape_matches_python_shape():
    import random

    import pyarrow as pa

    from dcs_engine.techniques.profile.shapes import arrow_shape
    rnd = random.Random(7)
    chars = "aZ09-._ é€xy1"
    values = [None if rnd.random() < 0.1 else "".join(rnd.choice(chars) for _ in range(rnd.choice([0, 1, 3, 8, 40, 41, 60])))
              for _ in range(3000)] + ["", "e10s", "abc123", "2016-06-20", "a1" * 30]
    for start, length in ((0, len(values)), (5, 700), (len(values) - 3, 3)):
        arr = pa.array(values).slice(start, length)
        assert arrow_shape(arr).to_pylist() == [shape(v) for v in arr.to_pylist()]


def test_task_tally_matches_a_plain_python_tally():
    """The task's numpy/dictionary paths against a row-by-row count (ids, few values, negatives, nulls)."""
    import pickle
    import random

    import pyarrow as pa
    import pyarrow.compute as pc

    from dcs_engine.techniques.profile.shapes import profile_task
    rnd = random.Random(3)
    n = 20_000
    cols = {
        "id": [f"{rnd.getrandbits(64):016x}" if i % 97 else str(i) for i in range(n)],       # row by row
        "few": [rnd.choice(["true", "False", "beta", "20160620", "2016-06-20", None]) for _ in range(n)],
        "int": [rnd.choice([None, 0, 7, -5, -120, 99999, 2 ** 62, -(2 ** 63)]) for _ in range(n)],
        "dbl": [rnd.choice([None, 1.5, -0.25, 3.0]) for _ in range(n)],
    }
    types = {"id": pa.string(), "few": pa.string(), "int": pa.int64(), "dbl": pa.float64()}
    w = [int(rnd.random() < 0.5) for _ in range(n)]
    w2 = [int(rnd.random() < 0.2) for _ in range(n)]
    batch = pa.RecordBatch.from_arrays([pa.array(cols[c], types[c]) for c in cols] + [pa.array(w), pa.array(w2)],
                                       names=[*cols, "w", "w2"])
    kinds = ["string", "string", "number", "number"]
    out = pickle.loads(next(profile_task(kinds)(iter(pa.Table.from_batches([batch]).to_batches(max_chunksize=3000)))).column(0)[0].as_py())
    for j, name in enumerate(cols):
        text = pc.cast(pa.array(cols[name], types[name]), pa.string()).to_pylist()
        expected = {}
        for i, t in enumerate(text):
            g = expected.setdefault(shape(t), [0, 0, 0, [], 0])
            g[0] += 1
            g[1] += w[i]
            g[2] += w2[i]
            if t is not None:
                g[3].append(t)
                g[4] += t.lower() in ("true", "false")
        got = out["groups"][j]
        assert set(got) == set(expected), name
        for key, (cnt, wc, w2c, texts, boolish) in expected.items():
            g = got[key]
            assert g[:3] == [cnt, wc, w2c], (name, key)
            assert (g[3], g[4]) == ((min(texts), max(texts)) if texts else (None, None)), (name, key)
            if name == "few":
                assert g[7] == boolish
            if types[name] != pa.string() and texts:
                nums = [v for v, t in zip(cols[name], text) if shape(t) == key]
                assert (g[5], g[6]) == (min(nums), max(nums)), (name, key)
