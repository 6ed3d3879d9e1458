"""Evidence: the stored incident (its link, its log, its report) and the other stored incidents."""
import time

import streamlit as st

from app_pages import state
from dcs_engine import evidence
from runbook.walk import Walk

state.init()
book = state.runbook()
ss = st.session_state
store = state.store()
titles = {n.id: n.title for n in book.nodes.values()}


def _link(incident_id: str, path: tuple[str, ...]) -> str:
    base = str(getattr(st.context, "url", "") or "").split("?")[0]
    query = "&".join(f"{k}={v}" for k, v in {"incident": incident_id, **Walk(path).to_query()}.items())
    return f"{base}?{query}" if base else f"?{query}"


st.title("Evidence")
st.markdown("Every step, answer, run and error of this incident, stored as it happens: a reload, a restart "
            "or a colleague opening the link sees the same log.")
if ss.get("incident_problem"):
    st.warning(ss.incident_problem, icon="🔗")
inc = store.get(ss.incident) if ss.incident else None
path = state.walk().path
if inc is None:
    st.info("Nothing recorded yet: walk the tree on the Diagnose page (your first step opens an incident).")
    text = evidence.report([], book.title, path, titles)
else:
    link = _link(inc.id, path)
    opened = time.strftime("%Y-%m-%d %H:%M", time.localtime(inc.created_at))
    st.markdown(f"**Incident `{inc.id}`** — {inc.title} · opened {opened} by {inc.created_by} · "
                f"{len(ss.evidence)} entries")
    st.caption("Link to this incident (anyone signed in can open it):")
    st.code(link, language=None)
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    title = c1.text_input("Title", value=inc.title, key=f"incident_title_{inc.id}")
    if c2.button("Rename", key="incident_rename", disabled=title.strip() in ("", inc.title)):
        store.rename(inc.id, title.strip())
        st.rerun()
    text = store.report(inc.id, titles, path=path, link=link)
cols = st.columns(2)
cols[0].download_button("Download report (.md)", text, file_name=f"dcs-doctor-{ss.incident or 'report'}.md",
                        mime="text/markdown", key="evidence_download", type="primary")
if cols[1].button("Start a new incident", key="incident_new", disabled=inc is None,
                  help="This one stays stored and listed below"):
    state.new_incident()
    st.rerun()
st.markdown(text)

st.subheader("Stored incidents")
recent = store.recent(20)
if not recent:
    st.caption("None yet.")
for other in recent:
    row = st.columns([4, 1], vertical_alignment="center")
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(other.updated_at or other.created_at))
    mark = " (open here)" if other.id == ss.incident else ""
    row[0].markdown(f"`{other.id}` — {other.title} · {other.created_by} · last change {when}{mark}")
    if row[1].button("Open", key=f"incident_open_{other.id}", disabled=other.id == ss.incident):
        state.open_incident(other.id)
        st.rerun()
