"""Two runs of one application side by side: "20 minutes yesterday, 3 hours today".

Stages are matched by call site (the stage name Spark records) and the plan
operators that ran in them, in the order they ran (the n-th stage with that key
in run A meets the n-th in run B); what is left is matched by call site alone.
Jobs match by name, SQL executions by description.  For each pair: task time,
wall time, rows and bytes in, shuffle, spill, tasks and skew.  A stage's cost is
its executor run time (the same figure in a log and through the REST API, and
free of scheduling delays), or its Python code time where that grew more (fixed
costs of Python workers can hide quadratic Python work in small runs).  The
first stage (in run A's order) whose cost grew more than
``compare.min_cost_over_input_growth`` times its input did -- and by more than
``min_cost_delta_s`` -- is where to look.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from .findings import secs
from .model import StageSummary, to_plain
from .render import table
from .report import EventLogReport
from .thresholds import Thresholds

MIN_PYTHON_S = 0.05


@dataclass(frozen=True)
class StageDelta:
    key: str
    a: StageSummary
    b: StageSummary

    @property
    def python_growth(self) -> float | None:
        pa, pb = self.a.python_time_s, self.b.python_time_s
        if pa is None or pb is None or pa < MIN_PYTHON_S:
            return None
        return _ratio(pb, pa)

    @property
    def by_python(self) -> bool:
        """Python code time grew more than task time: a stage whose fixed costs hide its Python work."""
        g = self.python_growth
        return g is not None and g > _ratio(self.b.run_time_s, self.a.run_time_s)

    @property
    def cost_metric(self) -> str:
        return "Python code time" if self.by_python else "task run time"

    @property
    def cost_a(self) -> float:
        return (self.a.python_time_s or 0.0) if self.by_python else self.a.run_time_s

    @property
    def cost_b(self) -> float:
        return (self.b.python_time_s or 0.0) if self.by_python else self.b.run_time_s

    @property
    def cost_growth(self) -> float:
        return _ratio(self.cost_b, self.cost_a)

    @property
    def input_growth(self) -> float:
        if self.a.rows_in or self.b.rows_in:
            return _ratio(self.b.rows_in, self.a.rows_in)
        return _ratio(self.b.read_total, self.a.read_total)

    @property
    def skew_a(self) -> float:
        return self.a.run_time.max_over_median if self.a.run_time else 1.0

    @property
    def skew_b(self) -> float:
        return self.b.run_time.max_over_median if self.b.run_time else 1.0


@dataclass(frozen=True)
class PlanChange:
    description: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    joins_a: tuple[str, ...]
    joins_b: tuple[str, ...]


@dataclass(frozen=True)
class CompareReport:
    a: EventLogReport
    b: EventLogReport
    stages: tuple[StageDelta, ...]
    only_a: tuple[StageSummary, ...]
    only_b: tuple[StageSummary, ...]
    jobs: tuple[tuple[str, float, float], ...]          # (job name, wall a, wall b)
    config_changes: tuple[tuple[str, str | None, str | None], ...]
    plan_changes: tuple[PlanChange, ...]
    first_growth: StageDelta | None
    outcome: str                                         # cost_grew_faster | in_step | faster
    node_id: str | None
    headline: str

    def to_dict(self) -> dict:
        def sd(d: StageDelta) -> dict:
            return {"key": d.key, "stage_a": d.a.stage_id, "stage_b": d.b.stage_id, "cost_metric": d.cost_metric,
                    "cost_a_s": d.cost_a,
                    "cost_b_s": d.cost_b, "cost_growth": d.cost_growth, "input_growth": d.input_growth,
                    "rows_a": d.a.rows_in, "rows_b": d.b.rows_in, "skew_a": d.skew_a, "skew_b": d.skew_b}

        return {"headline": self.headline, "outcome": self.outcome, "node_id": self.node_id,
                "a": {"app_id": self.a.app.app_id, "name": self.a.app.name, "uptime_s": self.a.app.uptime_s},
                "b": {"app_id": self.b.app.app_id, "name": self.b.app.name, "uptime_s": self.b.app.uptime_s},
                "first_growth": sd(self.first_growth) if self.first_growth else None,
                "stages": [sd(d) for d in self.stages], "only_a": [s.stage_id for s in self.only_a],
                "only_b": [s.stage_id for s in self.only_b], "jobs": [list(j) for j in self.jobs],
                "config_changes": [list(c) for c in self.config_changes],
                "plan_changes": [to_plain(p) for p in self.plan_changes]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)

    def to_markdown(self) -> str:
        rows = [(d.key[:60], f"{d.a.stage_id} → {d.b.stage_id}", f"{secs(d.a.run_time_s)} → {secs(d.b.run_time_s)}"
                 + (f" (Python {secs(d.a.python_time_s)} → {secs(d.b.python_time_s)})" if d.by_python else ""),
                 f"{d.cost_growth:.2f}x", f"{d.a.rows_in:,} → {d.b.rows_in:,}", f"{d.input_growth:.2f}x",
                 f"{d.a.num_tasks} → {d.b.num_tasks}", f"{d.skew_a:.1f} → {d.skew_b:.1f}",
                 f"{d.a.disk_spilled:,} → {d.b.disk_spilled:,}") for d in self.stages]
        out = [f"**Compare:** {self.headline}", "",
               table(["stage (call site)", "ids", "run time", "growth", "rows in", "growth", "tasks",
                      "max/median", "disk spill"], rows), ""]
        if self.only_a or self.only_b:
            out += [f"Only in A: {', '.join(s.label for s in self.only_a) or '-'}; only in B: "
                    f"{', '.join(s.label for s in self.only_b) or '-'}.", ""]
        if self.config_changes:
            out += ["**Configuration differences**", "", table(["key", "A", "B"], self.config_changes, 100), ""]
        for p in self.plan_changes:
            out += [f"**Plan changed** ({p.description[:80]}): added {', '.join(p.added) or '-'}; removed "
                    f"{', '.join(p.removed) or '-'}; joins {'; '.join(p.joins_a) or '-'} → "
                    f"{'; '.join(p.joins_b) or '-'}", ""]
        return "\n".join(out).rstrip() + "\n"


def _ratio(b: float, a: float) -> float:
    if a > 0:
        return b / a
    return 1.0 if b <= 0 else float("inf")


def _ran(r: EventLogReport) -> list[StageSummary]:
    """The last attempt of each stage that ran, in the order the stages started."""
    last: dict[int, StageSummary] = {}
    for s in r.stages:
        if s.status != "skipped" and (s.stage_id not in last or s.attempt >= last[s.stage_id].attempt):
            last[s.stage_id] = s
    return sorted(last.values(), key=lambda s: (s.submitted_ms or 0, s.stage_id))


_LINE = re.compile(r":\d+$")


def _site(s: StageSummary) -> str:
    return _LINE.sub("", s.name)   # "collect at job.py:88" and "...:91" are one call site after an edit


KEYS = (lambda s: (s.name, tuple(sorted(s.operators))), lambda s: (s.name,),
        lambda s: (_site(s), tuple(sorted(s.operators))), lambda s: (_site(s),))


def _match(a: list[StageSummary], b: list[StageSummary]):
    pairs: list[tuple[str, StageSummary, StageSummary]] = []
    left_a, left_b = list(a), list(b)
    for keyf in KEYS:
        queues: dict = defaultdict(list)
        for s in left_b:
            queues[keyf(s)].append(s)
        rest_a = []
        for s in left_a:
            q = queues.get(keyf(s))
            if q:
                pairs.append((s.name or s.label, s, q.pop(0)))
            else:
                rest_a.append(s)
        matched_b = {id(p[2]) for p in pairs}
        left_a, left_b = rest_a, [s for s in left_b if id(s) not in matched_b]
    pairs.sort(key=lambda p: (p[1].submitted_ms or 0, p[1].stage_id))
    return [StageDelta(k, x, y) for k, x, y in pairs], left_a, left_b


def _jobs(a: EventLogReport, b: EventLogReport) -> tuple:
    qb: dict = defaultdict(list)
    for j in b.jobs:
        qb[j.name].append(j)
    out = []
    for j in a.jobs:
        if qb.get(j.name):
            out.append((j.name, j.wall_s, qb[j.name].pop(0).wall_s))
    return tuple(out)


def _config(a: EventLogReport, b: EventLogReport) -> tuple:
    ca = {**dict(a.config), **dict(a.session_configs)}
    cb = {**dict(b.config), **dict(b.session_configs)}
    skip = ("spark.app.name", "spark.eventLog.dir")
    return tuple((k, ca.get(k), cb.get(k)) for k in sorted(set(ca) | set(cb))
                 if ca.get(k) != cb.get(k) and k not in skip)


def _plans(a: EventLogReport, b: EventLogReport) -> tuple:
    qb: dict = defaultdict(list)
    for q in b.sql:
        qb[q.description].append(q)
    out = []
    for q in a.sql:
        if not qb.get(q.description):
            continue
        other = qb[q.description].pop(0)
        ca, cb = Counter(dict(q.operators)), Counter(dict(other.operators))
        added, removed = tuple(sorted((cb - ca).elements())), tuple(sorted((ca - cb).elements()))
        if added or removed or q.joins != other.joins:
            out.append(PlanChange(q.description, tuple(dict.fromkeys(added)), tuple(dict.fromkeys(removed)),
                                  q.joins, other.joins))
    return tuple(out)


def _total_rows(stages) -> int:
    return sum(s.input_records for s in stages)


def _sentence(a, b, first, config, plans, lim) -> tuple[str, str]:
    wa, wb = a.app.uptime_s, b.app.uptime_s
    ia, ib = _total_rows(_ran(a)), _total_rows(_ran(b))
    grow = f"{_ratio(ib, ia):.2f}x" if ia else "an unknown share of"
    head = (f"Run B ({b.app.app_id}) took {secs(wb)} against run A's ({a.app.app_id}) {secs(wa)} "
            f"({_ratio(wb, wa):.2f}x) for {grow} the input rows")
    if a.app.spark_version != b.app.spark_version:
        head += f" (Spark {a.app.spark_version} → {b.app.spark_version})"
    cut = [n for n, r in (("A", a), ("B", b)) if not r.app.completed]
    if cut:   # a run without ApplicationEnd: its time is only what the log holds
        head += f" — run {' and '.join(cut)} has no ApplicationEnd, so its figures stop where its log stops"
    if first is None:
        outcome = "faster" if wb < wa else "in_step"
        return outcome, head + "; no stage's task time grew more than its input did."
    why = [f"{first.cost_metric} {secs(first.cost_a)} → {secs(first.cost_b)} ({first.cost_growth:.1f}x) for "
           f"{first.input_growth:.2f}x its input"]
    if first.skew_b > 2 * max(first.skew_a, 1.0):
        why.append(f"its longest task went from {first.skew_a:.1f}x to {first.skew_b:.1f}x the median")
    plan = next((p for p in plans if first.b.sql_id is not None and any(
        q.sql_id == first.b.sql_id and q.description == p.description for q in b.sql)), None)
    if plan:
        why.append(f"its plan changed ({'; '.join(plan.joins_a) or '-'} → {'; '.join(plan.joins_b) or '-'})")
    if config:
        k, va, vb = config[0]
        why.append(f"configuration changed, e.g. {k} {va} → {vb}" + (f" (+{len(config) - 1} more)"
                                                                      if len(config) > 1 else ""))
    return "cost_grew_faster", (f"{head}. The first stage whose cost grew more than its input is "
                                f"{first.b.label} ({first.key[:80]}): " + "; ".join(why) + ".")


def compare_reports(a: EventLogReport, b: EventLogReport, th: Thresholds) -> CompareReport:
    lim = th.limits("compare")
    stages, only_a, only_b = _match(_ran(a), _ran(b))
    first = next((d for d in stages if d.cost_growth > lim["min_cost_over_input_growth"] * d.input_growth
                  and d.cost_b - d.cost_a > lim["min_cost_delta_s"]), None)
    config, plans = _config(a, b), _plans(a, b)
    outcome, sentence = _sentence(a, b, first, config, plans, lim)
    return CompareReport(a=a, b=b, stages=tuple(stages), only_a=tuple(only_a), only_b=tuple(only_b),
                         jobs=_jobs(a, b), config_changes=config, plan_changes=plans, first_growth=first,
                         outcome=outcome, node_id=th.meta("compare")["node"] if first else None,
                         headline=sentence)
