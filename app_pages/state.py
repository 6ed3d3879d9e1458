"""Per-browser-session state kept in st.session_state under our own keys.

Widget values are copied into ``forms`` so nothing the user typed is lost when
they leave a page.
"""
from __future__ import annotations

import time
import uuid

import streamlit as st

from dcs_engine import access, evidence
from runbook import Runbook, load_default
from runbook.walk import Walk, validate


@st.cache_resource(show_spinner=False)
def _default_runbook() -> Runbook:
    return load_default()


def init() -> None:
    ss = st.session_state
    if "owner" not in ss:
        ss.owner = uuid.uuid4().hex[:8]
        ss.evidence = []          # evidence.Log: a view of the stored incident (set by _attach_incident)
        ss.walk = Walk()
        ss.forms = {}             # node id -> {param: value}
        ss.runs = {}              # node id -> handle id of the latest run there
        ss.logged_runs = set()    # handle ids already written to the evidence log
        ss.walk_loaded = False
        ss.runbook_error = None
        _attach_incident()


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
    _mirror_url(Walk())


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
    _mirror_url(w)


def log(entry: evidence.Entry) -> None:
    """Write the entry to the stored incident now (starting one with the first entry)."""
    init()
    st.session_state.evidence.append(entry if entry.author else entry.with_author(user().name))


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


# --- the stored incident and the signed-in user ------------------------------------------------
# The evidence log is the stored record (dcs_engine.incidents): ?incident=<id> in the URL names it, so
# a reload, a restart or a colleague opening the link sees the same steps.

def store():
    from dcs_engine import incidents

    return incidents.default_store()


def _attach_incident(incident_id: str | None = None) -> None:
    """Bind this session to the incident named in the URL (or ``incident_id``), else to none yet."""
    ss = st.session_state
    wanted = incident_id or st.query_params.get("incident")
    inc = store().get(wanted) if wanted else None
    ss.incident_problem = (f"incident '{wanted}' is not stored here; your next step starts a new one"
                           if wanted and inc is None else None)
    ss.incident = inc.id if inc else None
    ss.evidence = evidence.Log(store(), ss.incident, starter=_start_incident)
    if inc and inc.path and (incident_id or not st.query_params.get("path")):
        ss.walk, _ = validate(runbook(), inc.path)


def _start_incident() -> str:
    ss = st.session_state
    inc = store().create(title=f"Incident of {time.strftime('%Y-%m-%d %H:%M')}", runbook=runbook().title,
                         by=user().name)
    ss.incident = inc.id
    st.query_params["incident"] = inc.id
    return inc.id


def _mirror_url(w: Walk) -> None:
    """The URL names the incident and the walk; the incident remembers the walk."""
    ss = st.session_state
    incident = {"incident": ss.incident} if ss.get("incident") else {}
    st.query_params.from_dict({**w.to_query(), **link_query(), **incident})   # one update of the URL
    if ss.get("incident"):
        store().set_path(ss.incident, w.path)


def open_incident(incident_id: str) -> None:
    """Switch this session to a stored incident (its log and its walk)."""
    init()
    _attach_incident(incident_id)
    st.session_state.runs = {}
    _mirror_url(st.session_state.walk)


def new_incident() -> None:
    """Leave the current incident (it stays stored); the next step starts a new one."""
    init()
    ss = st.session_state
    ss.incident, ss.walk, ss.runs, ss.failure = None, Walk(), {}, None
    ss.evidence = evidence.Log(store(), None, starter=_start_incident)
    _mirror_url(ss.walk)


def user() -> access.User:
    """The signed-in user (set by app_pages.login.gate); a viewer if no gate ran."""
    found = st.session_state.get("user")
    return found if isinstance(found, access.User) else access.User("anonymous", "viewer", "none")


def may(action: str) -> bool:
    return access.allowed(user(), action)
