"""naughty_rows on real Spark: the talk's two crashes on seeded demo data, and the edge cases."""
import pytest

from dcs_engine import registry
from dcs_engine.errors import ParameterError, SparkJobError, UserCodeError
from dcs_engine.inputs.sources import SourceSpec, load
from dcs_engine.techniques.naughty_rows import find_naughty_rows
from dcs_engine.techniques.naughty_rows.rowcall import normalize_message

ROWS = 4000
SRC = {"kind": "demo", "rows": ROWS, "seed": 42}
E10S = "def is_e10s_experiment(row):\n    return row['active_experiment_id'].startswith('e10s')\n"
FLOAT = "import json\n\ndef extract_and_transform(row):\n    return float(row['field'])\n"


def run_naughty(spark, **params):
    tech = registry.get("naughty_rows")
    params.setdefault("source", SRC)
    return registry.run_technique(tech, spark, params)


def demo(spark):
    return load(spark, SourceSpec.from_dict(SRC))


@pytest.mark.parametrize("engine", ["arrow", "rdd"])
def test_e10s_startswith_on_none(spark, engine):
    expected = demo(spark).where("active_experiment_id is null").count()
    res = run_naughty(spark, code=E10S, engine=engine, examples=3)
    assert expected > 3000  # mostly null, as in the talk
    assert (res.outcome, res.scanned, res.raised, res.returned_bad) == ("problems_found", ROWS, expected, 0)
    assert len(res.signatures) == 1
    sig = res.signatures[0]
    assert (sig.exc_type, sig.message, sig.filename, sig.lineno, sig.line, sig.count) == (
        "AttributeError", "'NoneType' object has no attribute 'startswith'", "<pasted>", 2,
        "return row['active_experiment_id'].startswith('e10s')", expected)
    assert len(sig.examples) == 3 and all(len(ex) == len(res.columns) for ex in sig.examples)
    idx = res.columns.index("active_experiment_id")
    assert all(ex[idx] is None for ex in sig.examples)
    first_nulls = [tuple(r) for r in demo(spark).where("active_experiment_id is null").limit(3).collect()]
    assert list(sig.examples) == first_nulls  # the first k bad rows, in data order
    assert "AttributeError" in res.to_markdown() and res.engine == engine


def test_float_of_none_in_extract_and_transform(spark):
    expected = demo(spark).where("field is null").count()
    res = run_naughty(spark, code=FLOAT, function="extract_and_transform", expected_type="float", row_type="dict")
    assert 0 < expected < 30
    assert (res.outcome, res.raised, res.returned_bad, len(res.signatures)) == ("problems_found", expected, 0, 1)
    sig = res.signatures[0]
    assert (sig.exc_type, sig.message, sig.lineno, sig.line) == (
        "TypeError", "float() argument must be a string or a real number, not 'NoneType'", 4,
        "return float(row['field'])")
    assert sig.count == expected and len(sig.examples) == min(5, expected)
    assert res.headline == (f"{expected} raised of {ROWS:,} rows scanned, 1 signature(s); top: TypeError: float() "
                            f"argument must be a string or a real number, not 'NoneType' ({expected} rows).")


def test_udf_arguments_call_like_spark(spark):
    expected = demo(spark).where("field is null").count()
    res = run_naughty(spark, code="def to_float(value):\n    return float(value)\n", arguments="field")
    assert res.raised == expected and res.signatures[0].line == "return float(value)"


def test_unexpected_return_type(spark):
    code = "def maybe(row):\n    if row['active_experiment_id'] is None:\n        return None\n    return True\n"
    expected = demo(spark).where("active_experiment_id is null").count()
    res = run_naughty(spark, code=code, expected_type="bool", examples=1)
    assert (res.raised, res.returned_bad, res.outcome) == (0, expected, "problems_found")
    sig = res.signatures[0]
    assert (sig.kind, sig.exc_type, sig.title) == ("returned", "NoneType", "returned NoneType (None)")


def test_raises_on_every_row(spark):
    res = run_naughty(spark, code="def boom(row):\n    x = 1\n    return x / 0\n", examples=2)
    assert (res.raised, len(res.signatures), res.signatures[0].lineno) == (ROWS, 1, 3)
    assert res.notes == ("every row raised ZeroDivisionError at <pasted>:3: a bug in the code rather than in the data",)


def test_never_raises(spark):
    res = run_naughty(spark, code="def fine(row):\n    return row['channel'] is not None\n", expected_type="bool")
    assert (res.outcome, res.scanned, res.raised, res.signatures) == ("no_problems", ROWS, 0, ())
    assert res.headline == (f"No problems: fine ran cleanly on all {ROWS:,} rows of demo dataset 'telemetry' "
                            f"({ROWS:,} rows, seed 42).")


