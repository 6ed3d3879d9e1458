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
    assert res.headline == ("No rows to scan in demo dataset 'telemetry' (0 rows, seed 42): "
                            "the function was never called.")


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
    ("list index out of range at 17 (id 0x7f3a2b, doc 3f2a9c01bd7e)",
     "list index out of range at <num> (id <hex>, doc <hex>)"),
    ("value -3.5e2 too small for e10s", "value <num> too small for e10s"),
])
def test_message_normalisation(raw, norm):
    assert normalize_message(raw) == norm


# -- issue 14: signatures keep the types, replace the data's values -----------------------------
def _message(fn) -> str:
    try:
        fn()
    except Exception as exc:  # the message Python itself raises, whatever this version words it as
        return str(exc)
    raise AssertionError("expected an exception")


TYPE_ERRORS = [  # (the failing operation, the type names its message must keep)
    (lambda: None / 1, ("NoneType", "int")),
    (lambda: "2017" < 1, ("str", "int")),
    (lambda: "a" + 1, ("int",)),
    (lambda: None.startswith("e10s"), ("NoneType", "startswith")),
    (lambda: (lambda v: v["field"])(None), ("NoneType",)),
    (lambda: float(None), ("NoneType",)),
    (lambda: len(None), ("NoneType",)),
    (lambda: -"a", ("str",)),
    (lambda: {[]: 1}, ("list",)),
    (lambda: "ab" * 1.5, ("float",)),
    (lambda: "x" in 3, ("int",)),
    (lambda: __import__("no_such_module_dcs14"), ("no_such_module_dcs14",)),
]


@pytest.mark.parametrize("fail,kept", TYPE_ERRORS)
def test_type_names_in_real_messages_are_kept(fail, kept):
    raw = _message(fail)
    norm = normalize_message(raw)
    assert "<str>" not in norm and all(f"'{k}'" in norm or f'"{k}"' in norm for k in kept), (raw, norm)


@pytest.mark.parametrize("fail_a,fail_b", [
    (lambda: float("n/a"), lambda: float("missing")),
    (lambda: float("abc"), lambda: float("None")),
    (lambda: int("12x"), lambda: int("None")),
    (lambda: [1, 2][7], lambda: [1][3]),
    (lambda: __import__("datetime").datetime.strptime("2017-01-01", "%Y%m%d"),
     lambda: __import__("datetime").datetime.strptime("2017/05/19", "%Y%m%d")),
    (lambda: b"\xff".decode("utf-8"), lambda: b"ab\xfe".decode("utf-8")),
])
def test_the_same_failure_on_other_values_has_one_signature(fail_a, fail_b):
    a, b = _message(fail_a), _message(fail_b)
    assert a != b or "index" in a
    assert normalize_message(a) == normalize_message(b), (a, b)


def test_other_types_give_other_signatures():
    a, b = _message(lambda: None / 1), _message(lambda: "x" / 1)
    assert normalize_message(a) != normalize_message(b)
    assert normalize_message(_message(lambda: None.lower())) != normalize_message(_message(lambda: None.upper()))


def test_division_of_none_keeps_its_types_in_the_grouped_signature(spark):
    df = spark.createDataFrame([(None, 2), (4, 2), (None, 5), (6, None)], "clicks int, days int")
    code = "def per_day(row):\n    return row['clicks'] / row['days']\n"
    res = run_naughty(spark, code=code, source=_frame(df))
    kinds = {s.message: s.count for s in res.signatures}
    assert kinds == {"unsupported operand type(s) for /: 'NoneType' and 'int'": 2,
                     "unsupported operand type(s) for /: 'int' and 'NoneType'": 1}


def _frame(df):
    from dcs_engine.inputs.sources import FrameSource

    return FrameSource(df, label="test frame")


