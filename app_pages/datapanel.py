"""The data under investigation: chosen once per diagnosis, shown and changeable at every step.

One source (path + format, a table, or a demo dataset, with an optional where clause and column
list) is carried to every technique node; its schema is read once, through the service, when it
is chosen, and the techniques' column parameters are prefilled from it.  "Each step's demo data"
is the tutorial: every technique runs on the demo dataset made for it.

Widget keys: ``data_kind`` (radio), ``data_path``, ``data_format``, ``data_table``, ``data_demo``,
``data_rows``, ``data_seed``, ``data_where``, ``data_columns`` and the button ``data_use``.
"""
from __future__ import annotations

import streamlit as st

from dcs_engine import evidence, service
from dcs_engine.errors import DcsError

from . import state

MODES = {"steps": "Each step's demo data", "path": "A path", "table": "A table", "demo": "A demo dataset"}
DEFAULTS = {"demo": "telemetry", "rows": 10_000, "seed": 42, "path": "", "format": "parquet", "table": "",
            "where": "", "columns": ""}
KIND_FIELDS = {"demo": ("demo", "rows", "seed"), "path": ("path", "format"), "table": ("table",)}


def demo_names() -> list[str]:
    """Demo datasets, the lessons' included (registered through the course's explicit API)."""
    try:
        from lessons import course

        course.register_datasets()
    except Exception:  # noqa: BLE001 - a broken lesson folder is reported on the Lessons page, not here
        pass
    return service.demo_datasets()


def normal(source: dict) -> dict:
    """A source mapping checked (SourceError if it is not one) and reduced to the fields its kind uses."""
    spec = service.parse_source(source)
    out = {"kind": spec.kind, **{f: getattr(spec, f) for f in KIND_FIELDS.get(spec.kind, ())}}
    if spec.where:
        out["where"] = spec.where
    if spec.columns:
        out["columns"] = ", ".join(spec.columns)
    return out


def from_link(source: dict | None) -> str | None:
    """Investigate the data a link names; a problem to show, or None."""
    if not source:
        return None
    try:
        state.set_data(normal(source), None, note="(from the link)")
    except DcsError as exc:
        return f"its data could not be used ({exc.message})"
    return None


def title() -> str:
    src = state.data()
    return "each step's own demo data" if src is None else service.parse_source(src).describe()


def _seed() -> None:
    """Give the editor's widgets the current data's values whenever they are (re)drawn."""
    ss = st.session_state
    cur = state.data() or {}
    if "data_kind" not in ss:
        ss.data_kind = cur.get("kind", "steps")
    for name, default in DEFAULTS.items():
        key = f"data_{name}"
        if key not in ss:
            value = cur.get(name, default)
            ss[key] = ", ".join(value) if isinstance(value, (list, tuple)) else value


def ensure_schema():
    """The data's SourceSchema, read through the service once per source (None in the tutorial or on error)."""
    ss = st.session_state
    src, schema = state.data(), state.data_schema()
    if src is None or schema is not None:
        return schema
    if (ss.get("dui_error") or (None,))[0] == src:
        return None
    try:
        with st.spinner(f"Reading the schema of {title()} (Spark starts on first use)…"):
            schema = service.describe_source(ss.owner, src)
    except DcsError as exc:
        ss.dui_error = (src, exc.message)
        return None
    state.set_data(src, schema)
    return schema


def _fields(kind: str) -> dict:
    if kind == "steps":
        st.caption("The tutorial: each technique runs on the demo dataset made for it, with its demo code. "
                   "Choose a path, a table or one demo dataset to investigate it at every step.")
        return {}
    out: dict = {}
    if kind == "path":
        c1, c2 = st.columns([3, 1])
        out["path"] = c1.text_input("Path (file, directory or glob)", key="data_path").strip()
        out["format"] = c2.selectbox("Format", service.source_formats(), key="data_format")
    elif kind == "table":
        out["table"] = st.text_input("Table name", key="data_table").strip()
    else:
        names = demo_names()
        if st.session_state.data_demo not in names:
            st.session_state.data_demo = names[0]
        c1, c2, c3 = st.columns([2, 1, 1])
        out["demo"] = c1.selectbox("Dataset", names, key="data_demo")
        out["rows"] = int(c2.number_input("Rows", key="data_rows", min_value=0, step=1000))
        out["seed"] = int(c3.number_input("Seed", key="data_seed", step=1))
    out["where"] = st.text_input("Where clause (optional, SQL)", key="data_where").strip()
    out["columns"] = st.text_input("Columns (optional, comma-separated)", key="data_columns").strip()
    return out


def _apply(kind: str, values: dict) -> None:
    """Check the source, read its schema through the service, and carry it from now on."""
    ss = st.session_state
    ss.dui_refused = None
    if kind == "steps":
        state.set_data(None)
        st.rerun()
    source = {"kind": kind, **values}
    try:
        source = normal(source)
        with st.spinner("Reading the schema (Spark starts on first use)…"):
            schema = service.describe_source(ss.owner, source)
    except DcsError as exc:
        ss.dui_refused = exc.message
        state.log(evidence.error(state.walk().current or "-", "data under investigation refused", exc.message,
                                 {"source": source}))
        return
    ss.dui_error = None
    state.set_data(source, schema)
    st.rerun()


def panel() -> None:
    """The box at the top of the Diagnose page: what is investigated, and the editor to change it."""
    ss = st.session_state
    _seed()
    schema = ensure_schema()
    src = state.data()
    failed = ss.get("dui_refused") or (src is not None and schema is None)
    opened = failed or not state.walk().path   # open at the start, and whenever it needs attention
    with st.expander(f"Data under investigation: {title()}", expanded=bool(opened), icon="🔎"):
        if schema is not None:
            st.caption(f"Carried to every technique of this diagnosis, and in the link. {schema.summary()}")
        elif src is not None and ss.get("dui_error"):
            st.error(f"This data cannot be read: {ss.dui_error[1]}", icon="🚫")
        kind = st.radio("Investigate", list(MODES), key="data_kind", format_func=MODES.get, horizontal=True)
        with st.form("data_form", border=False):
            values = _fields(kind)
            go = st.form_submit_button("Use this data" if kind != "steps" else "Use each step's demo data",
                                       key="data_use", type="primary")
        if go:
            _apply(kind, values)
        if ss.get("dui_refused"):
            st.error(ss.dui_refused, icon="🚫")


def summary_line() -> None:
    """One line at a technique node: which data it runs on."""
    src = state.data()
    if src is None:
        st.caption("Runs on this step's demo data (below). To investigate your data at every step, "
                   "choose it under **Data under investigation** at the top.")
    else:
        st.info(f"Runs on the data under investigation: **{title()}** (change it at the top of the page).",
                icon="🔎")
