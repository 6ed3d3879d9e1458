"""naughty_rows reads only the columns the function uses (projection.py): which functions are
projected, which fall back to every column, and that a projected scan still finds every bad row
and returns whole example rows in data order -- on real Spark."""
import functools
import math
import sys

import pytest

from dcs_engine.techniques.naughty_rows import find_naughty_rows, projection, rowcall
from dcs_engine.techniques.naughty_rows.projection import used_columns

COLS = ("id", "a", "b", "label", "day")


def one(row):
    return row["label"].startswith("x")


def several(row):
    if row.day == "7":
        return row["label"].upper()
    return 1 / (row["a"] - row.b)


def dict_get(row):
    return row.get("a", 0) + row.get("b") + row["id"]


def helper(row):
    return row["a"]


def passes_row(row):
    return helper(row) + row["b"]


def star(row):
    return dict(**row)


def as_dict(row):
    return row.asDict()["a"]


def iterates(row):
    return sum(v for v in row if isinstance(v, int))


def by_variable(row):
    name = "a"
    return row[name]


def by_getattr(row):
    name = "a"
    return getattr(row, name)


def by_position(row):
    return row[1] + row["b"]


def contains(row):
    return "a" in row


def reassigned(row):
    row = {"a": 1}
    return row["a"]


def captured(row):
    return (lambda: row["a"])()


def frame(row):
    return sys._getframe().f_locals["row"]


def unknown_column(row):
    return row["nope"]


def row_method(row):
    return row.count(1)


def length(row):
    return len(row) + row["a"]


def compares(row):
    return row == row


def returns_row(row):
    return row


def not_read(row):
    return 1 / 0


class Callable:
    def __call__(self, row):
        return row["a"]


@pytest.mark.parametrize(("func", "row_type", "used"), [
    (one, "row", ("label",)), (one, "dict", ("label",)),
    (several, "row", ("a", "b", "label", "day")),          # subscripts and attributes, source order
    (dict_get, "dict", ("id", "a", "b")),
    (lambda r: r["b"] * r.a, "row", ("a", "b")),
    (not_read, "row", ()),
])
def test_functions_that_read_named_columns_are_projected(func, row_type, used):
    assert used_columns(func, COLS, row_type) == used


@pytest.mark.parametrize("func", [
    passes_row, star, as_dict, iterates, by_variable, by_getattr, by_position, contains, reassigned, captured,
    frame, unknown_column, row_method, length, compares, returns_row, Callable(), functools.partial(one),
    print, lambda *rows: rows[0]["a"]])
@pytest.mark.parametrize("row_type", ["row", "dict"])
def test_whole_row_uses_fall_back_to_every_column(func, row_type):
    assert used_columns(func, COLS, row_type) is None


def test_attributes_and_get_only_on_the_row_type_that_has_them():
    assert used_columns(lambda r: r.a, COLS, "dict") is None          # dicts have no attributes
    assert used_columns(lambda r: r.get("a"), COLS, "row") is None    # Rows have no get
    assert used_columns(one, COLS, "tuple") is None
    assert used_columns(one, ("label", "label"), "row") is None       # duplicated names: no projection


def test_examples_are_replaced_only_when_the_read_back_matches():
    tally = rowcall.Tally()
    tally.add(("raised", "E", "", "", 0), (1.5, float("nan"), 40), "m", "", 5)
    full = {40: ("x", 1.5, float("nan"), "y")}
    assert projection.full_examples(tally, full, [1, 2])                  # NaN equals NaN here
    assert tally.signatures[("raised", "E", "", "", 0)][1] == [full[40]]
    changed = rowcall.Tally()
    changed.add(("raised", "E", "", "", 0), (1.5, 2.0, 40), "m", "", 5)
    assert not projection.full_examples(changed, {40: ("x", 1.5, 3.0, "y")}, [1, 2])
    assert not projection.full_examples(changed, {41: ("x", 1.5, 2.0, "y")}, [1, 2])   # row not read back
    assert changed.signatures[("raised", "E", "", "", 0)][1] == [(1.5, 2.0, 40)]


