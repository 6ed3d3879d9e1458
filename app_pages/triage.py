"""Triage: paste a traceback or a log, get the innermost error and where to go next."""
import streamlit as st

from app_pages import results, state
from dcs_engine import registry, service
from runbook.walk import route_to

state.init()
ss = st.session_state
st.title("Triage a traceback")
tech = registry.get("triage")
if not tech.runnable:
    st.info("Traceback triage arrives with its engine function; until then use the snippet.")
    st.code(tech.snippet, language="python")
    st.stop()
ss.setdefault("triage_text_saved", "")
if "triage_text" not in ss:
    ss.triage_text = ss.triage_text_saved
st.text_area("Paste the traceback or log text", key="triage_text", height=260)
ss.triage_text_saved = ss.triage_text
up = st.file_uploader("…or upload a log file", key="triage_upload")
if st.button("Triage", key="triage_go", type="primary"):
    params = {"text": ss.triage_text}
    if up is not None:
        import tempfile

        with tempfile.NamedTemporaryFile("wb", suffix=".log", delete=False) as fh:
            fh.write(up.getvalue())
        params = {"path": fh.name}
    handle = service.start_run(ss.owner, "triage", params)
    handle.wait()
    ss.triage_result = handle.outcome()
res = ss.get("triage_result")
if res is not None:
    results.render("triage", res)
    node_id = getattr(res, "node_id", None) or getattr(getattr(res, "report", None), "node_id", None)
    book = state.runbook()
    target = node_id and route_to(book, node_id)
    if target and st.button(f"Continue in the runbook at “{book.node(node_id).title}”", key="triage_to_tree"):
        state.set_walk(target, "from the Triage page")
        st.switch_page("app_pages/diagnose.py")
