"""Forms for technique parameters, drawn from the registry's declarations.

Values live in our own per-node dict (``state.form``) so they survive page
changes; widget keys are ``p_<node>_<param>`` (the browser tests locate widgets
by these keys).
"""
from __future__ import annotations

import streamlit as st

from dcs_engine.inputs import demo
from dcs_engine.inputs.sources import FORMATS, KINDS
from dcs_engine.registry import Param, Technique

from . import state


def _key(node_id: str, name: str) -> str:
    return f"p_{node_id}_{name}"


def _seed(key: str, saved: dict, name: str, default):
    """Give a widget its remembered value (or the default) before it is drawn."""
    if key not in st.session_state:
        st.session_state[key] = saved.get(name, default)


def _one(node_id: str, p: Param, saved: dict, default):
    key = _key(node_id, p.name)
    if p.kind == "source":
        return _source(node_id, saved.get(p.name) or default or {})
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
    return st.text_input(label, key=key, help=helptext)


def _register_lesson_datasets() -> None:
    """Lessons' data sets are demo datasets too (``lesson-<id>``), also outside the Lessons page."""
    try:
        from lessons import course

        course.discover()
    except Exception:  # a broken lesson folder is reported on the Lessons page, not here
        pass


def _source(node_id: str, value: dict) -> dict:
    k = lambda name: _key(node_id, f"source_{name}")  # noqa: E731
    defaults = {"kind": "demo", "demo": "telemetry", "rows": 10_000, "seed": 42, "path": "",
                "format": "parquet", "table": "", "where": "", "columns": ""}
    cur = {**defaults, **value}
    if isinstance(cur["columns"], (list, tuple)):
        cur["columns"] = ", ".join(cur["columns"])
    for name, v in cur.items():
        if k(name) not in st.session_state:
            st.session_state[k(name)] = v
    st.markdown("**Data source**")
    kind = st.radio("Source", KINDS, key=k("kind"), horizontal=True,
                    format_func={"demo": "Demo dataset", "path": "Path", "table": "Table"}.get)
    out = {"kind": kind}
    if kind == "demo":
        _register_lesson_datasets()
        names = demo.names()
        if st.session_state[k("demo")] not in names:
            st.session_state[k("demo")] = names[0]
        c1, c2, c3 = st.columns([2, 1, 1])
        out["demo"] = c1.selectbox("Dataset", names, key=k("demo"))
        out["rows"] = int(c2.number_input("Rows", key=k("rows"), min_value=0, step=1000))
        out["seed"] = int(c3.number_input("Seed", key=k("seed"), step=1))
    elif kind == "path":
        c1, c2 = st.columns([3, 1])
        out["path"] = c1.text_input("Path (file, directory or glob)", key=k("path"))
        out["format"] = c2.selectbox("Format", FORMATS, key=k("format"))
    else:
        out["table"] = st.text_input("Table name", key=k("table"))
    out["where"] = st.text_input("Where clause (optional, SQL)", key=k("where"),
                                 placeholder="submission_date > '20170519'")
    out["columns"] = st.text_input("Columns (optional, comma-separated)", key=k("columns"))
    return out


def param_form(node_id: str, tech: Technique, node_defaults: dict) -> dict:
    """Draw the form; return the raw values (checked later by the registry)."""
    saved = state.form(node_id)
    values = {}
    for p in tech.params:
        default = node_defaults.get(p.name, p.default)
        values[p.name] = _one(node_id, p, saved, default)
    saved.update(values)
    return values
