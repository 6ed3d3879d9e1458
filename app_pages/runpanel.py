"""The technique panel: snippet, parameter form, Run/Cancel with progress, result."""
from __future__ import annotations

import streamlit as st

from app_pages import results, state, widgets
from dcs_engine import access, evidence, service
from dcs_engine.errors import DcsError, JobCancelled, SparkJobError
from runbook.walk import route_to


def run_panel(node, tech) -> str | None:
    """Draw the panel for a technique node; return the latest run's outcome."""
    ss = st.session_state
    st.markdown(f"**Technique: {tech.title}**")
    st.caption(tech.summary)
    with st.expander("Do it by hand: PySpark snippet", expanded=not tech.runnable):
        st.code(tech.snippet, language="python")
    if not tech.runnable:
        st.info("This technique does not run in the app yet: use the snippet above on your cluster.", icon="📋")
        return None
    if tech.needs_spark and service.spark_state() == "dead":
        st.error("The Spark session is gone (the JVM or the Py4J gateway stopped). Your evidence log is kept.",
                 icon="🪦")
        if st.button("Start a new Spark session", key="restart_spark"):
            with st.spinner("Starting Spark…"):
                service.restart_spark()
            st.rerun()
    raw = widgets.param_form(node.id, tech, node.params)
    handle = service.get_run(ss.runs.get(node.id, ""))
    cols = st.columns([1, 1, 4])
    blocked = bool(widgets.problem(node.id))   # parameters refused before any Spark job (shown above)
    allowed = state.may(access.action_for(tech))
    if cols[0].button("Run", key="run", type="primary",
                      disabled=bool(handle and not handle.done) or blocked or not allowed):
        handle = service.start_run_as(state.user(), ss.owner, tech.id, raw)
        ss.runs[node.id] = handle.id
        ss.run_params = {**ss.get("run_params", {}), handle.id: raw}
    running = bool(handle and not handle.done)
    if not allowed:
        cols[2].caption("Viewers walk the runbook and read results; running it on Spark needs the operator role.")
    if cols[1].button("Cancel", key="cancel", disabled=not running) and handle:
        handle.cancel()
    if running:
        bar = st.progress(0.0, text="starting…")
        while not handle.wait(0.3):
            p = handle.progress()
            bar.progress(p.fraction, text=f"{tech.title}: {p.text} · {handle.elapsed:.1f} s")
        st.rerun()
    if handle is None:
        return None
    return _show(node, tech, handle)


def _show(node, tech, handle) -> str | None:
    ss = st.session_state
    params = ss.get("run_params", {}).get(handle.id, {})
    first_time = handle.id not in ss.logged_runs
    ss.logged_runs.add(handle.id)
    if handle.error is None:
        if first_time:
            state.log(evidence.run(node.id, tech.id, params, handle.result, handle.elapsed))
        results.render(tech.id, handle.result)
        return getattr(handle.result, "outcome", None)
    err = handle.error
    if first_time:
        msg = err.message if isinstance(err, DcsError) else str(err)
        state.log(evidence.error(node.id, f"{tech.id} failed", msg, params, handle.elapsed))
    if isinstance(err, JobCancelled):
        st.warning(err.message, icon="⏹️")
    elif isinstance(err, SparkJobError) and err.triage is not None:
        t = err.triage
        book, walk = state.runbook(), state.walk()
        target = route_to(book, t.node_id, walk.path[0]) if t.node_id else None
        if first_time and target and target.current != node.id:
            # Every failure goes through triage; the tree moves to the node it names.
            ss.failure = {"technique": tech.title, "report": t, "from": node.id}
            state.set_walk(target, f"triage of the failed {tech.id} run → {t.node_id}", keep_failure=True)
            st.rerun()
        st.error(f"The run failed. Innermost error: **{t.headline}**", icon="💥")
        with st.expander("Triage of the failure", expanded=True):
            results.render("triage", t)
    elif isinstance(err, DcsError):
        st.error(err.message, icon="🚫")
    else:
        st.error(f"{err.__class__.__name__}: {err}", icon="💥")
    return None
