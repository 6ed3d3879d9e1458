"""naughty_rows: only bring me problems.

Run the user's row-level function on every row, keep nothing but the rows
where it raises (or returns a value of the wrong type), and group them by
*exception signature*: exception type, message with the values replaced by
placeholders, and the line of the user's code that raised.  Each signature
gets its count and its first ``k`` example rows (all columns).  Tasks tally
their own rows and send one small summary each; the driver merges them, so a
billion bad rows cost no more memory than ten.

From Python, without the app::

    from dcs_engine.techniques.naughty_rows import find_naughty_rows
    report = find_naughty_rows(df, is_e10s_experiment, examples=3)
    print(report.to_markdown())

Where the crash is in a step already in your pipeline:

- ``df.rdd.map(f)`` / ``df.rdd.filter(f)``: give ``f`` and the DataFrame just
  before ``.rdd`` -- rows reach ``f`` as the same ``Row`` objects.
- a Python UDF ``my_udf = udf(f)`` used as ``my_udf('a', 'b')``: give ``f``
  (``my_udf.func``) with ``arguments=('a', 'b')`` (the app: "UDF arguments")
  and the DataFrame the UDF column is added to; ``f`` is then called as
  ``f(row['a'], row['b'])``, exactly as Spark calls the UDF.
- ``mapInPandas`` / a pandas UDF: write the per-row body as a function of one
  row (or of the UDF's arguments) and point it at the step's input the same way.

In the app the source is the DataFrame that feeds the step: a demo dataset,
files, or a table (save the step's input with ``df.write.parquet(path)`` if it
is computed).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from dcs_engine.contract import Param, Technique
from dcs_engine.errors import UserCodeError
from dcs_engine.results import Reportable, cell, md_table
from dcs_engine.runtime import worker_logs
from dcs_engine.runtime.worker_logs import WorkerLogs
from dcs_engine.techniques._common import SOURCE, WORKER_LOGS, user_function
from dcs_engine.techniques.naughty_rows import projection, rowcall, scanning
from dcs_engine.techniques.naughty_rows.scanning import ENGINES


@dataclass(frozen=True)
class Signature:
    kind: str                 # "raised" or "returned"
    exc_type: str             # exception class, or the returned value's type
    message: str              # normalised message ('' for a bad return)
    first_message: str        # the first row's message as raised (or repr of the bad value)
    filename: str
    lineno: int
    line: str                 # the source line of the user's code that raised
    count: int
    examples: tuple[tuple, ...]

    @property
    def where(self) -> str:
        return f"{self.filename}:{self.lineno}" if self.filename else ""

    @property
    def title(self) -> str:
        if self.kind == "returned":
            return f"returned {self.exc_type} ({self.first_message})"
        return f"{self.exc_type}: {self.message}"


@dataclass(frozen=True)
class NaughtyReport(Reportable):
    source: str
    function: str
    columns: tuple[str, ...]
    scanned: int
    raised: int
    returned_bad: int
    signatures: tuple[Signature, ...]
    complete: bool            # every row was scanned (no early stop)
    max_problems: int
    expected_type: str
    row_type: str
    engine: str
    shipped: str
    elapsed_s: float
    outcome: str
    notes: tuple[str, ...] = field(default=())
    kind: str = "classic"                 # the session's kind: "classic" or "connect"
    logs: WorkerLogs = worker_logs.NONE   # what the function printed or logged on the executors
    read: str = ""                        # which columns the scan read, when not all of them

    @property
    def problems(self) -> int:
        return self.raised + self.returned_bad

    @property
    def headline(self) -> str:
        scope = "" if self.complete else f" (stopped after {self.problems:,} problems)"
        if self.scanned == 0:
            return f"No rows to scan in {self.source}: the function was never called."
        if not self.problems:
            return f"No problems: {self.function} ran cleanly on all {self.scanned:,} rows of {self.source}."
        parts = []
        if self.raised:
            parts.append(f"{self.raised:,} raised")
        if self.returned_bad:
            parts.append(f"{self.returned_bad:,} returned a value that is not {self.expected_type}")
        return (f"{' and '.join(parts)} of {self.scanned:,} rows scanned{scope}, "
                f"{len(self.signatures)} signature(s); top: {self.signatures[0].title} "
                f"({self.signatures[0].count:,} rows).")

    def to_markdown(self) -> str:
        out = [self.headline, ""]
        out += [f"- {n}" for n in self.notes]
        out.append(f"- rows as `{self.row_type}`, {self.engine} path on {self.kind} Spark, {self.elapsed_s:.2f} s; "
                   f"{self.shipped}" + (f"; {self.read}" if self.read else ""))
        out += self.logs.markdown_lines()
        if not self.signatures:
            return "\n".join(out)
        out += ["", md_table(["rows", "signature", "where", "code line"],
                             [(s.count, s.title, s.where, s.line) for s in self.signatures], width=90)]
        for i, s in enumerate(self.signatures, 1):
            out += ["", f"**Signature {i}** — {s.title}; first message: `{cell(s.first_message, 120)}`", ""]
            out.append(md_table(self.columns, s.examples, width=40))
        return "\n".join(out)


def _user_meta(func):
    """(callable, name, user file names, line lookup, main file) for a UserFunction or a plain callable."""
    from dcs_engine.inputs.usercode import UserFunction

    if isinstance(func, UserFunction):
        return func.func, func.name, func.user_files, func.source_line, func.filename
    code = getattr(func, "__code__", None)
    files = (code.co_filename,) if code is not None else ()
    return func, getattr(func, "__name__", repr(func)), files, (lambda n: ""), (files[0] if files else "")


def _missing_column(sig: Signature, columns) -> str | None:
    if sig.kind != "raised" or not sig.exc_type.endswith(("KeyError", "ValueError")):
        return None
    name = sig.first_message.strip().strip("'\"")
    if name and name == sig.message.strip().strip("'\"") and name.isidentifier() and name not in columns:
        return name
    return None


def find_naughty_rows(df, func, *, row_type: str = "row", max_problems: int = 0, examples: int = 5,
                      expected_type: str = "", engine: str = "auto", arguments=(), source: str = "DataFrame",
                      shipped: str = "", ctx=None, logs: bool = True) -> NaughtyReport:
    """Run ``func`` on every row of ``df``; return the rows' problems grouped by signature.

    ``func`` is a callable or a :class:`dcs_engine.inputs.usercode.UserFunction`.
    ``row_type``: ``'row'`` (a ``pyspark.sql.Row``) or ``'dict'``.  ``arguments``:
    column names to call ``func(*values)`` with, as Spark calls a UDF.
    ``max_problems``: stop once that many problems are found (0 scans all).
    ``expected_type``: e.g. ``'bool'``; other return values count as problems.
    ``logs``: show what ``func`` printed or logged on the executors (Spark 4.1+ worker logs).
    """
    from dcs_engine.runtime.context import context_for

    scanning.check_choices(row_type, engine, max_problems, examples)
    expected = scanning.expected_types(expected_type)
    call, name, user_files, line_of, main_file = _user_meta(func)
    columns = tuple(df.columns)
    arguments = tuple(a.strip() for a in (arguments or ()) if a and a.strip())
    used = _used_columns(call, columns, row_type, arguments)
    if arguments:   # ``used`` is None unless every argument is a column: the check below then names the missing one
        call = rowcall.udf_call(call, scanning.argument_indexes(arguments, used or columns))
    ctx = ctx if ctx is not None else context_for(df.sparkSession)
    engine = scanning.choose_engine(ctx, engine, df.schema)
    opts = dict(max_problems=max_problems, k=examples, expected=expected, user_files=user_files)
    scanning.ship_engine(ctx)
    start = time.perf_counter()
    try:
        with worker_logs.capture(ctx.spark, logs) as window:
            merged, read = scanning.merged_scan(ctx, df, call, "tuple" if arguments else row_type, engine, opts,
                                                used)
            printed = window.read(merged.printed)
    except Exception as exc:
        from dcs_engine.inputs.shipping import missing_module_error

        raise (missing_module_error(exc, func, f"scanning rows with '{name}'") or exc) from exc
    elapsed = time.perf_counter() - start
    sigs = _signatures(merged, user_files, line_of)
    notes = _verdict_notes(merged, sigs, columns, name)
    if max_problems and not ctx.has("rdd"):
        notes.append(f"Spark Connect runs no partial jobs: every partition was read, each task stopping at "
                     f"{max_problems:,} problems")
    return NaughtyReport(
        source=source, function=name, columns=columns, scanned=merged.scanned, raised=merged.raised,
        returned_bad=merged.returned_bad, signatures=tuple(sigs), complete=not merged.stopped,
        max_problems=max_problems, expected_type=expected_type or "any", row_type=row_type,
        engine=engine, shipped=shipped or "function pickled by the caller's session", elapsed_s=elapsed,
        outcome="problems_found" if merged.problems else "no_problems", notes=tuple(notes), kind=ctx.kind,
        logs=printed, read=read)


def _used_columns(call, columns, row_type, arguments):
    """The columns the scan must read (None: all of them)."""
    if len(set(columns)) != len(columns) or projection.ROW_ID in columns:
        return None
    if arguments:
        used = tuple(c for c in columns if c in arguments)
        return used if len(used) == len(set(arguments)) else None
    return projection.used_columns(call, columns, row_type)


def _signatures(merged, user_files, line_of) -> list[Signature]:
    sigs = []
    for (kind, etype, msg, filename, lineno), (count, ex, first, line) in merged.signatures.items():
        if not line and filename in user_files:
            line = line_of(lineno)
        sigs.append(Signature(kind, etype, msg, first, filename, lineno, line, count,
                              tuple(tuple(v) for v in ex)))
    sigs.sort(key=lambda s: (-s.count, s.title))
    return sigs


def _verdict_notes(merged, sigs, columns, name) -> list[str]:
    """Notes on the verdict; a column the function reads on every row but the data lacks is refused."""
    notes = []
    for s in sigs:
        col = _missing_column(s, columns)
        if col and s.count == merged.scanned:
            raise UserCodeError(
                f"your function '{name}' reads column {col!r}", condition="USER_CODE_MISSING_COLUMN",
                params={"function": name, "column": col, "available": list(columns), "error": s.exc_type,
                        "where": s.where},
                expected="one of " + ", ".join(columns),
                found=f"no such column ({s.exc_type} on every row, {s.where}: {s.line})",
                fix="use a column name from the list, or point the source at data that has it")
        if s.count == merged.scanned and s.kind == "raised" and not merged.stopped:
            notes.append(f"every row raised {s.exc_type} at {s.where or 'an unknown line'}: "
                         "a bug in the code rather than in the data")
    return notes


def run(ctx, params) -> NaughtyReport:
    from dcs_engine.inputs.shipping import ship
    from dcs_engine.inputs.usercode import load as load_user
    from dcs_engine.registry import bind

    uf = load_user(code=params.code, name=params.function, ref=params.ref)
    df = bind(ctx, params)
    shipped = ship(ctx, uf, params.ship).text
    return find_naughty_rows(df, uf, row_type=params.row_type, max_problems=params.max_problems,
                             examples=params.examples, expected_type=params.expected_type,
                             engine=params.engine, arguments=params.arguments, source=params.source.describe(),
                             shipped=shipped, ctx=ctx, logs=params.worker_logs)


EXAMPLE_CODE = ("def is_e10s_experiment(row):\n"
                "    return row['active_experiment_id'].startswith('e10s')\n")

TECHNIQUE = Technique(
    id='naughty_rows',
    title='Filter for naughty rows (only bring me problems)',
    summary=('Run your row-level function on every row, keep only the rows that raise, and group them by '
             'exception signature. One bad row in a billion becomes a handful you can look at.'),
    snippet=('def is_this_row_naughty(row):\n'
             '    try:\n'
             "        row['active_experiment_id'].startswith('e10s')   # your code here\n"
             '    except Exception:\n'
             '        return True\n'
             '    return False\n'
             '\n'
             'problems = df.rdd.filter(is_this_row_naughty).take(10)\n'
             'for row in problems:\n'
             '    print(row)\n'),
    params=(
        SOURCE,
        *user_function(EXAMPLE_CODE, "Your function (pasted)",
                       code_help="A function of one row, e.g. the body of your map/filter/UDF. "
                                 "Leave empty to use a file."),
        Param("row_type", "choice", default="row", choices=rowcall.ROW_TYPES, label="Rows arrive as",
              help="row: a pyspark.sql.Row (as in df.rdd.filter); dict: a plain dict"),
        Param("arguments", "columns", default="", label="UDF arguments",
              help="Comma-separated columns to call the function with, as Spark calls a UDF "
                   "(empty: call it with the whole row)"),
        Param("max_problems", "int", default=0, min=0, label="Stop after N problems",
              help="0 scans every row"),
        Param("examples", "int", default=5, min=0, max=100, label="Example rows per signature"),
        Param("expected_type", "str", default="", label="Expected return type",
              help="e.g. bool or float: other return values are problems too; empty accepts anything"),
        Param("ship", "choice", default="auto", choices=("auto", "addpyfile", "none"), label="Ship a file's module",
              help="auto/addpyfile: send the module to the executors (sc.addPyFile, or spark.addArtifacts on "
                   "Spark Connect); none: executors must import it themselves"),
        Param("engine", "choice", default="auto", choices=ENGINES, label="Row path",
              help="arrow: mapInArrow batches (fast, classic and Connect); rdd: df.rdd rows (classic only); "
                   "auto: arrow, except nested schemas on classic Spark"),
        WORKER_LOGS,
    ),
    outcomes=('problems_found', 'no_problems'),
    run=run,
)
