"""SQL executions while they run: their latest plan, their metrics by accumulator id, their values.

An execution's plan comes with ``SQLExecutionStart`` and is replaced by each
``SQLAdaptiveExecutionUpdate`` (AQE); metric ids of earlier plans stay known, so
stages that ran before a re-plan keep their operators.  Values come from the
stages' accumulables (running totals: a stage's share is the difference from
the last value seen) and from the driver's own updates.  When the execution
ends it is frozen into a :class:`~.model.SqlSummary` and its ids are dropped,
so memory follows the executions running at once, not the application's length.
"""
from __future__ import annotations

from .model import SqlSummary
from .plans import PYTHON_TIME, PlanInfo, PlanNode, metric_seconds, parse_plan, trim_plan

SHUFFLE_READ = ("records read", "local bytes read", "remote bytes read", "fetch wait time", "local blocks read",
                "remote blocks read")
SUMS = {"number of files read": "files_read", "size of files read": "bytes_files_read",
        "number of written files": "files_written", "written output": "bytes_written"}


class SqlAcc:
    def __init__(self, sql_id: int, description: str, submitted: int | None, modified: dict | None):
        self.sql_id = sql_id
        self.description = description
        self.submitted = submitted
        self.completed: int | None = None
        self.error: str | None = None
        self.plan = PlanInfo()
        self.plan_text = ""
        self.values: dict[int, float] = {}
        self.owners: dict[int, tuple[PlanNode, str, str]] = {}
        self.modified = tuple(sorted((str(k), str(v)) for k, v in (modified or {}).items()))
        self.job_ids: list[int] = []

    def set_plan(self, plan_info: dict | None, text: str | None) -> list[int]:
        """Adopt a (new) plan; return the accumulator ids it introduced."""
        plan = parse_plan(plan_info)
        if plan.nodes:
            self.plan = plan
        if text:
            self.plan_text = trim_plan(text)
        new = []
        for acc_id, (idx, name, mtype) in plan.metrics.items():
            if acc_id not in self.owners:
                new.append(acc_id)
            self.owners[acc_id] = (plan.nodes[idx], name, mtype)
        return new

    def add_metrics(self, metrics: list) -> list[int]:
        node = PlanNode("(adaptive)", "")
        new = []
        for m in metrics or ():
            try:
                acc_id = int(m["accumulatorId"])
            except (KeyError, TypeError, ValueError):
                continue
            if acc_id not in self.owners:
                self.owners[acc_id] = (node, str(m.get("name", "")), str(m.get("metricType", "")))
                new.append(acc_id)
        return new

    def stage_values(self, updates: list[tuple[int, float]], stage) -> None:
        """Attribute a completed stage's SQL metric totals to it and to this execution."""
        for acc_id, value in updates:
            owner = self.owners.get(acc_id)
            if owner is None:
                continue
            node, name, mtype = owner
            delta = value - self.values.get(acc_id, 0.0)
            self.values[acc_id] = value
            if not node.name.startswith("("):
                stage.operators[node.name] = None
                if node.keys and (not node.name.startswith("Exchange") or name in SHUFFLE_READ):
                    for k in node.keys:   # join keys, and the keys of the shuffle this stage reads
                        stage.keys[k] = None
                if node.scan:
                    stage.tables[node.scan] = None
            if name in PYTHON_TIME and delta > 0:
                stage.python_s = (stage.python_s or 0.0) + metric_seconds(delta, mtype)

    def driver_values(self, updates) -> None:
        for pair in updates or ():
            try:
                self.values[int(pair[0])] = float(pair[1])
            except (TypeError, ValueError, IndexError):
                continue

    def _totals(self) -> dict:
        out: dict = {}
        python = None
        broadcast = None
        for acc_id, value in self.values.items():
            owner = self.owners.get(acc_id)
            if owner is None:
                continue
            node, name, mtype = owner
            if name in SUMS:
                out[SUMS[name]] = out.get(SUMS[name], 0) + int(value)
            elif name in PYTHON_TIME:
                python = (python or 0.0) + metric_seconds(value, mtype)
            elif name == "data size" and node.name.startswith("BroadcastExchange"):
                broadcast = max(broadcast or 0, int(value))
        out["python_time_s"] = python
        out["broadcast_bytes"] = broadcast
        return out

    def freeze(self) -> SqlSummary:
        flags = set(self.plan.flags)
        return SqlSummary(
            sql_id=self.sql_id, description=self.description, submitted_ms=self.submitted,
            completed_ms=self.completed, error=self.error, nodes=len(self.plan.nodes),
            operators=self.plan.operators(), joins=tuple(self.plan.joins), scans=self.plan.scans(),
            job_ids=tuple(self.job_ids), plan_flags=tuple(sorted(flags)), plan_text=self.plan_text,
            modified_configs=self.modified, **self._totals())
