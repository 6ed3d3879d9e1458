"""The technique panel: snippet, parameter form, Run/Cancel with progress, result."""
from __future__ import annotations

import streamlit as st

from app_pages import results, state, widgets
from dcs_engine import access, evidence, service
from dcs_engine.errors import DcsError, JobCancelled, SparkJobError, WorkerError
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
    if tech.needs_spark and service.spark_state(ss.owner) == "dead":
        st.error("This diagnosis' Spark session is gone (its JVM, its gateway or its worker process stopped). "
                 "Your evidence log is kept; the next run starts a new one.", icon="🪦")
        if st.button("Start a new Spark session", key="restart_spark"):
            with st.spinner("Starting a new worker process and Spark session…"):
                service.restart_spark(ss.owner)
            st.rerun()
    raw = widgets.param_form(node.id, tech, node.params)
    handle = service.get_run(ss.runs.get(node.id, ""))
    if handle is None and ss.runs.get(node.id):
        st.caption("The last result here was released from memory; the evidence log keeps it.")
    cols = st.columns([1, 1, 4])
    blocked = bool(widgets.problem(node.id))   # parameters refused before any Spark job (shown above)
    allowed = state.may(access.action_for(tech))
    if cols[0].button("Run", key="run", type="primary",
                      disabled=bool(handle and not handle.done) or blocked or not allowed):
        handle = service.start_run_as(state.user(), ss.owner, tech.id, raw)
        ss.runs[node.id] = handle.id
        _remember(handle.id, raw)
    running = bool(handle and not handle.done)
    if not allowed:
        cols[2].caption("Viewers walk the runbook and read results; running it on Spark needs the operator role.")
    if cols[1].button("Cancel", key="cancel", disabled=not running) and handle:
        handle.cancel()
    if running:
        wait_for(handle, tech.title)
    if handle is None:
        return None
    return _show(node, tech, handle)


def _remember(run_id: str, raw: dict) -> None:
    """Keep the parameters of the runs the panels still show (and nothing of older runs)."""
    ss = st.session_state
    shown = set(ss.runs.values())
    ss.run_params = {k: v for k, v in ss.get("run_params", {}).items() if k in shown} | {run_id: raw}
    ss.logged_runs = {k for k in ss.logged_runs if k in shown}


PHASES = {"worker": "Worker process", "queued": "Worker process", "spark": "Spark session", "run": "Running"}


def wait_for(handle, title: str) -> None:
    """Progress while the run works, the session start shown as a step of its own; rerun when done."""
    bar = st.progress(0.0, text="starting…")
    while not handle.wait(0.3):
        p = handle.progress()
        step = PHASES.get(getattr(handle, "phase", "run"), "Running")
        bar.progress(p.fraction, text=f"{title} · {step}: {p.text} · {handle.elapsed:.1f} s")
    st.rerun()


def _startup_note(handle) -> None:
    parts = []
    if (getattr(handle, "worker_start_s", None) or 0) > 0:
        parts.append(f"a worker process ({handle.worker_start_s:.1f} s)")
    if (getattr(handle, "spark_start_s", None) or 0) > 0:
        parts.append(f"its Spark session ({handle.spark_start_s:.1f} s)")
    if parts:
        st.caption(f"This run started {' and '.join(parts)} for this diagnosis; they stay warm for the next runs.")


def _show(node, tech, handle) -> str | None:
    ss = st.session_state
    params = ss.get("run_params", {}).get(handle.id, {})
    first_time = handle.id not in ss.logged_runs
    ss.logged_runs.add(handle.id)
    _startup_note(handle)
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
    elif isinstance(err, WorkerError):
        st.error(err.message, icon="🧨")
    elif isinstance(err, DcsError):
        st.error(err.message, icon="🚫")
    else:
        st.error(f"{err.__class__.__name__}: {err}", icon="💥")
    return None
