"""Read a physical plan for signs of all-pairs work.

``plan_flags`` looks at the plan text for operators that compare every row with
every row (cartesian products, nested loop joins) or hand rows to Python.
``exploding_joins`` reads the row counts Spark measured per operator (the SQL
tab's metrics) and reports joins whose output far exceeds their inputs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

PATTERNS = (
    ("CartesianProduct", "cartesian product: every row is paired with every row"),
    ("BroadcastNestedLoopJoin", "broadcast nested loop join: a join without an equality key compares all pairs"),
    ("BatchEvalPython", "Python UDF: rows go one by one through a Python worker"),
    ("ArrowEvalPython", "pandas/Arrow Python UDF: rows go through a Python worker in batches"),
    ("FlatMapGroupsInPandas", "applyInPandas: each group is handed whole to Python, so its cost follows its size"),
    ("FlatMapGroupsInArrow", "applyInArrow: each group is handed whole to Python, so its cost follows its size"),
    ("FlatMapCoGroupsInPandas", "cogroup applyInPandas: each pair of groups goes whole to Python"),
    ("MapInPandas", "mapInPandas: partitions go through a Python worker"),
    ("PythonMapInArrow", "mapInArrow: partitions go through a Python worker"),
    ("MapInArrow", "mapInArrow: partitions go through a Python worker"),
)
# Any physical operator that hands rows to a Python worker (UDFs, UDTFs, pandas/Arrow maps and groups).
_PYTHON_OPERATOR = re.compile(r"\b\w*(?:EvalPython|InPandas|InArrow|PythonUDTF|Python\w*Exec)\w*\b")


def runs_python(plan_text: str) -> bool | None:
    """Does the physical plan hand rows to Python workers?  None when there is no plan text."""
    if not (plan_text or "").strip():
        return None
    return bool(_PYTHON_OPERATOR.search(plan_text))


def plan_text(df) -> str:
    """The physical plan of ``df`` as text, on classic Spark or Spark Connect ('' if Spark will not say)."""
    try:
        if hasattr(df, "_jdf"):
            return str(df._jdf.queryExecution().executedPlan().toString())
        return df._explain_string(mode="simple")  # Spark Connect: asks the server
    except Exception:  # a plan that does not analyse: the run itself reports that error
        return ""


@dataclass(frozen=True)
class PlanFlag:
    operator: str
    meaning: str
    count: int


def plan_flags(plan_text: str) -> tuple[PlanFlag, ...]:
    text = plan_text or ""
    out = []
    for op, meaning in PATTERNS:
        n = len(re.findall(rf"(?<![A-Za-z]){op}\b", text))
        if n:
            out.append(PlanFlag(op, meaning, n))
    return tuple(out)


@dataclass(frozen=True)
class ExplodingJoin:
    operator: str
    output_rows: int
    input_rows: int

    @property
    def factor(self) -> float:
        return self.output_rows / max(1, self.input_rows)


def _rows(node: dict) -> int | None:
    for m in node.get("metrics", []):
        if m.get("name") in ("number of output rows", "records read"):
            digits = re.sub(r"[^0-9]", "", str(m.get("value", "")).split("\n")[0])
            return int(digits) if digits else None
    return None


def exploding_joins(execution: dict, factor: float = 10.0) -> tuple[ExplodingJoin, ...]:
    """Joins whose measured output rows exceed ``factor`` x their largest input."""
    nodes = {n["nodeId"]: n for n in execution.get("nodes", [])}
    children: dict[int, list[int]] = {}
    for e in execution.get("edges", []):  # edges go from child to parent
        children.setdefault(e["toId"], []).append(e["fromId"])

    def counted(nid: int, depth: int = 0) -> int | None:
        """Rows out of ``nid``, looking through operators that do not count (Project...)."""
        node = nodes.get(nid)
        if node is None or depth > 20:
            return None
        rows = _rows(node)
        if rows is not None:
            return rows
        kids = children.get(nid, [])
        if len(kids) != 1:
            return None
        return counted(kids[0], depth + 1)

    out = []
    for nid, node in nodes.items():
        name = node.get("nodeName", "")
        if "Join" not in name and "CartesianProduct" not in name:
            continue
        rows = _rows(node)
        ins = [counted(k) for k in children.get(nid, [])]
        ins = [i for i in ins if i is not None]
        if rows is None or not ins:
            continue
        biggest = max(ins)
        if rows > factor * max(1, biggest):
            out.append(ExplodingJoin(name, rows, biggest))
    return tuple(out)
