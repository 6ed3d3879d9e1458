"""Diagnose: walk the runbook, run techniques on the data under investigation, follow their results."""
import json

import streamlit as st
import streamlit.components.v1 as components

from app_pages import datapanel, results, state
from app_pages.runpanel import run_panel
from dcs_engine import service
from runbook.graph import neighbourhood_dot, render_svg, to_dot
from runbook.walk import code_from_query, data_from_query, from_query

ZOOMS = ("fit", 0.5, 0.75, 1.0, 1.5, 2.0)   # "fit": as wide as the box
LEGEND = ("Filled: the path taken · red border: the current step · white: the ways on from here, each "
          "with its answer in italics · dashed blue: suggested by the last result")


def follow_link(book) -> None:
    """First visit in this browser session: reopen the step, the data and the code a link carries."""
    ss = st.session_state
    ss.walk_loaded = True
    params = st.query_params.to_dict()
    problems = []
    if params.get("path"):
        w, problem = from_query(book, params)
        ss.walk = w
        problems.append(problem)
    problems.append(datapanel.from_link(data_from_query(params)))
    for role, values in code_from_query(params).items():
        state.set_user_code(role, values)
    ss.link_problem = "; ".join(p for p in problems if p) or None


def symptoms(book, walk) -> None:
    st.markdown("**What are you seeing?** Pick the symptom that fits best.")
    for node in book.symptoms:
        if st.button(node.title, key=f"sym_{node.id}", width="stretch"):
            state.set_walk(walk.start(node.id), f"symptom: {node.title}")
            st.rerun()
        st.caption(node.text)


def navigation(book, walk) -> None:
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


def step(book, walk) -> str | None:
    """The current node: its text, its technique panel, the ways on.  Returns the suggested node."""
    ss = st.session_state
    node = book.node(walk.current)
    failure = ss.get("failure")
    if failure:
        st.error(f"The run of **{failure['technique']}** failed and was triaged; the runbook moved "
                 f"here. Innermost error: **{failure['report'].headline}**", icon="🧯")
        with st.expander("Triage of the failure"):
            results.render("triage", failure["report"])
    navigation(book, walk)
    st.caption(node.kind.upper())
    st.subheader(node.title)
    st.markdown(node.text)
    outcome = None
    if node.kind == "technique":
        outcome = run_panel(node, service.technique(node.technique))
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
    return suggested


def whole_tree(book, walk, suggested) -> None:
    """Every node, left to right; zoomable and scrollable where Graphviz's ``dot`` is installed."""
    ss = st.session_state
    ss.setdefault("tree_zoom", 1.0)
    zoom = st.select_slider("Zoom", ZOOMS, key="tree_zoom", format_func=lambda z: z if z == "fit" else f"{z:.0%}")
    dot = to_dot(book, walk, suggested)
    try:
        svg = render_svg(dot, None if zoom == "fit" else zoom)
    except (OSError, ValueError):   # dot missing its libraries, or refusing a team's tree: draw it in the browser
        svg = None
    if svg is None:
        st.graphviz_chart(dot, width="stretch")
        st.caption("Install Graphviz (`dot`) on the server for a zoomable drawing; meanwhile use the "
                   "chart's full-screen button.")
        return
    centre = ("<script>const n = document.getElementById(" + json.dumps(f"n-{walk.current}") + ");"
              "if (n) { const r = n.getBoundingClientRect();"   # scroll this frame only, not the page
              "window.scrollTo(r.left + r.width / 2 - innerWidth / 2, r.top + r.height / 2 - innerHeight / 2); }"
              "</script>") if walk.current else ""
    components.html(f"<div>{svg}</div>{centre}", height=560, scrolling=True)
    st.caption("Scroll to pan (the current step is centred); pick a zoom above.")


state.init()
book = state.runbook()
ss = st.session_state
if not ss.walk_loaded:
    follow_link(book)
if ss.get("link_problem"):
    st.warning(f"The link could not be followed completely: {ss.link_problem}.", icon="🔗")

st.title("Diagnose")
datapanel.panel()
walk = state.walk()
suggested = None
with st.container():
    if not walk.path:
        symptoms(book, walk)
    else:
        suggested = step(book, walk)

st.divider()
st.markdown("**Where you are in the runbook**")
st.graphviz_chart(neighbourhood_dot(book, walk, suggested), width="content")
st.caption(LEGEND)
if st.toggle("Show the whole runbook", key="tree_all"):
    whole_tree(book, walk, suggested)
