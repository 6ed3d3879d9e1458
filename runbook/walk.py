"""A walk through a runbook: the path taken, and how it travels in a URL.

The path is a tuple of node ids starting at a symptom; each consecutive pair
must be an edge.  ``to_query``/``from_query`` carry it in query parameters
(``node`` = the current node, ``path`` = ids joined by ``.``) so a link reopens
the same step.
"""
from __future__ import annotations

from dataclasses import dataclass

from .model import Runbook


@dataclass(frozen=True)
class Walk:
    path: tuple[str, ...] = ()

    @property
    def current(self) -> str | None:
        return self.path[-1] if self.path else None

    @property
    def visited(self) -> frozenset[str]:
        return frozenset(self.path)

    def start(self, symptom_id: str) -> Walk:
        return Walk((symptom_id,))

    def go(self, node_id: str) -> Walk:
        return Walk(self.path + (node_id,))

    def back(self) -> Walk:
        return Walk(self.path[:-1])

    def jump(self, index: int) -> Walk:
        """Return to the step at ``index`` of the path (a visited node)."""
        return Walk(self.path[: index + 1])

    def restart(self) -> Walk:
        return Walk(())

    def edges(self) -> list[tuple[str, str]]:
        return list(zip(self.path, self.path[1:]))

    def to_query(self) -> dict[str, str]:
        if not self.path:
            return {}
        return {"node": self.path[-1], "path": ".".join(self.path)}


def validate(book: Runbook, path: tuple[str, ...]) -> tuple[Walk, str | None]:
    """Keep the longest valid prefix of ``path``; say what was dropped and why."""
    good: list[str] = []
    for i, nid in enumerate(path):
        if nid not in book.nodes:
            return Walk(tuple(good)), f"step {i + 1} '{nid}' is not a node of this runbook"
        if i == 0 and book.nodes[nid].kind != "symptom":
            return Walk(()), f"a path must start at a symptom, not '{nid}'"
        if i > 0 and book.edge(good[-1], nid) is None:
            return Walk(tuple(good)), f"there is no edge from '{good[-1]}' to '{nid}'"
        good.append(nid)
    return Walk(tuple(good)), None


def from_query(book: Runbook, params: dict) -> tuple[Walk, str | None]:
    raw = params.get("path") or ""
    if isinstance(raw, list):
        raw = raw[-1] if raw else ""
    path = tuple(p for p in raw.split(".") if p)
    walk, problem = validate(book, path)
    node = params.get("node")
    if not problem and node and walk.current and node != walk.current:
        problem = f"the link's node '{node}' is not the end of its path; showing '{walk.current}'"
    return walk, problem


def _bfs(book: Runbook, start: str, target: str) -> tuple[str, ...] | None:
    seen, frontier = {start}, [(start,)]
    while frontier:
        nxt = []
        for path in frontier:
            if path[-1] == target:
                return path
            for e in book.nodes[path[-1]].edges:
                if not e.loop and e.to not in seen:
                    seen.add(e.to)
                    nxt.append(path + (e.to,))
        frontier = nxt
    return None


def route_to(book: Runbook, node_id: str, prefer: str | None = None) -> Walk | None:
    """The shortest walk to ``node_id`` from symptom ``prefer``, else from any symptom."""
    if node_id not in book.nodes:
        return None
    if prefer in book.nodes and book.nodes[prefer].kind == "symptom":
        path = _bfs(book, prefer, node_id)
        if path:
            return Walk(path)
    paths = [p for s in book.symptoms if (p := _bfs(book, s.id, node_id))]
    return Walk(min(paths, key=len)) if paths else None


# -- the data under investigation and the user's code, in the same link ------------------------
# Plain strings in, plain strings out: the page checks the source (SourceSpec) and reports problems.

DATA_FIELDS = {"demo": ("demo", "rows", "seed"), "path": ("path", "format"), "table": ("table",)}
CODE_FIELDS = ("code", "function", "ref")
CODE_IN_LINK_MAX = 4000   # longer pasted code stays out of the link (it is in the evidence)


def data_to_query(source: dict | None) -> dict[str, str]:
    """``data=<kind>`` plus ``data_<field>`` for the fields that kind uses (empty ones left out)."""
    if not source:
        return {}
    kind = str(source.get("kind", ""))
    out = {"data": kind}
    for name in DATA_FIELDS.get(kind, ()) + ("where", "columns"):
        value = source.get(name)
        if isinstance(value, (list, tuple)):
            value = ",".join(value)
        if value not in (None, ""):
            out[f"data_{name}"] = str(value)
    return out


def _one(params: dict, key: str) -> str | None:
    value = params.get(key)
    if isinstance(value, list):
        value = value[-1] if value else None
    return value


def data_from_query(params: dict) -> dict | None:
    """The source mapping a link carries (None when it carries none)."""
    kind = _one(params, "data")
    if not kind:
        return None
    out = {"kind": kind}
    for name in DATA_FIELDS.get(kind, ()) + ("where", "columns"):
        value = _one(params, f"data_{name}")
        if value not in (None, ""):
            out[name] = value
    return out


def code_to_query(codes: dict[str, dict]) -> dict[str, str]:
    """``code.<role>`` (pasted code, if short enough), ``code.<role>.function`` and ``.ref``."""
    out = {}
    for role, values in sorted(codes.items()):
        for name in CODE_FIELDS:
            value = (values.get(name) or "").strip("\n")
            if not value.strip() or (name == "code" and len(value) > CODE_IN_LINK_MAX):
                continue
            out[f"code.{role}" if name == "code" else f"code.{role}.{name}"] = value
    return out


def code_from_query(params: dict) -> dict[str, dict]:
    codes: dict[str, dict] = {}
    for key in params:
        if not key.startswith("code."):
            continue
        role, _, name = key[len("code."):].partition(".")
        if role and name in ("", "function", "ref"):
            codes.setdefault(role, {})[name or "code"] = _one(params, key) or ""
    return codes


def is_link_key(key: str) -> bool:
    """A query parameter this module writes for the data or the code (to clear before rewriting)."""
    return key == "data" or key.startswith(("data_", "code."))