# -- conditions and parameters of the errors -----------------------------------------------------
def test_error_conditions_and_params(spark, tmp_path):
    df = spark.range(3)
    with pytest.raises(ParameterError) as e:
        find_naughty_rows(df, str, expected_type="boolean")
    assert (e.value.condition, e.value.params["param"], e.value.params["found"]) == (
        "PARAM_NOT_A_CHOICE", "expected_type", "boolean")
    with pytest.raises(ParameterError) as e:
        find_naughty_rows(df, str, arguments=("nope",))
    assert (e.value.condition, dict(e.value.params)) == (
        "COLUMN_NOT_FOUND", {"param": "arguments", "column": "nope", "available": ["id"]})
    with pytest.raises(ParameterError) as e:
        find_naughty_rows(df, str, engine="spark")
    assert (e.value.condition, e.value.params["choices"]) == ("PARAM_NOT_A_CHOICE", ["auto", "arrow", "rdd"])
    from dcs_engine.errors import SourceError

    with pytest.raises(SourceError) as e:   # through the registry: checked against the schema before any job
        run_naughty(spark, code="def f(x):\n    return x\n", arguments="field, nope")
    assert (e.value.condition, e.value.params["param"], e.value.params["column"]) == (
        "COLUMN_NOT_FOUND", "arguments", "nope")
    with pytest.raises(UserCodeError) as e:
        run_naughty(spark, code="def f(row):\n    return row['submision_date'] > '2017'\n", row_type="dict",
                    source={"kind": "demo", "rows": 300})
    assert e.value.condition == "USER_CODE_MISSING_COLUMN"
    assert (e.value.params["column"], e.value.params["error"], e.value.params["function"]) == (
        "submision_date", "KeyError", "f")
    q = tmp_path / "naughty_unshipped_cond.py"
    q.write_text("def g(row):\n    return 1\n")
    with pytest.raises(SparkJobError) as e:
        run_naughty(spark, code="", ref=f"{q}:g", ship="none", source={"kind": "demo", "rows": 50})
    assert (e.value.condition, dict(e.value.params)) == (
        "USER_MODULE_NOT_ON_EXECUTORS", {"module": "naughty_unshipped_cond", "function": "g", "file": str(q)})


# -- the Arrow path gives what df.rdd gives, nested columns and timestamps included ---------------
def test_arrow_rows_equal_rdd_rows_on_nested_schemas(spark):
    import datetime as dt

    rows = [(1, dt.datetime(2017, 5, 19, 13, 45, 7, 123456), {"k": "1.5", "z": None}, [{"a": 1, "b": None}],
             {"x": dt.datetime(2020, 1, 1, 0, 0, 1), "y": [None, 1]}),
            (2, None, None, [], {"x": None, "y": None}),
            (3, dt.datetime(1999, 12, 31, 23, 59, 59), {"k": None}, None, None)]
    df = spark.createDataFrame(rows, "id int, ts timestamp, m map<string,string>, arr array<struct<a:int,b:string>>, "
                                     "s struct<x:timestamp,y:array<int>>")
    code = "def f(row):\n    return float(row['m']['k']) + row.s.y[0] + row.arr[0].a + row.ts.year\n"
    by_engine = {e: run_naughty(spark, code=code, source=_frame(df), engine=e, examples=5) for e in ("arrow", "rdd")}
    arrow, rdd = by_engine["arrow"], by_engine["rdd"]
    assert arrow.raised == rdd.raised == 3
    assert [(s.exc_type, s.message, s.count, s.examples) for s in arrow.signatures] == \
        [(s.exc_type, s.message, s.count, s.examples) for s in rdd.signatures]
    assert {type(v).__name__ for s in arrow.signatures for ex in s.examples for v in ex} >= {"Row", "dict", "list",
                                                                                              "datetime"}


# -- what the function printed on the executors (Spark 4.1+ worker logs) --------------------------
def test_worker_logs_show_what_the_function_printed(spark):
    from tests.usercode_remote import PRINTS

    src = {"kind": "demo", "rows": 400, "seed": 3}
    bad = demo_of(spark, src).where("active_experiment_id is null").count()
    res = run_naughty(spark, code=PRINTS, source=src)
    assert res.raised == bad > 0 and res.logs.lines == 2 * bad
    assert sum(p.count for p in res.logs.patterns if p.logger == "stdout") == bad
    assert sum(p.count for p in res.logs.patterns if (p.logger, p.level) == ("user.check", "WARNING")) == bad
    assert any(p.pattern == "no experiment for <hex>" for p in res.logs.patterns)
    assert "What your function wrote on the executors" in res.to_markdown()
    quiet = run_naughty(spark, code=PRINTS, source=src, worker_logs=False)
    assert quiet.logs.lines == 2 * bad and quiet.logs.patterns == ()   # counted in the tasks, not read
    assert "not asked for" in quiet.logs.note
    assert spark.conf.get("spark.sql.pyspark.worker.logging.enabled") == "false"   # put back as it was


def demo_of(spark, src):
    return load(spark, SourceSpec.from_dict(src))
