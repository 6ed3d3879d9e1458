"""branch_count: how often does each branch of your function run, over the whole dataset?

The talk's manual way is two accumulators (see :mod:`dcs_engine.runtime.counters`).  This
technique does it for every branch at once: it rewrites the user's function
(:mod:`dcs_engine.techniques.branch_count.instrument`), runs it over the data in one ``foreachPartition``
action, and annotates the source with hits and percentages, coverage-style.

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
if any expectation fails, else ``as_expected``.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

from dcs_engine.contract import Param, Technique
from dcs_engine.errors import DcsError, ParameterError, SourceError, SparkJobError
from dcs_engine.inputs.sources import load as load_source
from dcs_engine.inputs.usercode import load as load_function
from dcs_engine.results import Reportable, md_table
from dcs_engine.runtime.counters import dict_accumulator
from dcs_engine.techniques._common import user_function
from dcs_engine.techniques.branch_count.instrument import Instrumented, instrument, partition_counter

RARE_PCT = 10.0
RARE_WORDS = ("rare", "never", "unlikely", "blue moon", "should not happen")
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
class ExpectationCheck:
    text: str              # as the user wrote it (or the default rule)
    line: int
    rule: str
    hits: int
    percent: float | None
    ok: bool
    implicit: bool = False

    @property
    def shown(self) -> str:
        pct = "" if self.percent is None else f" ({self.percent:.1f}%)"
        return f"line {self.line}: expected {self.rule}, counted {self.hits:,}{pct}"


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

    @property
    def failed_checks(self) -> tuple[ExpectationCheck, ...]:
        return tuple(c for c in self.checks if not c.ok)

    @property
    def headline(self) -> str:
        what = f"{self.calls:,} call(s) of {self.function}" + (f" (grouped by {self.grouped_by})" if self.grouped_by else "")
        if self.failed_checks:
            first = self.failed_checks[0]
            return (f"Surprise: {len(self.failed_checks)} expectation(s) failed over {what}; "
                    f"first: {first.shown}.")
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


_RULE = re.compile(r"^(?:(rare|common|never|always)|(<=|>=|==|<|>)\s*(\d+(?:\.\d+)?)\s*(%?))$", re.I)
_WHERE_NUM = re.compile(r"^(?:l|line\s*)?(\d+)$", re.I)


@dataclass(frozen=True)
class Expectation:
    text: str
    line: int
    rule: str
    op: str
    value: float
    percent: bool

    def check(self, hits: int, pct: float | None, implicit: bool = False) -> ExpectationCheck:
        x = pct if self.percent else hits
        if x is None:       # the decision never ran: nothing can be rarer, nothing commoner
            ok = self.op in ("<", "<=") or (self.op == "==" and self.value == 0)
        else:
            ok = {"<": x < self.value, "<=": x <= self.value + 1e-9, ">": x > self.value,
                  ">=": x >= self.value - 1e-9, "==": abs(x - self.value) < 1e-9}[self.op]
        return ExpectationCheck(self.text, self.line, self.rule, hits, pct, ok, implicit)


def parse_expectations(text: str, inst: Instrumented) -> list[Expectation]:
    out = []
    src = inst.source.splitlines()
    for n, raw in enumerate((text or "").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        op_at = re.search(r"[<>=]", line)
        if op_at and ":" not in line[op_at.start():] and not line[:op_at.start()].rstrip().endswith(":"):
            where, rule = line[:op_at.start()].strip(), line[op_at.start():].strip()   # 'L42 < 5%'
        elif ":" in line:
            where, rule = (s.strip() for s in line.rsplit(":", 1))
        else:
            raise ParameterError(f"expectations, line {n}", expected="WHERE: RULE, e.g. '42: rare' or 'L42 < 5%'",
                                 found=repr(line), fix="add ':' between the line and the rule")
        m = _RULE.match(rule)
        if not m:
            raise ParameterError(f"expectations, line {n}",
                                 expected="rare, common, never, always, or < <= > >= == with a number or a percentage",
                                 found=repr(rule), fix="write e.g. 'rare', '< 5%' or '== 0'")
        if m.group(1):
            word = m.group(1).lower()
            op, value, is_pct = {"rare": ("<=", RARE_PCT, True), "common": (">", RARE_PCT, True),
                                 "never": ("==", 0, False), "always": (">=", 100.0, True)}[word]
            shown = {"rare": f"rare (≤ {RARE_PCT:g}%)", "common": f"common (> {RARE_PCT:g}%)",
                     "never": "never (0 hits)", "always": "always (100%)"}[word]
        else:
            op, value, is_pct = m.group(2), float(m.group(3)), bool(m.group(4))
            shown = f"{op} {m.group(3)}{'%' if is_pct else ' hits'}"
        num = _WHERE_NUM.match(where)
        if num:
            ln = int(num.group(1))
            if not inst.first_line <= ln <= inst.last_line:
                raise ParameterError(f"expectations, line {n}",
                                     expected=f"a line of {inst.name} ({inst.first_line}-{inst.last_line})",
                                     found=str(ln), fix="use the line numbers shown in the annotated source")
        else:
            needle = where.strip("'\"").lower()
            ln = next((i for i in range(inst.first_line, inst.last_line + 1)
                       if needle and needle in src[i - 1].lower()), None)
            if ln is None:
                raise ParameterError(f"expectations, line {n}",
                                     expected=f"a line number or text found in {inst.name}",
                                     found=repr(where), fix="copy a piece of the line's text, or give its number")
        out.append(Expectation(line, ln, shown, op, value, is_pct))
    return out


def default_expectations(inst: Instrumented) -> list[Expectation]:
    """``except`` handlers and lines commented as rare are expected to be rare."""
    src = inst.source.splitlines()
    lines = {p.line for p in inst.probes if p.kind == "except"}
    for ln in range(inst.first_line, inst.last_line + 1):
        text = src[ln - 1]
        if "#" in text and any(w in text[text.index("#"):].lower() for w in RARE_WORDS):
            lines.add(ln)
    rule = f"rare (≤ {RARE_PCT:g}%)"
    return [Expectation(f"{ln}: rare (default: except handler or '# rare' comment)", ln, rule, "<=", RARE_PCT, True)
            for ln in sorted(lines)]


def summarize(inst: Instrumented, counts: dict, expectations: str = "", source: str = "",
              grouped_by: str = "", elapsed_s: float = 0.0) -> BranchCountResult:
    lines, branches, by_line = tally(inst, counts)
    explicit = parse_expectations(expectations, inst)
    implicit = not explicit
    checks = []
    for e in explicit or default_expectations(inst):
        hits, pct = by_line.get(e.line, (0, None))
        checks.append(e.check(hits, pct, implicit))
    outcome = "surprise" if any(not c.ok for c in checks) else "as_expected"
    return BranchCountResult(inst.name, source, grouped_by, int(counts.get("calls", 0)), int(counts.get("raised", 0)),
                             tuple(counts.get("errors", ())), lines, branches, tuple(checks), outcome, elapsed_s)


# --------------------------------------------------------------------------- the Spark part
def prepared_rdd(df, row_type: str = "dict", group_by: str = ""):
    """The elements the function receives: rows (as Row or dict), or ``(key, [rows])`` groups."""
    as_dict = row_type == "dict"
    if group_by:
        if group_by not in df.columns:
            raise SourceError(f"group-by column {group_by!r}", expected="one of " + ", ".join(df.columns),
                              found=repr(group_by), fix="pick a column of the data source")
        key = group_by

        def keyed(r):
            return (r[key], r.asDict(recursive=True) if as_dict else r)

        return df.rdd.map(keyed).groupByKey().map(lambda kv: (kv[0], list(kv[1])))
    if as_dict:
        return df.rdd.map(lambda r: r.asDict(recursive=True))
    return df.rdd


def count_branches(spark, inst: Instrumented, df, row_type: str = "dict", group_by: str = "") -> dict:
    """Run the instrumented function over ``df`` in one action; the raw counts."""
    acc = dict_accumulator(spark)
    rdd = prepared_rdd(df, row_type, group_by)
    try:
        rdd.foreachPartition(partition_counter(inst.func, acc, generator=inst.generator))
    except DcsError:
        raise
    except Exception as exc:
        from dcs_engine.triage import triage_exception

        report = triage_exception(exc)
        raise SparkJobError(f"counting branches of {inst.name}", triage=report, cause=exc,
                            expected="the instrumented function to run on the executors",
                            found=report.headline,
                            fix="run the env_check and scale_out techniques: the executors may lack a module "
                                "your function needs") from exc
    return inst.resolve(acc.value)


def run(ctx, params) -> BranchCountResult:
    spark = ctx.spark
    uf = load_function(code=params.code, name=params.function, ref=params.ref)
    inst = instrument(uf)
    parse_expectations(params.expectations, inst)   # refuse bad syntax before any Spark work
    spec = params.source
    df = load_source(spark, spec)
    start = time.perf_counter()
    counts = count_branches(spark, inst, df, params.row_type, params.group_by.strip())
    return summarize(inst, counts, params.expectations, spec.describe(), params.group_by.strip(),
                     time.perf_counter() - start)


def _demo_defaults():
    from dcs_engine.inputs.demo.datasets import to_sessions_demo as demo

    return demo.SOURCE, demo.FUNCTION, demo.EXPECTATIONS


_CODE, _FUNC, _EXPECT = _demo_defaults()

TECHNIQUE = Technique(
    id='branch_count',
    title='Count branches with accumulators',
    summary=('Quantify your mental model of control flow: count how often each branch of your function runs '
             'across the whole dataset. The branch you think is rare may be the common one.'),
    snippet="almost_every_time = sc.accumulator(0)\nonce_in_a_blue_moon = sc.accumulator(0)\n\ndef process(row):\n    if row['active_experiment_id'] is not None:\n        almost_every_time.add(1)\n    else:\n        once_in_a_blue_moon.add(1)\n    return row\n\ndf.rdd.map(process).count()          # one action fills the counters\nprint(almost_every_time.value, once_in_a_blue_moon.value)\n",
    params=(
        Param("source", "source", default={"kind": "demo", "demo": "pings", "rows": 4000, "seed": 42},
              label="Data source", help="A demo dataset, a path with its format, or a table name."),
        *user_function(_CODE, "Your function (pasted)", code_help="Paste the function; it is instrumented, not edited.", function_default=_FUNC),
        Param("row_type", "choice", default="dict", choices=("dict", "row"), label="Each row is passed as",
              help="dict: row.asDict(recursive=True), nested structs become dicts; row: a pyspark Row."),
        Param("group_by", "str", default="client_id", label="Group by column (optional)",
              help="If set, the function receives (key, list_of_rows) per key, like to_sessions."),
        Param("expectations", "text", default=_EXPECT, label="Expectations",
              help="One per line: '42: rare', 'L42 < 5%', 'mark bad ping: never', '42 == 0'. "
                   "rare = at most 10% of the decision that leads there. Empty: every except "
                   "handler and every '# rare' comment is expected to be rare."),
    ),
    outcomes=('surprise', 'as_expected'),
    run=run,
)
