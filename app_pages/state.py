"""Per-browser-session state kept in st.session_state under our own keys.

Widget values are copied into ``forms`` so nothing the user typed is lost when
they leave a page.
"""
from __future__ import annotations

import uuid

import streamlit as st

from dcs_engine import evidence
from runbook import Runbook, load_default
from runbook.walk import Walk


@st.cache_resource(show_spinner=False)
def _default_runbook() -> Runbook:
    return load_default()


def init() -> None:
    ss = st.session_state
    if "owner" not in ss:
        ss.owner = uuid.uuid4().hex[:8]
        ss.evidence = []          # list[evidence.Entry]
        ss.walk = Walk()
        ss.forms = {}             # node id -> {param: value}
        ss.runs = {}              # node id -> handle id of the latest run there
        ss.logged_runs = set()    # handle ids already written to the evidence log
        ss.walk_loaded = False
        ss.runbook_error = None


def runbook() -> Runbook:
    init()
    if "runbook" not in st.session_state:
        try:
            st.session_state.runbook = _default_runbook()
        except Exception as exc:  # a bad $DCS_RUNBOOK: fall back to the built-in tree
            from runbook import load_builtin

            st.session_state.runbook_error = str(exc)
            st.session_state.runbook = load_builtin()
    return st.session_state.runbook


def set_runbook(book: Runbook) -> None:
    st.session_state.runbook = book
    st.session_state.walk = Walk()
    st.session_state.runs = {}
    st.query_params.clear()


def walk() -> Walk:
    init()
    return st.session_state.walk


def set_walk(w: Walk, label: str | None = None, keep_failure: bool = False) -> None:
    """Move, log the step, and mirror the walk into the URL."""
    if not keep_failure:
        st.session_state.failure = None
    old = st.session_state.walk
    st.session_state.walk = w
    book = runbook()
    if w.current and len(w.path) > len(old.path):
        prev = w.path[-2] if len(w.path) > 1 else None
        log(evidence.step(prev, w.current, label or "", book.node(w.current).title))
    elif w.current != old.current:
        what = label or ("back one step" if len(w.path) < len(old.path) else "jumped")
        log(evidence.Entry("step", w.current or "-", (book.node(w.current).title if w.current else "restart"),
                           f"{what} (path now {' → '.join(w.path) or 'empty'})"))
    st.query_params.from_dict({**w.to_query(), **link_query()})   # one update of the URL, not three


def log(entry: evidence.Entry) -> None:
    init()
    st.session_state.evidence.append(entry)


def form(node_id: str) -> dict:
    init()
    return st.session_state.forms.setdefault(node_id, {})


# -- the data under investigation (issue 14): one source and one user's code per diagnosis --------
# ``dui`` is the source mapping (None: each step's own demo data), ``dui_schema`` its SourceSchema,
# ``user_code`` role -> {code, function, ref}.  Carried to every technique node, kept in the link.

def data() -> dict | None:
    return st.session_state.get("dui")


def data_schema():
    return st.session_state.get("dui_schema")


def set_data(source: dict | None, schema=None, note: str = "") -> None:
    """Investigate ``source`` from now on (None: each step's demo data); log it and mirror it in the link."""
    ss = st.session_state
    changed = source != ss.get("dui")
    ss.dui, ss.dui_schema = source, schema
    if changed:
        from dcs_engine import service

        what = service.parse_source(source).describe() if source else "each step's own demo data"
        detail = (schema.summary() if schema is not None else "schema not read yet") if source else ""
        log(evidence.Entry("data", walk().current or "-", f"data under investigation: {what}",
                           (note + " " + detail).strip(), {"source": source} if source else {}))
    _mirror_link()


def user_code(role: str) -> dict:
    return dict(st.session_state.get("user_code", {}).get(role, {}))


def set_user_code(role: str, values: dict) -> None:
    codes = st.session_state.setdefault("user_code", {})
    if codes.get(role) != values:
        codes[role] = dict(values)
        _mirror_link()


def link_query() -> dict[str, str]:
    from runbook.walk import code_to_query, data_to_query

    if data() is None:   # each step's demo data, with each step's demo code
        return {}
    return {**data_to_query(data()), **code_to_query(st.session_state.get("user_code", {}))}


def _mirror_link() -> None:
    from runbook.walk import is_link_key

    for key in [k for k in st.query_params if is_link_key(k)]:
        del st.query_params[key]
    st.query_params.update(link_query())
