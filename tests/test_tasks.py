"""The task-side row making (dcs_engine/runtime/tasks.py): what the user's function receives from
Arrow batches must behave as the ``pyspark.sql.Row`` that ``df.rdd`` gives.  No Spark needed."""
import pickle

import pyarrow as pa
import pytest
from pyspark.sql import Row

from dcs_engine.runtime.tasks import arrow_rows, row_class


def _raised(row, key):
    try:
        row[key]
    except Exception as exc:
        return type(exc).__name__, str(exc)
    return None


def test_fast_row_reads_like_a_pyspark_row():
    names = ["id", "exp", "id"]            # a duplicated name: Row finds the first
    values = (1, None, 3)
    fast = tuple.__new__(row_class(names), values)
    plain = Row(*names)(*values)
    assert isinstance(fast, Row) and fast == plain and repr(fast) == repr(plain)
    assert (fast["id"], fast["exp"], fast[2], fast[-1], fast[0:2]) == (1, None, 3, 3, (1, None))
    assert (fast.exp, "exp" in fast, fast.asDict()) == (plain.exp, "exp" in plain, plain.asDict())
    for key in ("nope", 99):
        assert _raised(fast, key) == _raised(plain, key) is not None
    again = pickle.loads(pickle.dumps(fast))
    assert type(again) is Row and again == plain and again.__fields__ == names


@pytest.mark.parametrize("row_type", ["row", "dict", "tuple"])
def test_arrow_rows_pairs_values_with_rows_across_batches(row_type):
    table = pa.table({"id": [1, 2, 3, 4, 5], "s": ["a", None, "c", "d", "e"]})
    pairs = list(arrow_rows(table.to_batches(max_chunksize=2), table.column_names, row_type))
    values = [(1, "a"), (2, None), (3, "c"), (4, "d"), (5, "e")]
    assert [v for v, _ in pairs] == values
    want = {"row": [Row(id=i, s=s) for i, s in values], "dict": [{"id": i, "s": s} for i, s in values],
            "tuple": values}[row_type]
    assert [r for _, r in pairs] == want
    if row_type == "row":
        assert all(r["s"] == r.s for _, r in pairs)
