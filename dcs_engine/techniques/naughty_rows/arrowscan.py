"""The Arrow path of the scan, as it runs in a ``mapInArrow`` task on classic Spark and Spark Connect.

Each record batch becomes one list per column (``to_pylist``); what the user's function receives
(``Row`` objects or dicts) is made from them one row at a time, as the call asks for it, by C-level
iterators (:func:`dcs_engine.runtime.tasks.rows_stream`).  The function is called on the rows by
``map`` inside ``list.extend``, so the scan adds no Python bytecode per row of its own: the only
per-row Python is the user's function.  When it raises, ``extend`` stops; the row that raised is
found from the first column's list iterator (``operator.length_hint``), its values are read back
from the columns, and the scan resumes with the next row.  Returned values are checked against the
expected type a batch at a time, with ``isinstance`` mapped over them.

One trap: a ``StopIteration`` raised by the user's function ends ``map`` as if the rows had run out.
The scan sees it (one row taken, no value returned) and calls the function on that row again in a
plain ``try`` to get the exception (on the row made again from its values): the only case where the
function runs twice on a row.

The values kept as examples are the columns' values, so a function that changes its dict does not
change the example.  Only :class:`~dcs_engine.techniques.naughty_rows.rowcall.Tally` state leaves the
task.
"""
from __future__ import annotations

import itertools
import operator
import pickle

from dcs_engine.runtime.tasks import OutputCounter, batch_columns, rows_stream
from dcs_engine.techniques.naughty_rows.rowcall import Recorder, Tally, return_rule


def _bad_positions(expected):
    """None (any value is fine), or ``outs -> positions`` of the values that are not of the expected type."""
    rule = return_rule(expected)
    if rule is None:
        return None
    if len(rule) == 1:
        return lambda outs: list(itertools.compress(itertools.count(), map(operator.is_, outs,
                                                                           itertools.repeat(None))))
    types, no_bool = rule

    def positions(outs):
        wrong = map(operator.not_, map(isinstance, outs, itertools.repeat(types)))
        if no_bool:
            wrong = map(operator.or_, wrong, map(isinstance, outs, itertools.repeat(bool)))
        return list(itertools.compress(itertools.count(), wrong))
    return positions


class _Batch:
    """One batch's columns, its rows (made one at a time as ``map`` asks for them), and where the scan is."""

    __slots__ = ("columns", "stream", "rows", "pace", "n", "ids")

    def __init__(self, columns, stream, n: int, ids=None):
        self.columns, self.stream, self.n, self.ids = columns, stream, n, ids
        self.rows, self.pace = stream(columns, n)

    @property
    def taken(self) -> int:
        return self.n - operator.length_hint(self.pace)

    def values(self, i: int) -> tuple:
        """Row ``i``'s values as an example (a projected scan adds the row id, read from Arrow)."""
        if self.ids is None:
            return tuple(c[i] for c in self.columns)
        return (*(c[i] for c in self.columns), self.ids[i].as_py())

    def row(self, i: int):
        """Row ``i`` made again, as the function first received it."""
        return next(self.stream([[c[i]] for c in self.columns], 1)[0])


def _returned(b: _Batch, outs, first: int, positions, rec: Recorder) -> int:
    """Record the bad values among ``outs`` (rows ``first``...); -1, or the row after the one that
    made the task stop."""
    for j in positions(outs):
        rec.returned(outs[j], b.values(first + j))
        if rec.enough:
            return first + j + 1
    return -1


def _scan_batch(b: _Batch, func, positions, rec: Recorder) -> int:
    """Call ``func`` on the batch's rows; how many rows were scanned (all, unless the task stopped)."""
    outs = []
    while True:
        first = b.taken
        outs.clear()
        exc = None
        try:
            outs.extend(map(func, b.rows))
        except Exception as e:  # the whole point: keep going
            exc = e
        taken = b.taken
        if positions is not None and outs:
            stop = _returned(b, outs, first, positions, rec)
            if stop >= 0:
                return stop
        if exc is None and taken == first + len(outs):
            return taken                               # the rows ran out
        if exc is None:                                # a StopIteration ended map: call that row again
            exc, stop = _call_again(b, taken - 1, func, positions, rec)
            if stop >= 0:
                return stop
        if exc is not None:
            rec.raised(exc, b.values(taken - 1))
            if rec.enough:
                return taken


def _call_again(b: _Batch, i: int, func, positions, rec: Recorder):
    """(exception or None, -1 or where the task stopped) of one more call on row ``i``."""
    try:
        out = func(b.row(i))
    except Exception as e:
        return e, -1
    return None, (_returned(b, [out], i, positions, rec) if positions is not None else -1)


def scan_batches(batches, func, names, row_type: str, plan=None, *, max_problems: int = 0, k: int = 5,
                 expected=None, user_files=(), row_ids: bool = False) -> Tally:
    """Call ``func`` on each row of ``batches`` (Arrow record batches); tally what goes wrong.

    ``row_ids``: the batches' last column is a row id, kept with each example but not in the rows
    (and never converted to Python but for the examples)."""
    tally = Tally()
    rec = Recorder(tally, k, max_problems, user_files)
    stream = rows_stream(names, row_type)
    positions = _bad_positions(expected)
    for batch in batches:
        ids = None
        if row_ids:
            ids = batch.column(batch.num_columns - 1)
            batch = batch.select(range(batch.num_columns - 1))
        b = _Batch(batch_columns(batch, plan), stream, batch.num_rows, ids)
        done = _scan_batch(b, func, positions, rec)
        tally.scanned += done
        if rec.enough:
            tally.stopped = True
            break
    return tally


def _counted(batches, func, names, row_type, plan, opts) -> Tally:
    with OutputCounter() as out:
        tally = scan_batches(batches, func, names, row_type, plan, **opts)
    tally.printed = out.lines
    return tally


def tally_task(func, names, row_type, plan, opts):
    """For ``ctx.tally``: Arrow batches in, one Tally's state out."""
    def task(batches):
        return _counted(batches, func, names, row_type, plan, opts).__getstate__()
    return task


def fetch_task(wanted, plan):
    """For ``ctx.tally``: ``[(row id, values)]`` of the rows whose id (the last column) is in ``wanted``,
    their values converted as the scan converts them."""
    wanted = frozenset(wanted)

    def task(batches):
        found = []
        for batch in batches:
            ids = batch.column(batch.num_columns - 1).to_pylist()
            if not wanted.intersection(ids):
                continue
            columns = batch_columns(batch.select(range(batch.num_columns - 1)), plan)
            found += [(rid, tuple(c[i] for c in columns)) for i, rid in enumerate(ids) if rid in wanted]
        return found
    return task


def arrow_task(func, names, row_type, plan, opts):
    """For ``mapInArrow`` on classic Spark (early stop reads its output partition by partition)."""
    def task(batches):
        import pyarrow as pa

        state = _counted(batches, func, names, row_type, plan, opts).__getstate__()
        blob = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        yield pa.RecordBatch.from_arrays([pa.array([blob], type=pa.binary())], names=["tally"])
    return task
