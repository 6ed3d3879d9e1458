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

from dcs_engine import registry
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


def _parse(text: str, name: str):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name} line {mark.line + 1}, column {mark.column + 1}" if mark else name
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, cmark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and cmark is not None:
            problem += f" ({context} started at line {cmark.line + 1}, column {cmark.column + 1})"
        raise _err(where, "YAML syntax error", "valid YAML", problem,
                   "fix the indentation or quoting at that line") from None


def _structure(data, name: str) -> list[dict]:
    if data is None:
        raise _err(name, "empty file", "a runbook mapping with 'title' and 'nodes'", "nothing",
                   "start from runbook/tree.yaml or the JSON Schema")
    _check_record("runbook", data, name)
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
    WHITE, GREY, BLACK = 0, 1, 2
    color = {nid: WHITE for nid in book.nodes}

    def visit(nid: str, stack: list[str]):
        color[nid] = GREY
        stack.append(nid)
        for edge in book.nodes[nid].edges:
            if edge.loop:
                continue
            if color[edge.to] == GREY:
                cycle = stack[stack.index(edge.to):] + [edge.to]
                raise _err(f"{name} → node '{nid}' → edges (to '{edge.to}')", "undeclared cycle",
                           "no cycles except edges marked 'loop: true'", " → ".join(cycle),
                           "mark the edge that goes back with 'loop: true', or point it elsewhere")
            if color[edge.to] == WHITE:
                visit(edge.to, stack)
        stack.pop()
        color[nid] = BLACK

    for nid in book.nodes:
        if color[nid] == WHITE:
            visit(nid, [])


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
