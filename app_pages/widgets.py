"""Forms for technique parameters, drawn from the registry's declarations.

Values live in our own per-node dict (``state.form``) so they survive page changes; widget keys
are ``p_<node>_<param>`` (the browser tests locate widgets by these keys).

With a data under investigation chosen (``state.data()``), the form follows it: the source is
that data (not retyped), column parameters are pick-lists of its columns prefilled from its
schema, the user's code is shared by every technique that takes the same kind of code (keys
``fn_<role>_code`` / ``_function`` / ``_ref``), and the parameters are checked against the schema
before Run.  Without one (the tutorial), each step has its own demo data and demo code.
"""
from __future__ import annotations

import json
import re

import streamlit as st

from dcs_engine import service
from dcs_engine.errors import DcsError

from . import datapanel, state

# What a column parameter is for, where the kind alone does not say it.
OPTIONAL_COLUMNS = {("branch_count", "group_by"), ("naughty_rows", "arguments")}
NUMERIC_COLUMNS = {("divide_conquer", "column")}
# A true/false SQL expression: prefilled with a boolean column of the data (or left empty).
MEASURES = {("sample", "measure")}
# Defaults that belong to the demo data or the demo code (category names, expectations about the
# demo function's lines): meaningless on the user's data and code, so left empty there.
DEMO_VALUES = {("sample", "numerator"), ("sample", "denominator"), ("branch_count", "expectations")}
CODE_PARAMS = ("code", "function", "ref")
NUMERIC_TYPES = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal")


def _key(node_id: str, name: str) -> str:
    return f"p_{node_id}_{name}"


def _seed(key: str, saved: dict, name: str, default):
    """Give a widget its remembered value (or the default) before it is drawn."""
    if key not in st.session_state:
        st.session_state[key] = saved.get(name, default)


def _one(node_id: str, p, saved: dict, default, key: str | None = None):
    key = key or _key(node_id, p.name)
    _seed(key, saved, p.name, default)
    label, helptext = p.title, p.help or None
    if p.kind in ("int", "float"):
        num = int if p.kind == "int" else float
        try:  # Streamlit wants value, min and max of one numeric type
            st.session_state[key] = num(st.session_state[key])
        except (TypeError, ValueError):
            st.session_state[key] = num(default or 0)
        return st.number_input(label, key=key, step=num(1) if p.kind == "int" else None,
                               min_value=None if p.min is None else num(p.min),
                               max_value=None if p.max is None else num(p.max), help=helptext,
                               format=None if p.kind == "int" else "%g")
    if p.kind == "bool":
        return st.checkbox(label, key=key, help=helptext)
    if p.kind == "choice":
        if st.session_state[key] not in p.choices:
            st.session_state[key] = p.choices[0]
        return st.selectbox(label, p.choices, key=key, help=helptext)
    if p.kind in ("text", "code"):
        return st.text_area(label, key=key, help=helptext, height=220 if p.kind == "code" else 140)
    if isinstance(st.session_state[key], (list, tuple)):
        st.session_state[key] = ", ".join(st.session_state[key])
    return st.text_input(label, key=key, help=helptext)


# -- the source ---------------------------------------------------------------------------------

def _step_source(node_id: str, value: dict) -> dict:
    """The tutorial: this step's own demo data (dataset, size, seed, where, columns)."""
    k = lambda name: _key(node_id, f"source_{name}")  # noqa: E731
    cur = {"kind": "demo", **datapanel.DEFAULTS, **value}
    if cur["kind"] != "demo":   # a runbook's node that names its own data: shown, used as it is
        st.markdown(f"**Data:** {service.parse_source(value).describe()}")
        return dict(value)
    if isinstance(cur["columns"], (list, tuple)):
        cur["columns"] = ", ".join(cur["columns"])
    for name in ("demo", "rows", "seed", "where", "columns"):
        if k(name) not in st.session_state:
            st.session_state[k(name)] = cur[name]
    st.markdown("**This step's demo data**")
    names = datapanel.demo_names()
    if st.session_state[k("demo")] not in names:
        st.session_state[k("demo")] = names[0]
    c1, c2, c3 = st.columns([2, 1, 1])
    out = {"kind": "demo", "demo": c1.selectbox("Dataset", names, key=k("demo")),
           "rows": int(c2.number_input("Rows", key=k("rows"), min_value=0, step=1000)),
           "seed": int(c3.number_input("Seed", key=k("seed"), step=1))}
    out["where"] = st.text_input("Where clause (optional, SQL)", key=k("where"),
                                 placeholder="submission_date > '20170519'")
    out["columns"] = st.text_input("Columns (optional, comma-separated)", key=k("columns"))
    return out


# -- the user's code, shared by role ------------------------------------------------------------

def code_role(tech) -> str | None:
    """Which kind of code a technique takes, from its code parameter's label ("Your function",
    "Your combining function", "Your job"…): techniques with the same role share the user's code."""
    code = next((p for p in tech.params if p.name == "code" and p.kind == "code"), None)
    if code is None:
        return None
    words = re.sub(r"\(.*?\)", "", code.title).lower().replace("your ", "").strip()
    return re.sub(r"[^a-z0-9]+", "-", words).strip("-") or "code"


def _user_code(tech, p, role: str) -> str:
    key = f"fn_{role}_{p.name}"
    if key not in st.session_state:
        st.session_state[key] = state.user_code(role).get(p.name, "")
    helptext = (p.help + " " if p.help else "") + "Shared by every technique of this diagnosis that takes this code."
    if p.kind == "code":
        return st.text_area(p.title, key=key, help=helptext, height=220,
                            placeholder="def my_function(row):\n    ...")
    return st.text_input(p.title, key=key, help=helptext)


