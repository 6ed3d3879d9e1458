"""Read SQL executions' physical plans (``sparkPlanInfo``): operators, keys, tables, flags, metrics.

The plan tree is the same in every Spark version from 2.x on: ``nodeName``,
``simpleString``, ``metadata``, ``metrics`` (name, accumulatorId, metricType)
and ``children``.  Node names vary (``Scan parquet db.t``, ``WholeStageCodegen
(3)``, ``Execute InsertIntoHadoopFsRelationCommand``), so operators are matched
by the words they start with, never by the whole string.  Metrics are tied to
operators by accumulator id: that is how a stage learns which operators ran in
it (their ids show up in the stage's accumulables) and how Python UDF time,
files read and written and broadcast sizes are read.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

WRAPPERS = ("WholeStageCodegen", "InputAdapter", "AdaptiveSparkPlan", "ShuffleQueryStage", "BroadcastQueryStage",
            "TableCacheQueryStage", "ResultQueryStage", "ColumnarToRow", "RowToColumnar", "AQEShuffleRead",
            "CustomShuffleReader", "ReusedExchange", "ReusedSubquery", "Subquery", "SubqueryBroadcast")
_PYTHON = re.compile(r"Python|Pandas|ArrowEval|InArrow|InPandas|MapInBatch|FlatMapGroupsIn|FlatMapCoGroupsIn")
_JOIN = re.compile(r"^(SortMergeJoin|ShuffledHashJoin|BroadcastHashJoin|BroadcastNestedLoopJoin|CartesianProduct)")
_ATTR = re.compile(r"#\d+L?")
_HASHPART = re.compile(r"hashpartitioning\((.*), \d+\)")
_LOCATION = re.compile(r"\[([^\],]+)")
_PLAN_TEXT_MAX = 12_000
PYTHON_TIME = ("time to execute Python code",)


@dataclass
class PlanNode:
    name: str            # operator name without codegen ids
    simple: str
    keys: tuple[str, ...] = ()
    scan: tuple[str, str] | None = None   # (format, table or path)
    python: bool = False


@dataclass
class PlanInfo:
    nodes: list[PlanNode] = field(default_factory=list)
    metrics: dict[int, tuple[int, str, str]] = field(default_factory=dict)   # acc id -> (node, name, type)
    flags: set[str] = field(default_factory=set)
    joins: list[str] = field(default_factory=list)

    def operators(self) -> tuple[tuple[str, int], ...]:
        c = Counter(n.name for n in self.nodes if not n.name.startswith(WRAPPERS))
        return tuple(sorted(c.items()))

    def scans(self) -> tuple[tuple[str, str], ...]:
        seen: list[tuple[str, str]] = []
        for n in self.nodes:
            if n.scan and n.scan not in seen:
                seen.append(n.scan)
        return tuple(seen)


def clean_name(node_name: str) -> str:
    name = re.sub(r"\s*\(\d+\)$", "", node_name.strip())
    if name.startswith("Scan ") or name.startswith("BatchScan"):
        parts = name.split()
        return " ".join(parts[:2])   # "Scan parquet" without the table name
    return name


def split_top(text: str) -> list[str]:
    """Split on commas outside parentheses and brackets."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return out


def key_names(text: str) -> tuple[str, ...]:
    return tuple(_ATTR.sub("", k) for k in split_top(text) if k)


def _first_brackets(s: str) -> str:
    start = s.find("[")
    if start < 0:
        return ""
    depth = 0
    for i in range(start, len(s)):
        depth += {"[": 1, "]": -1}.get(s[i], 0)
        if depth == 0:
            return s[start + 1:i]
    return s[start + 1:]


def _keys(name: str, simple: str) -> tuple[str, ...]:
    if _JOIN.match(name) and not name.startswith(("CartesianProduct", "BroadcastNestedLoopJoin")):
        return key_names(_first_brackets(simple))
    if name.startswith("Exchange"):
        m = _HASHPART.search(simple)
        return key_names(m.group(1)) if m else ()
    if name.startswith(("FlatMapGroupsIn", "FlatMapCoGroupsIn", "AggregateInPandas")):
        return key_names(_first_brackets(simple))
    return ()


def _scan(node_name: str, simple: str, meta: dict) -> tuple[str, str] | None:
    name = node_name.strip()
    if not (name.startswith(("Scan ", "BatchScan", "FileScan")) or simple.startswith("FileScan")):
        return None
    parts = name.split()
    fmt = (meta.get("Format") or (parts[1] if len(parts) > 1 else "")).lower()
    loc = meta.get("Location", "")
    m = _LOCATION.search(loc)
    path = m.group(1).strip() if m else ""
    table = parts[2] if len(parts) > 2 and not parts[2].startswith("[") else ""
    target = table or path or (parts[1] if len(parts) > 1 else name)
    return (fmt or "?", target)


def _walk(node: dict, out: PlanInfo, below_window: bool = False) -> None:
    raw_name = str(node.get("nodeName", "?"))
    simple = str(node.get("simpleString", ""))
    name = clean_name(raw_name)
    pn = PlanNode(name, simple[:400], _keys(name, simple), _scan(raw_name, simple, node.get("metadata") or {}),
                  bool(_PYTHON.search(name)))
    idx = len(out.nodes)
    out.nodes.append(pn)
    for m in node.get("metrics") or ():
        try:
            out.metrics[int(m["accumulatorId"])] = (idx, str(m.get("name", "")), str(m.get("metricType", "")))
        except (KeyError, TypeError, ValueError):
            continue
    if name.startswith("CartesianProduct"):
        out.flags.add("cartesian")
    elif name.startswith("BroadcastNestedLoopJoin"):
        out.flags.add("nested_loop_join")
    if _JOIN.match(name):
        out.joins.append(f"{name} on {', '.join(pn.keys)}" if pn.keys else name)
    if below_window and name.startswith("Exchange") and "SinglePartition" in simple:
        out.flags.add("window_single_partition")
    window = name == "Window" or name.startswith("WindowGroupLimit")
    if pn.python:
        out.flags.add("python_udf")
    # a Window's input up to (and including) its first Exchange: SinglePartition there = no partitioning
    child_flag = True if window else (below_window and not name.startswith("Exchange"))
    for child in node.get("children") or ():
        _walk(child, out, child_flag)


def parse_plan(plan_info: dict | None) -> PlanInfo:
    out = PlanInfo()
    if isinstance(plan_info, dict):
        try:
            _walk(plan_info, out)
        except RecursionError:   # absurdly deep plans: keep what was read
            out.flags.add("large_plan")
    return out


def trim_plan(text: str | None) -> str:
    if not text:
        return ""
    return text if len(text) <= _PLAN_TEXT_MAX else text[:_PLAN_TEXT_MAX] + "\n… (plan trimmed)"


def metric_seconds(value: float, metric_type: str) -> float:
    return value / 1e9 if metric_type == "nsTiming" else value / 1e3