def test_empty_dataset(spark):
    res = run_naughty(spark, code=E10S, source={"kind": "demo", "rows": 0})
    assert (res.outcome, res.scanned) == ("no_problems", 0)
    assert res.headline == "No rows to scan in demo dataset 'telemetry' (0 rows, seed 42): the function was never called."


@pytest.mark.parametrize("row_type,exc", [("row", "PySparkValueError"), ("dict", "KeyError")])
def test_column_that_does_not_exist(spark, row_type, exc):
    with pytest.raises(UserCodeError) as e:
        run_naughty(spark, code="def f(row):\n    return row['submision_date'] > '2017'\n", row_type=row_type,
                    source={"kind": "demo", "rows": 300})
    cols = ", ".join(demo(spark).columns)
    assert e.value.message == (f"[DCS104] your function 'f' reads column 'submision_date'; expected one of {cols}; "
                               f"found no such column ({exc} on every row, <pasted>:2: return row['submision_date'] > "
                               "'2017'). Fix: use a column name from the list, or point the source at data that has it")


def test_syntax_error_is_reported_before_spark_runs(spark):
    with pytest.raises(UserCodeError) as e:
        run_naughty(spark, code="def f(row)\n    return 1\n")
    assert e.value.message == ("[DCS104] <pasted>, line 1, column 11; expected valid Python; found SyntaxError: "
                               "expected ':' in 'def f(row)'. Fix: correct line 1 of <pasted> and load it again")


def test_stop_after_n_problems(spark):
    res = run_naughty(spark, code=E10S, max_problems=5, engine="rdd")
    assert not res.complete and res.raised >= 5 and res.scanned < ROWS
    assert "stopped after" in res.headline


def test_file_module_shipped_or_not(spark, tmp_path):
    p = tmp_path / "naughty_mod_ship.py"
    p.write_text("def is_e10s(row):\n    return row['active_experiment_id'].startswith('e10s')\n")
    res = run_naughty(spark, code="", ref=f"{p}:is_e10s", ship="auto", source={"kind": "demo", "rows": 500})
    assert res.shipped == f"module 'naughty_mod_ship' shipped with sc.addPyFile('{p}')"
    sig = res.signatures[0]
    assert (sig.filename.endswith("naughty_mod_ship.py"), sig.lineno, sig.line) == (
        True, 2, "return row['active_experiment_id'].startswith('e10s')")
    q = tmp_path / "naughty_mod_unshipped.py"
    q.write_text("def g(row):\n    return 1\n")
    with pytest.raises(SparkJobError) as e:
        run_naughty(spark, code="", ref=f"{q}:g", ship="none", source={"kind": "demo", "rows": 50})
    assert "No module named 'naughty_mod_unshipped'" in e.value.found
    assert e.value.fix == (f"executors cannot import the module of 'g' ({q}): ship it (ship mode auto or "
                           "addpyfile), or install it on every executor")


def test_python_api_with_nested_rows_and_a_lambda(spark):
    df = spark.createDataFrame([(1, {"k": "1.5"}), (2, {"k": None}), (3, None)], "id int, m map<string,string>")
    res = find_naughty_rows(df, lambda row: float(row.m["k"]), examples=5)
    assert res.engine == "rdd" and res.raised == 2
    kinds = {(s.exc_type, s.message): s.count for s in res.signatures}
    assert kinds == {("TypeError", "float() argument must be a string or a real number, not 'NoneType'"): 1,
                     ("TypeError", "'NoneType' object is not subscriptable"): 1}
    assert {ex[0] for s in res.signatures for ex in s.examples} == {2, 3}


def test_bad_parameters(spark):
    df = spark.range(3)
    with pytest.raises(ParameterError) as e:
        find_naughty_rows(df, str, expected_type="boolean")
    assert e.value.message.startswith("[DCS101] expected return type; expected one of '', 'any', 'bool'")
    with pytest.raises(ParameterError) as e:
        find_naughty_rows(df, str, arguments=("nope",))
    assert e.value.message == ("[DCS101] UDF argument 'nope'; expected one of id; found 'nope'. "
                               "Fix: name columns of the source as the UDF's arguments")


@pytest.mark.parametrize("raw,norm", [
    ("'NoneType' object has no attribute 'startswith'", "'NoneType' object has no attribute 'startswith'"),
    ("could not convert string to float: 'n/a'", "could not convert string to float: <str>"),
    ("invalid literal for int() with base 10: '12x'", "invalid literal for int() with base <num>: <str>"),
    ("'field_x'", "'field_x'"),
    ("list index out of range at 17 (id 0x7f3a2b, doc 3f2a9c01bd7e)", "list index out of range at <num> (id <hex>, doc <hex>)"),
    ("value -3.5e2 too small for e10s", "value <num> too small for e10s"),
])
def test_message_normalisation(raw, norm):
    assert normalize_message(raw) == norm