# -- column parameters from the schema ------------------------------------------------------------

def column_kind(tech, p) -> str | None:
    """"column"/"columns" for a parameter that names columns of the source, else None."""
    return p.kind if p.kind in ("column", "columns") else None


def _names(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value or "").split(",") if v.strip()]


def prefill_columns(tech, p, default, schema) -> list[str]:
    """The columns to prefill: the default's where the data has them, else a pick by type."""
    have = [c for c in _names(default) if c in schema.columns]
    if have or (tech.id, p.name) in OPTIONAL_COLUMNS:
        return have
    typed = list(zip(schema.columns, schema.types))
    if (tech.id, p.name) in NUMERIC_COLUMNS:
        picks = [c for c, t in typed if t.startswith(NUMERIC_TYPES)]
    else:   # a key or a stratum: text first, then whole numbers, dates and booleans
        picks = ([c for c, t in typed if t == "string"]
                 + [c for c, t in typed if t in ("int", "bigint", "smallint", "tinyint", "date", "boolean")])
    picks = picks or list(schema.columns)
    return picks[:1]


def _column(node_id: str, tech, p, kind: str, default, schema):
    key = _key(node_id, p.name)
    cols = list(schema.columns)
    optional = (tech.id, p.name) in OPTIONAL_COLUMNS or (p.kind != "str" and not p.required)
    prefill = prefill_columns(tech, p, default, schema)
    helptext = (p.help + " " if p.help else "") + "The columns of the data under investigation."
    if kind == "columns":
        current = _names(st.session_state.get(key))
        st.session_state[key] = current if key in st.session_state and set(current) <= set(cols) else prefill
        chosen = st.multiselect(p.title, cols, key=key, help=helptext)
        return ", ".join(chosen) if p.kind == "str" else list(chosen)
    options = ([""] if optional else []) + cols
    if st.session_state.get(key) not in options:
        st.session_state[key] = prefill[0] if prefill else options[0]
    return st.selectbox(p.title, options, key=key, help=helptext, format_func=lambda c: c or "(none)")


def _measure(node_id: str, p, default, schema) -> str:
    key = _key(node_id, p.name)
    booleans = [c for c, t in zip(schema.columns, schema.types) if t == "boolean"]
    if key not in st.session_state:
        st.session_state[key] = default if default in booleans else (booleans[0] if booleans else "")
    hint = ("True/false columns here: " + ", ".join(booleans)) if booleans else "This data has no true/false column."
    return st.text_input(p.title, key=key, help=f"{p.help or ''} {hint}".strip())


# -- the form -----------------------------------------------------------------------------------

def _reseed_for(node_id: str, tech, src: dict | None) -> None:
    """When the data under investigation changed since this node's form was filled, forget the
    values that depended on the old data (columns, measures, demo values) so they are prefilled again."""
    ss = st.session_state
    seen = ss.setdefault("form_source", {})
    ident = json.dumps(src, sort_keys=True, default=str)
    if seen.get(node_id) == ident:
        return
    seen[node_id] = ident
    saved = state.form(node_id)
    for p in tech.params:
        if column_kind(tech, p) or (tech.id, p.name) in MEASURES | DEMO_VALUES:
            saved.pop(p.name, None)
            ss.pop(_key(node_id, p.name), None)


def _draw(node_id: str, tech, p, saved: dict, default, src, schema, role):
    if p.kind == "source":
        if src is None:
            return _step_source(node_id, saved.get(p.name) or default or {})
        datapanel.summary_line()
        return dict(src)
    if src is not None and role and p.name in CODE_PARAMS:
        return _user_code(tech, p, role)
    if schema is not None:
        kind = column_kind(tech, p)
        if kind:
            return _column(node_id, tech, p, kind, default, schema)
        if (tech.id, p.name) in MEASURES:
            return _measure(node_id, p, default, schema)
        if (tech.id, p.name) in DEMO_VALUES and saved.get(p.name) is None:
            default = ""
    return _one(node_id, p, saved, default)


def param_form(node_id: str, tech, node_defaults: dict) -> dict:
    """Draw the form; return the raw values.  Problems found before any Spark job are shown under
    the form and kept for :func:`problem` (the Run button is disabled while there is one)."""
    src = state.data()
    has_source = any(p.kind == "source" for p in tech.params)
    schema = datapanel.ensure_schema() if src is not None and has_source else None
    if has_source:
        _reseed_for(node_id, tech, src)
    saved = state.form(node_id)
    role = code_role(tech)
    values = {}
    for p in tech.params:
        default = node_defaults.get(p.name, p.default)
        values[p.name] = _draw(node_id, tech, p, saved, default, src, schema, role)
    if src is not None and role:
        state.set_user_code(role, {n: values[n] for n in CODE_PARAMS if n in values})
    carried = set(CODE_PARAMS) | {p.name for p in tech.params if p.kind == "source"}
    saved.update({k: v for k, v in values.items() if src is None or k not in carried})   # the step's own only
    _check(node_id, tech, values, schema, has_source and src is not None)
    return values


def _check(node_id: str, tech, values: dict, schema, on_data: bool) -> None:
    problems = st.session_state.setdefault("param_problems", {})
    problems[node_id] = None
    if on_data and schema is None:
        problems[node_id] = "The data under investigation could not be read: see the box at the top of the page."
    else:
        try:
            service.check_params(tech.id, values, schema.columns if on_data else None)
        except DcsError as exc:
            problems[node_id] = exc.message
    if problems[node_id]:
        st.error(problems[node_id], icon="🚫")


def problem(node_id: str) -> str | None:
    """Why the node's parameters cannot run yet (None when they can)."""
    return st.session_state.get("param_problems", {}).get(node_id)
