"""The Arrow scan of naughty_rows (arrowscan.py) against the plain per-row loop (rowcall.scan), on
Arrow batches built here: same counts, signatures, examples and early stop, including the traps of
calling the function through ``map`` (a ``StopIteration`` ends it as if the rows ran out).  No Spark."""
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from pyspark.sql import Row

from dcs_engine.runtime.tasks import arrow_rows, dict_maker, row_class
from dcs_engine.techniques.naughty_rows import arrowscan, rowcall

N = 2000
TABLE = pa.table({"id": list(range(N)), "exp": [None if i % 97 == 0 else "e10s-beta" for i in range(N)],
                  "day": [str(i % 40) for i in range(N)]})
BATCHES = TABLE.to_batches(max_chunksize=300)


def startswith(row):
    return row["exp"].startswith("e10s")


def mixed(row):
    i = row["id"]
    if i % 13 == 0:
        raise StopIteration(f"no match for {i}")
    if i % 11 == 0:
        return "x"
    if i % 17 == 0:
        return None
    if i % 19 == 0:
        return 1
    return row.exp.startswith("e10s")


def edges(row):
    if row["id"] in (299, 300, N - 1):   # the last row of a batch, the first of the next, the very last
        raise StopIteration
    row["day"] = "changed"               # a function that changes its row (dicts) must not change the examples
    return 1 / (row["id"] % 5)


@pytest.mark.parametrize(("func", "row_type"), [(startswith, "row"), (startswith, "dict"), (mixed, "row"),
                                                 (mixed, "dict"), (edges, "dict")])   # a Row cannot be changed
@pytest.mark.parametrize("expected", [None, (bool,), (int, float), "not none"])
@pytest.mark.parametrize("max_problems", [0, 1, 7])
def test_arrow_scan_equals_the_per_row_loop(func, row_type, expected, max_problems):
    opts = dict(max_problems=max_problems, k=2, expected=expected, user_files=(__file__,))
    loop = rowcall.scan(arrow_rows(iter(BATCHES), TABLE.column_names, row_type), func, **opts)
    fast = arrowscan.scan_batches(iter(BATCHES), func, TABLE.column_names, row_type, **opts)
    assert fast.__getstate__() == loop.__getstate__()
    assert fast.problems > 0 and fast.stopped == bool(max_problems)


def test_stop_iteration_and_examples_are_kept():
    tally = arrowscan.scan_batches(iter(BATCHES), edges, TABLE.column_names, "dict", k=3, user_files=(__file__,))
    stops = [v for key, v in tally.signatures.items() if key[1] == "StopIteration"]
    assert len(stops) == 1 and stops[0][0] == 3 and [ex[0] for ex in stops[0][1]] == [299, 300, N - 1]
    zero = [v for key, v in tally.signatures.items() if key[1] == "ZeroDivisionError"][0]
    assert zero[0] == N // 5 - 1 and zero[1][0] == (0, None, "0") and zero[3] == 'return 1 / (row["id"] % 5)'
    assert tally.scanned == N and tally.raised == 3 + N // 5 - 1    # row 300 raised StopIteration first


@pytest.mark.parametrize(("row_type", "empty_row"), [("dict", {}), ("row", Row()), ("tuple", ())])
def test_rows_without_columns_are_all_called(row_type, empty_row):
    empty = pa.RecordBatch.from_pydict({"a": [1, 2, 3]}).select([])
    seen = []
    tally = arrowscan.scan_batches(iter([empty]), lambda r: seen.append(r), [], row_type)
    assert seen == [empty_row] * 3 and tally.scanned == 3
    if row_type == "dict":
        assert len({id(d) for d in seen}) == 3          # distinct dicts: changing one changes no other


def test_generated_dict_builder_matches_dict_zip():
    names = ["a", "b", "a", "it's \"quoted\"", "x y", ""]
    values = (1, 2, 3, 4, 5, 6)
    built = dict_maker(names)(*values)
    assert built == dict(zip(names, values)) and list(built) == list(dict(zip(names, values)))


def test_fast_row_attributes_and_positions_read_like_a_pyspark_row():
    names = ["id", "count", "exp", "id", "__x"]
    values = (1, 2, None, 4, 5)
    fast, plain = tuple.__new__(row_class(names), values), Row(*names)(*values)
    assert (fast.id, fast.exp, fast[0], fast[-1], fast[1:3]) == (plain.id, plain.exp, 1, 5, (2, None))
    assert fast.count(None) == plain.count(None) == 1            # a tuple method keeps winning over a field
    assert (fast["count"], fast[True], fast[np.str_("exp")]) == (2, 2, None)
    assert (fast["count"], fast[True], fast[np.str_("exp")]) == (plain["count"], plain[True], plain[np.str_("exp")])
    for bad in (lambda r: r.__x, lambda r: r.nope, lambda r: r[1.0], lambda r: r[9], lambda r: r["nope"],
                lambda r: r[Decimal(1)], lambda r: r[np.float64(1)], lambda r: r[np.int64(3)], lambda r: r[[0]]):
        with pytest.raises(Exception) as a:
            bad(fast)
        with pytest.raises(Exception) as b:
            bad(plain)
        assert (type(a.value), a.value.args) == (type(b.value), b.value.args)
        assert type(a.value.__context__) is type(b.value.__context__)   # no exception of ours in the chain