@pytest.fixture(scope="module")
def frame_df(spark):
    from pyspark import cloudpickle
    from pyspark.sql import functions as F

    cloudpickle.register_pickle_by_value(sys.modules[__name__])   # executors cannot import the tests

    return (spark.range(3000, numPartitions=3)
            .select("id", (F.col("id") % 7).alias("a"), (F.col("id") % 5).alias("b"),
                    F.when(F.col("id") % 11 == 0, F.lit(None)).otherwise(F.lit("xy")).alias("label"),
                    (F.col("id") % 13).cast("string").alias("day")))


def _first(df, where, k):
    return [tuple(r) for r in df.where(where).orderBy("id").limit(k).collect()]


@pytest.mark.parametrize("row_type", ["row", "dict"])
def test_projected_scan_finds_every_bad_row_with_whole_examples(spark, frame_df, row_type):
    func = several if row_type == "row" else (lambda row: 1 / (row["a"] - row["b"]) + len(row["day"]))
    assert used_columns(func, frame_df.columns, row_type) is not None
    rep = find_naughty_rows(frame_df, func, row_type=row_type, examples=3)
    zero = "a = b" if row_type == "dict" else "a = b and day != '7'"
    expected = frame_df.where(zero).count()
    upper = 0 if row_type == "dict" else frame_df.where("day = '7' and label is null").count()
    assert expected > 100 and rep.raised == expected + upper and rep.scanned == 3000 and rep.engine == "arrow"
    assert [(s.exc_type, s.count) for s in rep.signatures] == [("ZeroDivisionError", expected)] + (
        [("AttributeError", upper)] if upper else [])
    sig = rep.signatures[0]
    assert list(sig.examples) == _first(frame_df, zero, 3)            # every column, the first in data order
    read = "a, b, label, day" if row_type == "row" else "a, b, day"
    assert f"read only the column(s) the function uses ({read}); example rows read back whole" == rep.read


def test_projected_scan_of_one_column_and_of_udf_arguments(spark, frame_df):
    rep = find_naughty_rows(frame_df, one, examples=2)
    assert rep.raised == frame_df.where("label is null").count() == 273
    assert list(rep.signatures[0].examples) == _first(frame_df, "label is null", 2)
    assert "read only the column(s) the function uses (label); example rows read back whole" == rep.read
    udf = find_naughty_rows(frame_df, lambda b, a: math.log(a - b), arguments=("b", "a"), examples=2)
    bad = "a <= b"
    assert udf.raised == frame_df.where(bad).count() and udf.signatures[0].count == udf.raised
    assert list(udf.signatures[0].examples) == _first(frame_df, bad, 2)
    assert udf.read.startswith("read only the column(s) the function uses (a, b)")


def test_whole_row_function_still_scans_every_column(spark, frame_df):
    rep = find_naughty_rows(frame_df, lambda row: 1 / (len(row) - 5) if row["a"] == 0 else 1, examples=2)
    assert rep.raised == frame_df.where("a = 0").count()                # len(row) would be 1 if projected
    assert rep.read == ""
    assert list(rep.signatures[0].examples) == _first(frame_df, "a = 0", 2)


def test_bad_returns_and_early_stop_keep_whole_examples(spark, frame_df):
    rep = find_naughty_rows(frame_df, lambda row: row["label"], expected_type="not none", examples=2)
    assert rep.returned_bad == 273 and list(rep.signatures[0].examples) == _first(frame_df, "label is null", 2)
    early = find_naughty_rows(frame_df, one, max_problems=5, examples=4)
    assert early.problems >= 5 and not early.complete
    assert all(len(ex) == 5 and ex[3] is None for ex in early.signatures[0].examples)
