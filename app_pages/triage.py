"""Triage: paste a traceback or a log, get the innermost error and where to go next."""
import streamlit as st

from app_pages import results, state
from dcs_engine import config, limits, service
from runbook.walk import route_to

state.init()
ss = st.session_state
st.title("Triage a traceback")
tech = service.technique("triage")
if not tech.runnable:
    st.info("Traceback triage arrives with its engine function; until then use the snippet.")
    st.code(tech.snippet, language="python")
    st.stop()
ss.setdefault("triage_text_saved", "")
if "triage_text" not in ss:
    ss.triage_text = ss.triage_text_saved
st.text_area("Paste the traceback or log text", key="triage_text", height=260)
ss.triage_text_saved = ss.triage_text
up = st.file_uploader("…or upload a log file", key=f"triage_upload_{ss.get('upload_round', 0)}",
                      max_upload_size=config.limits().upload_mb)
if st.button("Triage", key="triage_go", type="primary"):
    if up is not None:  # streamed to a file in the data dir, removed as soon as the run is done
        limits.check_upload_size(up.size, up.name)
        with limits.saved_upload(up, up.name) as path:
            handle = service.start_run_as(state.user(), ss.owner, "triage", {"path": str(path)})
            handle.wait()
        ss.upload_round = ss.get("upload_round", 0) + 1  # a fresh uploader: Streamlit lets go of the file
    else:
        handle = service.start_run_as(state.user(), ss.owner, "triage", {"text": ss.triage_text})
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
