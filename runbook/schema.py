"""The runbook format, declared once.

The loader validates against these declarations and :func:`json_schema`
publishes the same declarations as a JSON Schema (``runbook/runbook.schema.json``)
so editors can check runbooks too.
"""
from __future__ import annotations

from dataclasses import dataclass

KINDS = ("symptom", "question", "cause", "technique", "fix")
ID_PATTERN = r"^[a-z][a-z0-9_]*$"


@dataclass(frozen=True)
class Field:
    type: type
    required: bool = False
    doc: str = ""
    enum: tuple = ()
    pattern: str | None = None
    items: str | None = None  # name of the record type of list items


RECORDS: dict[str, dict[str, Field]] = {
    "runbook": {
        "title": Field(str, True, "Name of the runbook, shown in the app and in reports."),
        "version": Field(int, False, "Format version; 1 for now.", enum=(1,)),
        "extends": Field(str, False, "'builtin' to add to / replace nodes of the built-in tree "
                                     "instead of replacing the whole tree.", enum=("builtin",)),
        "nodes": Field(list, True, "The nodes of the decision tree.", items="node"),
    },
    "node": {
        "id": Field(str, True, "Unique id, lower case with underscores; used in URLs.", pattern=ID_PATTERN),
        "kind": Field(str, True, "symptom (a root), question, cause, technique or fix.", enum=KINDS),
        "title": Field(str, True, "Short title shown in the tree."),
        "text": Field(str, True, "A short explanation shown at the node."),
        "question": Field(str, False, "The question the user answers to choose an edge."),
        "technique": Field(str, False, "Engine technique id (technique nodes only)."),
        "params": Field(dict, False, "Default parameters for the technique."),
        "edges": Field(list, False, "Ways on from this node.", items="edge"),
    },
    "edge": {
        "to": Field(str, True, "Id of the node this edge leads to.", pattern=ID_PATTERN),
        "label": Field(str, True, "The answer that takes this edge."),
        "when": Field(str, False, "Technique outcome that makes this the suggested edge."),
        "loop": Field(bool, False, "Declares a deliberate cycle (the print-debugging loop)."),
    },
}

_JSON_TYPES = {str: "string", int: "integer", bool: "boolean", list: "array", dict: "object", float: "number"}


def type_name(t: type) -> str:
    return {str: "a string", int: "an integer", bool: "true or false", list: "a list",
            dict: "a mapping", float: "a number"}[t]


def json_schema() -> dict:
    def record(name: str) -> dict:
        props = {}
        for key, f in RECORDS[name].items():
            p: dict = {"type": _JSON_TYPES[f.type], "description": f.doc}
            if f.enum:
                p["enum"] = list(f.enum)
            if f.pattern:
                p["pattern"] = f.pattern
            if f.items:
                p["items"] = {"$ref": f"#/$defs/{f.items}"}
            props[key] = p
        return {"type": "object", "additionalProperties": False, "properties": props,
                "required": [k for k, f in RECORDS[name].items() if f.required]}

    out = {"$schema": "https://json-schema.org/draft/2020-12/schema",
           "title": "dcs-doctor runbook", **record("runbook"),
           "$defs": {n: record(n) for n in RECORDS if n != "runbook"}}
    return out
