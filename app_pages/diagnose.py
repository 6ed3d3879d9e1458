"""Diagnose: walk the runbook, run techniques, follow their results."""
import streamlit as st

from app_pages import results, state
from app_pages.runpanel import run_panel
from dcs_engine import registry
from runbook.graph import to_dot
from runbook.walk import from_query

state.init()
book = state.runbook()
ss = st.session_state

if not ss.walk_loaded:  # first visit in this browser session: follow the link, if any
    ss.walk_loaded = True
    if st.query_params.get("path"):
        w, problem = from_query(book, dict(st.query_params))
        ss.walk = w
        if problem:
            ss.link_problem = problem
if ss.get("link_problem"):
    st.warning(f"The link could not be followed completely: {ss.link_problem}.", icon="🔗")

walk = state.walk()
st.title("Diagnose")
suggested = None
panel = st.container()

with panel:
    if not walk.path:
        st.markdown("**What are you seeing?** Pick the symptom that fits best.")
        for node in book.symptoms:
            if st.button(node.title, key=f"sym_{node.id}", width="stretch"):
                state.set_walk(walk.start(node.id), f"symptom: {node.title}")
                st.rerun()
            st.caption(node.text)
    else:
        node = book.node(walk.current)
        failure = ss.get("failure")
        if failure:
            st.error(f"The run of **{failure['technique']}** failed and was triaged; the runbook moved "
                     f"here. Innermost error: **{failure['report'].headline}**", icon="🧯")
            with st.expander("Triage of the failure"):
                results.render("triage", failure["report"])
        nav = st.columns(3)
        if nav[0].button("← Back", key="nav_back", disabled=len(walk.path) < 2):
            state.set_walk(walk.back())
            st.rerun()
        if nav[1].button("⟲ Restart", key="nav_restart"):
            state.set_walk(walk.restart())
            st.rerun()
        if len(walk.path) > 1:
            st.caption("Path taken (click a step to return to it):")
            crumbs = st.container(horizontal=True)
            for i, nid in enumerate(walk.path[:-1]):
                if crumbs.button(book.node(nid).title, key=f"jump_{i}", type="tertiary"):
                    state.set_walk(walk.jump(i))
                    st.rerun()
        st.caption(node.kind.upper())
        st.subheader(node.title)
        st.markdown(node.text)
        outcome = None
        if node.kind == "technique":
            outcome = run_panel(node, registry.get(node.technique))
        edge = book.suggested_edge(node.id, outcome)
        suggested = edge.to if edge else ss.get("suggest_node")
        if node.edges:
            st.markdown(f"**{node.question or 'Where next?'}**")
            for j, e in enumerate(node.edges):
                hint = e.to == suggested
                label = ("➜ " if hint else "") + e.label
                if st.button(label, key=f"edge_{j}", type="primary" if hint else "secondary",
                             width="stretch", help="suggested by the result" if hint else None):
                    ss.suggest_node = None
                    state.set_walk(walk.go(e.to), e.label)
                    st.rerun()
        else:
            st.success("End of this branch: download the evidence report from the sidebar, "
                       "or restart to diagnose something else.", icon="✅")

st.divider()
st.markdown("**Where you are in the runbook**")
st.graphviz_chart(to_dot(book, walk, suggested), width="stretch")
st.caption("Filled: path taken · red border: current step · dashed blue: suggested by the last result · grey: not visited")
