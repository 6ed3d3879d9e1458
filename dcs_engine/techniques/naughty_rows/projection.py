"""Which columns the user's function reads, so the scan reads and sends only those.

:func:`used_columns` reads the function's bytecode (driver side, never run on executors): a plain
Python function whose row argument is only ever used as ``row['col']`` or ``row.col`` (``Row``
rows), or ``row['col']`` / ``row.get('col'[, constant])`` (dicts), with constant names that are all
columns of the source, reads nothing else of its row; the scan can then give it rows of those
columns alone (what it receives answers those reads exactly as the full row does).  Anything else
-- the row passed to a call, stored, returned, iterated, compared, unpacked (``**row``), tested
with ``in``, ``row.asDict()``, ``getattr(row, name)``, a subscript by a variable or a position, the
row captured by a nested function or a comprehension, frame introspection (``locals()``,
``sys._getframe``), a callable that is not a plain function -- and the answer is ``None``: read
every column.  The projection is an optimisation only, never a guess: when unsure, no projection.

The examples stay whole rows: the projected scan records a row id (``monotonically_increasing_id``
over the same source) with each example, and the few example rows are read back in full afterwards
(:func:`full_examples`); when the read-back does not give back exactly the rows the scan saw (a
source whose row ids are not stable between two reads), the caller scans again without projection.
"""
from __future__ import annotations

import dis
import math
import types

from dcs_engine.techniques._common import ident

ROW_ID = "__dcs_row_id"
# names whose use can reach the function's own frame (and so its row) without a visible load of it
_INTROSPECTION = frozenset({"locals", "vars", "eval", "exec", "_getframe", "currentframe", "stack",
                            "getouterframes", "getinnerframes", "f_locals", "f_back", "tb_frame", "settrace",
                            "setprofile", "gi_frame", "cr_frame"})
_CALLS = ("CALL", "CALL_FUNCTION", "CALL_METHOD")


def used_columns(func, columns, row_type: str) -> tuple[str, ...] | None:
    """The columns ``func`` reads from its row, in the source's order; ``None`` when it may read more."""
    columns = list(columns)
    if row_type not in ("row", "dict") or len(set(columns)) != len(columns) or ROW_ID in columns:
        return None
    if type(func) is not types.FunctionType:
        return None
    code = func.__code__
    if code.co_argcount < 1 or (code.co_flags & (0x20 | 0x80 | 0x100 | 0x200)):   # generators, coroutines
        return None
    arg = code.co_varnames[0]
    if arg in code.co_cellvars or _reaches_frames(code):
        return None
    keys = _row_reads(list(dis.get_instructions(code)), arg, row_type)
    if keys is None or not keys <= set(columns):
        return None
    return tuple(c for c in columns if c in keys)


def _reaches_frames(code) -> bool:
    if _INTROSPECTION.intersection(code.co_names):
        return True
    return any(_reaches_frames(c) for c in code.co_consts if isinstance(c, types.CodeType))


def _row_reads(ins, arg: str, row_type: str) -> set | None:
    """The constant names read from ``arg`` by ``ins``; None at any other use of it."""
    keys = set()
    for i, op in enumerate(ins):
        if isinstance(op.argval, tuple) and arg in op.argval:
            return None                                   # 3.13's paired loads (LOAD_FAST_LOAD_FAST)
        if op.argval != arg or not op.opname.startswith(("LOAD_FAST", "STORE_", "DELETE_", "LOAD_DEREF",
                                                          "LOAD_CLOSURE", "LOAD_NAME")):
            continue
        if not op.opname.startswith("LOAD_FAST"):
            return None                                   # the row is stored, deleted or captured
        if op.opname not in ("LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_BORROW"):
            return None
        key = _read_at(ins, i + 1, row_type)
        if key is None:
            return None
        keys.add(key)
    return keys


def _read_at(ins, j: int, row_type: str) -> str | None:
    """The name read by the instructions after a load of the row, or None if they do anything else."""
    nxt = ins[j] if j < len(ins) else None
    if nxt is None:
        return None
    after = ins[j + 1] if j + 1 < len(ins) else None
    if nxt.opname == "LOAD_CONST" and isinstance(nxt.argval, str) and after is not None and (
            after.opname == "BINARY_SUBSCR" or (after.opname == "BINARY_OP" and after.argrepr == "[]")):
        return nxt.argval if type(nxt.argval) is str else None
    method = nxt.opname == "LOAD_METHOD" or (nxt.opname == "LOAD_ATTR" and "NULL|self" in nxt.argrepr)
    if method:
        return _get_call(ins, j, row_type)
    if nxt.opname == "LOAD_ATTR" and row_type == "row":
        from pyspark.sql import Row

        name = nxt.argval
        if isinstance(name, str) and not name.startswith("__") and not hasattr(Row, name):
            return name
    return None


def _get_call(ins, j: int, row_type: str) -> str | None:
    """``row.get('col')`` or ``row.get('col', constant)`` on a dict row; None for any other method call."""
    if row_type != "dict" or ins[j].argval != "get":
        return None
    args = []
    k = j + 1
    while k < len(ins) and ins[k].opname == "LOAD_CONST" and len(args) < 2:
        args.append(ins[k].argval)
        k += 1
    while k < len(ins) and ins[k].opname in ("PRECALL", "CACHE"):
        k += 1
    if not args or type(args[0]) is not str or k >= len(ins) or ins[k].opname not in _CALLS:
        return None
    return args[0] if ins[k].arg == len(args) else None


# -- the driver side of a projected scan ---------------------------------------------------------
def projected(df, used):
    """The source cut to ``used`` plus the row id (the last column)."""
    from pyspark.sql import functions as F

    return df.select(*[ident(c) for c in used], F.monotonically_increasing_id().alias(ROW_ID))


def example_ids(merged) -> list[int]:
    """The row ids recorded with the examples (each example's last value)."""
    return sorted({ex[-1] for entry in merged.signatures.values() for ex in entry[1]})


def _same(a, b) -> bool:
    if a == b:
        return True
    return isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)


def full_examples(merged, full: dict, positions) -> bool:
    """Replace each example (projected values + row id) of ``merged`` by the full row in ``full``
    (row id -> all values); False (``merged`` unchanged) when a row is missing or its values at
    ``positions`` are not the ones the scan saw."""
    replaced = {}
    for key, entry in merged.signatures.items():
        rows = []
        for ex in entry[1]:
            row = full.get(ex[-1])
            if row is None or len(ex) - 1 != len(positions) or not all(
                    _same(row[p], v) for p, v in zip(positions, ex[:-1])):
                return False
            rows.append(row)
        replaced[key] = rows
    for key, rows in replaced.items():
        merged.signatures[key][1] = rows
    return True
