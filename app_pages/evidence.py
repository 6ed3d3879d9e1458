"""Evidence: the session's log and its Markdown report."""
import streamlit as st

from app_pages import state
from dcs_engine import evidence

state.init()
book = state.runbook()
entries = st.session_state.evidence
st.title("Evidence")
st.markdown("Every step, answer, run and error of this browser session, for an incident ticket.")
titles = {n.id: n.title for n in book.nodes.values()}
text = evidence.report(entries, book.title, state.walk().path, titles)
st.download_button("Download report (.md)", text, file_name="dcs-doctor-report.md", mime="text/markdown",
                   key="evidence_download", type="primary")
if st.button("Clear the log", key="evidence_clear", disabled=not entries):
    entries.clear()
    st.rerun()
if not entries:
    st.info("Nothing recorded yet: walk the tree on the Diagnose page.")
st.markdown(text)
