"""Load and validate runbook YAML.

Errors are breadcrumbs: ``file → node 'id' → key``, then what was expected,
what was found, and the fix.  Checks, in order: YAML syntax, structure and
types (from :mod:`runbook.schema`), unique ids, edge targets, technique ids and
their default parameters against the engine registry, edge outcomes, cycles
(only edges declared ``loop: true`` may close one), and reachability from a
symptom.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from dcs_engine import config, registry
from dcs_engine.errors import DcsError, RunbookError

from .model import Edge, Node, Runbook
from .schema import RECORDS, type_name

BUILTIN = Path(__file__).with_name("tree.yaml")
ENV_VAR = "DCS_RUNBOOK"


def _err(where: str, what: str, expected: str, found: str, fix: str) -> RunbookError:
    return RunbookError(where, what, expected=expected, found=found, fix=fix)


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_record(rec_name: str, data, where: str) -> None:
    fields = RECORDS[rec_name]
    if not isinstance(data, dict):
        raise _err(where, "wrong type", "a mapping", f"{type(data).__name__} {_show(data)}",
                   f"write the {rec_name} as 'key: value' lines")
    for key in data:
        if key not in fields:
            raise _err(f"{where} → {key}", "unknown key", "one of " + ", ".join(fields), _show(key),
                       "remove the key or correct its spelling")
    for key, f in fields.items():
        if key not in data:
            if f.required:
                raise _err(f"{where} → {key}", "missing key", f"{type_name(f.type)}", "nothing",
                           f"add '{key}:' ({f.doc.rstrip('.').lower()})")
            continue
        value = data[key]
        ok = isinstance(value, f.type) and not (f.type is int and isinstance(value, bool))
        if not ok:
            fix = f"make '{key}' {type_name(f.type)}"
            if f.type is str and isinstance(value, (bool, int, float)) or value is None:
                fix = f"quote the value of '{key}' (YAML reads yes/no/on/off as booleans, digits as numbers)"
            raise _err(f"{where} → {key}", "wrong type", type_name(f.type),
                       f"{type(value).__name__} {_show(value)}", fix)
        if f.enum and value not in f.enum:
            raise _err(f"{where} → {key}", "invalid value", "one of " + ", ".join(map(str, f.enum)),
                       _show(value), f"use one of the allowed values for '{key}'")
        if f.pattern and not re.match(f.pattern, value):
            raise _err(f"{where} → {key}", "invalid id", "lower-case letters, digits and _ (starting with a letter)",
                       _show(value), "rename it, e.g. 'slow_job'")


class _LimitedLoader(yaml.SafeLoader):
    """safe_load that measures while composing: nesting depth, and the size the document would have with
    every alias expanded, so an alias bomb or a deeply nested document is refused before anything
    expands or recurses."""

    max_depth = 24
    max_expansion = 100_000
    doc_name = "<runbook>"

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if id(node) not in self._sizes:  # an alias to an anchor still being composed: recursive
                raise _limit(self, "yaml_expansion", "recursive alias", "aliases to finished anchors only",
                             "an alias inside its own anchor", "write the structure out without recursion")
            return node
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                raise _limit(self, "runbook_depth", "nested too deep", f"at most {self.max_depth} levels of nesting",
                             f"more than {self.max_depth}", "flatten the structure (a runbook needs about 6 levels)")
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        self._measure(node)
        return node

    def _measure(self, node) -> None:
        if isinstance(node, yaml.MappingNode):
            parts = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            parts = node.value
        else:
            parts = ()
        size = 1 + sum(self._sizes.get(id(n), 1) for n in parts)
        self._sizes[id(node)] = size
        if size > self.max_expansion:
            raise _limit(self, "yaml_expansion", "aliases expand too far",
                         f"at most {self.max_expansion:,} values once aliases are expanded", f"{size:,} or more",
                         "write the repeated parts out, or use fewer nested anchors")


def _limit(loader, limit: str, what: str, expected: str, found: str, fix: str) -> RunbookError:
    mark = loader.peek_event().start_mark
    where = f"{loader.doc_name} line {mark.line + 1}, column {mark.column + 1}"
    var = f"DCS_{limit.upper()}"
    return RunbookError(where, what, expected=expected, found=found, fix=f"{fix}; the limit is {limit} ({var})",
                        params={"limit": limit})


def _loader_for(name: str):
    lim = config.limits()
    return type("RunbookLoader", (_LimitedLoader,), {"max_depth": lim.runbook_depth,
                                                     "max_expansion": lim.yaml_expansion, "doc_name": name})


def _check_size(text: str, name: str) -> None:
    cap = config.limits().runbook_kb
    size = len(text.encode("utf-8", errors="replace"))
    if size > cap * 1024:
        raise RunbookError(name, "file too large", expected=f"at most {cap:,} KB of YAML",
                           found=f"{size / 1024:,.0f} KB",
                           fix="split the runbook, or ask the operator to raise runbook_kb (DCS_RUNBOOK_KB)",
                           params={"limit": "runbook_kb"})


def _parse(text: str, name: str):
    _check_size(text, name)
    try:
        return yaml.load(text, Loader=_loader_for(name))  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name} line {mark.line + 1}, column {mark.column + 1}" if mark else name
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, cmark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and cmark is not None:
            problem += f" ({context} started at line {cmark.line + 1}, column {cmark.column + 1})"
        raise _err(where, "YAML syntax error", "valid YAML", problem,
                   "fix the indentation or quoting at that line") from None


def _check_count(nodes, name: str) -> None:
    cap = config.limits().runbook_nodes
    if isinstance(nodes, list) and len(nodes) > cap:
        raise RunbookError(f"{name} → nodes", "too many nodes", expected=f"at most {cap:,} nodes",
                           found=f"{len(nodes):,}",
                           fix="split it into several runbooks, or ask the operator to raise runbook_nodes "
                               "(DCS_RUNBOOK_NODES)", params={"limit": "runbook_nodes"})


def _structure(data, name: str) -> list[dict]:
    if data is None:
        raise _err(name, "empty file", "a runbook mapping with 'title' and 'nodes'", "nothing",
                   "start from runbook/tree.yaml or the JSON Schema")
    _check_record("runbook", data, name)
    _check_count(data["nodes"], name)
    seen: dict[str, int] = {}
    for i, node in enumerate(data["nodes"]):
        where = f"{name} → nodes[{i}]"
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            where = f"{name} → node '{node['id']}'"
        _check_record("node", node, where)
        if node["id"] in seen:
            raise _err(f"{name} → node '{node['id']}' → id", "duplicate id", "a unique id",
                       f"nodes[{seen[node['id']]}] and nodes[{i}] both use it", "rename one of them")
        seen[node["id"]] = i
        for j, edge in enumerate(node.get("edges", [])):
            _check_record("edge", edge, f"{where} → edges[{j}]")
    return data["nodes"]


def _build(raw_nodes: list[dict], name: str, title: str) -> Runbook:
    nodes = {}
    for raw in raw_nodes:
        edges = tuple(Edge(e["to"], e["label"], e.get("when"), bool(e.get("loop", False)))
                      for e in raw.get("edges", []))
        nodes[raw["id"]] = Node(raw["id"], raw["kind"], raw["title"], raw["text"].strip(), raw.get("question"),
                                raw.get("technique"), dict(raw.get("params") or {}), edges)
    return Runbook(title, name, nodes)


def _semantics(book: Runbook, name: str) -> None:
    ids = book.nodes
    techniques = registry.technique_ids()
    for node in ids.values():
        where = f"{name} → node '{node.id}'"
        if node.kind == "technique":
            if not node.technique:
                raise _err(f"{where} → technique", "missing key", "an engine technique id", "nothing",
                           "add 'technique:' with one of: " + ", ".join(sorted(techniques)))
            if node.technique not in techniques:
                raise _err(f"{where} → technique", "unknown technique", "one of " + ", ".join(sorted(techniques)),
                           _show(node.technique), "use a technique id from the engine registry")
            try:
                registry.coerce_params(registry.get(node.technique), node.params)
            except DcsError as exc:
                raise _err(f"{where} → params", "invalid default parameters", exc.expected or "valid parameters",
                           exc.found or "", exc.fix or "correct the parameters") from None
        elif node.technique is not None or node.params:
            key = "technique" if node.technique is not None else "params"
            raise _err(f"{where} → {key}", "key not allowed here", "'technique'/'params' only on technique nodes",
                       f"kind {node.kind!r}", "set kind: technique, or remove the key")
        outcomes = registry.get(node.technique).outcomes if node.kind == "technique" else ()
        for j, edge in enumerate(node.edges):
            ew = f"{where} → edges[{j}]"
            if edge.to not in ids:
                raise _err(f"{ew} → to", "unknown target", "the id of a node in this runbook", _show(edge.to),
                           "add that node or point the edge at an existing id")
            if edge.when is not None and edge.when not in outcomes:
                exp = "one of " + ", ".join(outcomes) if outcomes else "no 'when' (this node runs no technique)"
                raise _err(f"{ew} → when", "unknown outcome", exp, _show(edge.when),
                           "use an outcome the technique reports, or remove 'when'")
            if ids[edge.to].kind == "symptom" and not edge.loop:
                raise _err(f"{ew} → to", "edge into a symptom", "symptoms to be roots", _show(edge.to),
                           "point the edge at a question or cause, or declare it 'loop: true'")
    if not book.symptoms:
        raise _err(f"{name} → nodes", "no symptom", "at least one node of kind symptom", "none",
                   "add a symptom node as the tree's root")
    _check_cycles(book, name)
    reached: set[str] = set()
    todo = [s.id for s in book.symptoms]
    while todo:
        nid = todo.pop()
        if nid in reached:
            continue
        reached.add(nid)
        todo.extend(e.to for e in ids[nid].edges)
    for nid in ids:
        if nid not in reached:
            raise _err(f"{name} → node '{nid}'", "unreachable node", "every node reachable from a symptom",
                       "no path leads here", "add an edge to it from another node, or remove it")


def _check_cycles(book: Runbook, name: str) -> None:
    """Depth-first search with an explicit stack (a long chain must not hit Python's recursion limit)."""
    WHITE, GREY, BLACK = 0, 1, 2
    color = {nid: WHITE for nid in book.nodes}
    for root in book.nodes:
        if color[root] != WHITE:
            continue
        color[root] = GREY
        stack = [(root, iter(book.nodes[root].edges))]
        while stack:
            nid, edges = stack[-1]
            edge = next((e for e in edges if not e.loop), None)
            if edge is None:
                color[nid] = BLACK
                stack.pop()
            elif color[edge.to] == GREY:
                ids = [n for n, _ in stack]
                cycle = ids[ids.index(edge.to):] + [edge.to]
                raise _err(f"{name} → node '{nid}' → edges (to '{edge.to}')", "undeclared cycle",
                           "no cycles except edges marked 'loop: true'", " → ".join(cycle),
                           "mark the edge that goes back with 'loop: true', or point it elsewhere")
            elif color[edge.to] == WHITE:
                color[edge.to] = GREY
                stack.append((edge.to, iter(book.nodes[edge.to].edges)))


def loads(text: str, name: str = "<runbook>", base: Runbook | None = None) -> Runbook:
    """Parse and validate runbook text.  ``extends: builtin`` merges onto ``base``."""
    data = _parse(text, name)
    raw_nodes = _structure(data, name)
    if data.get("extends") == "builtin":
        base = base or load_builtin()
        merged = {n.id: n for n in base.nodes.values()}
        own = _build(raw_nodes, name, data["title"])
        merged.update(own.nodes)
        book = Runbook(data["title"], f"{base.source} + {name}", merged)
    else:
        book = _build(raw_nodes, name, data["title"])
    _semantics(book, name)
    return book


def load_path(path: str | os.PathLike, base: Runbook | None = None) -> Runbook:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _err(str(p), "file not found", "a readable runbook YAML file", "no such file",
                   f"check the path, or unset {ENV_VAR}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _err(str(p), "unreadable file", "a UTF-8 text file", exc.__class__.__name__,
                   "save the runbook as UTF-8 YAML") from None
    return loads(text, p.name, base)


_builtin_cache: dict[str, Runbook] = {}


def load_builtin() -> Runbook:
    if "b" not in _builtin_cache:
        _builtin_cache["b"] = load_path(BUILTIN)
    return _builtin_cache["b"]


def load_default() -> Runbook:
    """The built-in tree, or the one named by $DCS_RUNBOOK (which may extend it)."""
    env = os.environ.get(ENV_VAR, "").strip()
    return load_path(env) if env else load_builtin()
