"""branch_count: how often does each branch of your function run, over the whole dataset?

The talk's manual way is two accumulators (see :mod:`dcs_engine.runtime.counters`).  This
technique does it for every branch at once: it rewrites the user's function
(:mod:`dcs_engine.techniques.branch_count.instrument`), runs it over the data in one job whose tasks
each send back one small dict of counts (:mod:`dcs_engine.techniques.branch_count.counting`:
``mapInArrow``, so it runs on classic Spark and on Spark Connect alike), and annotates the source
with hits and percentages, coverage-style.  What the function prints or logs on the executors is
shown too (Spark 4.1+ worker logs).

Percentages: a line's (or branch's) percentage is its count divided by the count
of the decision that chose its block -- an ``if``/``else`` arm: of the times the
condition was evaluated; an ``except``/``else`` of a ``try``: of the times the
``try`` was entered; a loop body: iterations per time the loop was reached (can
exceed 100%); other lines: of the calls of the ``def`` they are in.

Expectations (the ``expectations`` parameter), one per line, ``# comments`` allowed::

    WHERE: RULE
    WHERE  a line number (``42``, ``L42``, ``line 42``) or a piece of text found on a
           line of the function (the first such line), e.g. ``mark bad ping``
    RULE   rare      -- at most 10%        common -- more than 10%
           never     -- 0 hits             always -- 100%
           < 5%   <= 5%   > 50%   >= 50%   -- a percentage as defined above
           < 100  <= 100  > 0  >= 1  == 0  -- a number of hits

With no expectations, the default rule applies: every ``except`` handler, and every
line carrying a comment that says ``rare``, ``never``, ``unlikely``, ``blue moon`` or
``should not happen``, is expected to be rare (at most 10%).  Outcome ``surprise``
if any expectation fails or the function raised on any call (a call that raised never reached the
branches after the error, so its counts cannot show the expectations met), else ``as_expected``.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from dcs_engine.contract import Param, Technique
from dcs_engine.inputs.usercode import load as load_function
from dcs_engine.results import Reportable, md_table
from dcs_engine.runtime import worker_logs
from dcs_engine.runtime.worker_logs import WorkerLogs
from dcs_engine.techniques._common import WORKER_LOGS, user_function
from dcs_engine.techniques.branch_count.counting import count_branches
from dcs_engine.techniques.branch_count.expectations import (  # noqa: F401 - re-exported
    RARE_PCT,
    RARE_WORDS,
    Expectation,
    ExpectationCheck,
    default_expectations,
    parse_expectations,
)
from dcs_engine.techniques.branch_count.instrument import Instrumented, instrument

BRANCH_KINDS = ("if_true", "if_false", "try", "try_ok", "except", "try_else", "loop_body", "loop_skipped",
                "loop_else", "case", "ifexp_true", "ifexp_false", "operand")


@dataclass(frozen=True)
class LineCount:
    line: int
    text: str
    hits: int | None       # None: the line has no statement of its own (blank, comment, 'else:')
    percent: float | None


@dataclass(frozen=True)
class BranchCount:
    line: int
    kind: str
    label: str
    func: str
    hits: int
    percent: float | None


@dataclass(frozen=True)
class BranchCountResult(Reportable):
    function: str
    source: str
    grouped_by: str
    calls: int
    raised: int
    errors: tuple[str, ...]
    lines: tuple[LineCount, ...]
    branches: tuple[BranchCount, ...]
    checks: tuple[ExpectationCheck, ...]
    outcome: str
    elapsed_s: float = 0.0
    kind: str = "classic"                 # the session's kind: "classic" or "connect"
    logs: WorkerLogs = field(default=worker_logs.NONE)   # what the function printed or logged on executors

    @property
    def failed_checks(self) -> tuple[ExpectationCheck, ...]:
        return tuple(c for c in self.checks if not c.ok)

    @property
    def headline(self) -> str:
        what = f"{self.calls:,} call(s) of {self.function}"
        if self.grouped_by:
            what += f" (grouped by {self.grouped_by})"
        failed = self.failed_checks
        if self.raised:
            # counts of calls that raised stop at the error: no expectation can be judged as met
            every = " (every call: the counts show only the way to the error)" if self.raised == self.calls else ""
            first = f"; first: {self.errors[0]}" if self.errors else ""
            also = f"; and {len(failed)} expectation(s) failed" if failed else ""
            return f"Surprise: {self.raised:,} of {what} raised{every}{first}{also}."
        if failed:
            return f"Surprise: {len(failed)} expectation(s) failed over {what}; first: {failed[0].shown}."
        return f"Branch counts match the expectations over {what}."

    def annotated(self) -> str:
        out = []
        for lc in self.lines:
            hits = "" if lc.hits is None else f"{lc.hits:,}"
            pct = "" if lc.percent is None else f"{lc.percent:.1f}%"
            out.append(f"{lc.line:>4} {hits:>10} {pct:>7} | {lc.text}")
        return "\n".join(out)

    def to_markdown(self) -> str:
        parts = [self.headline, "", f"Data: {self.source}. Uncaught exceptions in the function: {self.raised:,}."]
        if self.errors:
            parts.append("First errors: " + "; ".join(f"`{e}`" for e in self.errors))
        parts += self.logs.markdown_lines()
        if self.checks:
            parts += ["", "Expectations:", "",
                      md_table(["line", "expectation", "hits", "%", "result"],
                               [(c.line, c.text, c.hits, "" if c.percent is None else f"{c.percent:.1f}",
                                 "ok" if c.ok else "VIOLATED") for c in self.checks])]
        parts += ["", "Annotated source (line, hits, % of its decision):", "", "```", self.annotated(), "```",
                  "", "Branches:", "",
                  md_table(["line", "function", "branch", "hits", "%"],
                           [(b.line, b.func, b.label, b.hits, "" if b.percent is None else f"{b.percent:.1f}")
                            for b in self.branches], width=70)]
        return "\n".join(parts)


# --------------------------------------------------------------------------- counting → result
def _pct(num: int, den: int) -> float | None:
    return None if den <= 0 else 100.0 * num / den


def tally(inst: Instrumented, counts: dict) -> tuple[tuple[LineCount, ...], tuple[BranchCount, ...], dict]:
    """Turn raw probe counts into annotated lines and branch counts.
    Also returns ``{line: (hits, percent)}`` for expectation checks."""
    hit = lambda k: int(counts.get(k, 0))  # noqa: E731
    probes = inst.probes

    def percent(k: int, call: int) -> float | None:
        p = probes[k]
        if p.kind == "call":
            return 100.0 if hit(k) else None
        if p.kind == "loop_body":   # a body's lines run on every iteration
            return 100.0 if hit(k) and call != -1 else None
        if p.base:
            return _pct(hit(k), sum(hit(b) for b in p.base))
        return _pct(hit(k), hit(call))

    per_line = {ln: (seg, call) for ln, seg, call in inst.line_probe}
    src = inst.source.splitlines()
    lines, by_line = [], {}
    for ln in range(inst.first_line, inst.last_line + 1):
        text = src[ln - 1] if ln - 1 < len(src) else ""
        if ln in per_line:
            seg, call = per_line[ln]
            h, pc = hit(seg), percent(seg, call)
            by_line[ln] = (h, pc)
            lines.append(LineCount(ln, text, h, pc))
        else:
            lines.append(LineCount(ln, text, None, None))
    branches = [BranchCount(p.line, p.kind, p.label, p.func, hit(p.id),
                            None if p.kind == "call" else percent(p.id, -1))
                for p in probes if p.kind in BRANCH_KINDS or p.kind == "call"]
    for ln, seg in inst.returns:
        h, pc = by_line.get(ln, (hit(seg), None))
        branches.append(BranchCount(ln, "return", f"return at line {ln}", probes[seg].func, h, pc))
    branches.sort(key=lambda b: (b.line, BRANCH_KINDS.index(b.kind) if b.kind in BRANCH_KINDS else -1))
    return tuple(lines), tuple(branches), by_line


def summarize(inst: Instrumented, counts: dict, expectations: str = "", source: str = "",
              grouped_by: str = "", elapsed_s: float = 0.0) -> BranchCountResult:
    lines, branches, by_line = tally(inst, counts)
    explicit = parse_expectations(expectations, inst)
    implicit = not explicit
    checks = []
    for e in explicit or default_expectations(inst):
        hits, pct = by_line.get(e.line, (0, None))
        checks.append(e.check(hits, pct, implicit))
    raised = int(counts.get("raised", 0))
    outcome = "surprise" if raised or any(not c.ok for c in checks) else "as_expected"
    return BranchCountResult(inst.name, source, grouped_by, int(counts.get("calls", 0)), raised,
                             tuple(counts.get("errors", ())), lines, branches, tuple(checks), outcome, elapsed_s)


def run(ctx, params) -> BranchCountResult:
    from dcs_engine.inputs.shipping import missing_module_error, ship
    from dcs_engine.registry import bind

    uf = load_function(code=params.code, name=params.function, ref=params.ref)
    inst = instrument(uf)
    if params.expectations == _EXPECT and uf.source != _CODE:
        # the default text is about the demo function's lines: another function gets the default rules
        params = params.replace(expectations="")
    parse_expectations(params.expectations, inst)   # refuse bad syntax before any Spark work
    df = bind(ctx, params)
    ship(ctx, uf, "auto")
    group_by = (params.group_by or "").strip()
    start = time.perf_counter()
    try:
        with worker_logs.capture(ctx.spark, params.worker_logs) as window:
            counts = count_branches(ctx, inst, df, params.row_type, group_by)
            logs = window.read(counts.get("printed", 0))
    except Exception as exc:
        raise (missing_module_error(exc, uf, f"counting branches of {inst.name}") or exc) from exc
    result = summarize(inst, counts, params.expectations, params.source.describe(), group_by,
                       time.perf_counter() - start)
    return dataclasses.replace(result, kind=ctx.kind, logs=logs)


def _demo_defaults():
    from dcs_engine.inputs.demo.datasets import to_sessions_demo as demo

    return demo.SOURCE, demo.FUNCTION, demo.EXPECTATIONS


_CODE, _FUNC, _EXPECT = _demo_defaults()

TECHNIQUE = Technique(
    id='branch_count',
    title='Count branches',
    summary=('Quantify your mental model of control flow: count how often each branch of your function runs '
             'across the whole dataset. The branch you think is rare may be the common one.'),
    snippet=('almost_every_time = sc.accumulator(0)\n'
             'once_in_a_blue_moon = sc.accumulator(0)\n'
             '\n'
             'def process(row):\n'
             "    if row['active_experiment_id'] is not None:\n"
             '        almost_every_time.add(1)\n'
             '    else:\n'
             '        once_in_a_blue_moon.add(1)\n'
             '    return row\n'
             '\n'
             'df.rdd.map(process).count()          # one action fills the counters\n'
             'print(almost_every_time.value, once_in_a_blue_moon.value)\n'),
    params=(
        Param("source", "source", default={"kind": "demo", "demo": "pings", "rows": 4000, "seed": 42},
              label="Data source", help="A demo dataset, a path with its format, or a table name."),
        *user_function(_CODE, "Your function (pasted)", code_help="Paste the function; it is instrumented, not edited.",
                       function_default=_FUNC),
        Param("row_type", "choice", default="dict", choices=("dict", "row"), label="Each row is passed as",
              help="dict: row.asDict(recursive=True), nested structs become dicts; row: a pyspark Row."),
        Param("group_by", "column", default="", label="Group by column (optional)",
              help="If set, the function receives (key, list_of_rows) per key, like to_sessions "
                   "(the demo: client_id)."),
        Param("expectations", "text", default=_EXPECT, label="Expectations",
              help="One per line: '42: rare', 'L42 < 5%', 'mark bad ping: never', '42 == 0'. "
                   "rare = at most 10% of the decision that leads there. Empty: every except "
                   "handler and every '# rare' comment is expected to be rare."),
        WORKER_LOGS,
    ),
    outcomes=('surprise', 'as_expected'),
    run=run,
)
