"""Lessons: a classroom course that reproduces the talk's failures and checks fixes on Spark."""
from __future__ import annotations

import streamlit as st

from app_pages import results, state
from dcs_engine import service
from dcs_engine.errors import DcsError, JobCancelled, SparkJobError
from lessons import course, progress
from runbook import load_builtin
from runbook.graph import neighbourhood_dot
from runbook.walk import Walk, route_to

state.init()
ss = st.session_state
ss.setdefault("ls_progress", progress.empty())
ss.setdefault("ls_current", None)
ss.setdefault("ls_runs", {})       # "<lesson>:<step>" -> handle id
ss.setdefault("ls_checks", {})     # lesson id -> handle id of the latest check
ss.setdefault("ls_recorded", [])   # check handle ids already counted in the progress

st.title("Lessons")
# The lessons' data become demo datasets through the course's explicit API (the steps run on them).
lessons = course.register_datasets()
prog = ss.ls_progress


def _wait(handle, label: str) -> None:
    bar = st.progress(0.0, text=f"{label}: starting…")
    while not handle.wait(0.3):
        p = handle.progress()
        bar.progress(p.fraction, text=f"{label}: {p.text} · {handle.elapsed:.1f} s")
    st.rerun()


def _show_error(err) -> None:
    if isinstance(err, JobCancelled):
        st.warning(err.message, icon="⏹️")
    elif isinstance(err, SparkJobError) and err.triage is not None:
        st.error(f"The run failed. Innermost error: **{err.triage.headline}**", icon="💥")
    elif isinstance(err, DcsError):
        st.error(err.message, icon="🚫")
    else:
        st.error(f"{err.__class__.__name__}: {err}", icon="💥")


def lesson_list() -> None:
    st.caption(f"{progress.passed(prog)} of {len(lessons)} lessons passed in this browser session.")
    for lesson in lessons.values():
        rec = prog["lessons"].get(lesson.id, {})
        mark = "✅" if rec.get("passed") else ("✏️" if rec.get("attempts") or rec.get("steps_run") else "⬜")
        cols = st.columns([6, 1])
        cols[0].markdown(f"{mark} **{lesson.number}. {lesson.title}**  \n{lesson.summary}")
        if cols[1].button("Open", key=f"ls_open_{lesson.number:02d}"):
            ss.ls_current = lesson.id
            st.rerun()
    with st.expander("Save or restore progress"):
        st.download_button("Export progress (.json)", progress.dumps(prog), file_name="dcs-lessons-progress.json",
                           mime="application/json", key="ls_export")
        upload = st.file_uploader("Import progress", type=["json"], key="ls_import")
        if st.button("Load progress", key="ls_import_load", disabled=upload is None) and upload is not None:
            try:
                ss.ls_progress = progress.loads(upload.getvalue(), set(lessons))
                ss.pop("ls_code_for", None)
                st.success(f"Progress loaded: {progress.passed(ss.ls_progress)} lesson(s) passed.")
            except DcsError as exc:
                st.error(exc.message, icon="🚫")


def step_panel(lesson, i: int, step, rec: dict) -> None:
    st.markdown(f"**Step {i}.** {step.text}")
    if not step.technique:
        return
    tech = service.technique(step.technique)
    if not tech.runnable:
        st.info(f"{tech.title} does not run in the app yet: do it by hand with this snippet.", icon="📋")
        st.code(tech.snippet, language="python")
        return
    run_key = f"{lesson.id}:{i}"
    handle = service.get_run(ss.ls_runs.get(run_key, ""))
    running = bool(handle and not handle.done)
    if st.button(step.label or f"Run: {tech.title}", key=f"ls_run_{i}", disabled=running):
        handle = service.start_run(ss.owner, tech.id, step.params)
        ss.ls_runs[run_key] = handle.id
        if i not in rec["steps_run"]:
            rec["steps_run"] = sorted(rec["steps_run"] + [i])
        running = True
    if running:
        _wait(handle, tech.title)
    if handle is None:
        return
    if handle.error is not None:
        _show_error(handle.error)
    else:
        with st.container(border=True):
            results.render(tech.id, handle.result)


def check_panel(lesson, rec: dict) -> None:
    st.subheader("Your fix")
    if ss.get("ls_code_for") != lesson.id or "ls_code" not in ss:
        ss["ls_code"] = rec["code"] if rec["code"] is not None else lesson.broken
        ss["ls_code_for"] = lesson.id
    st.text_area("Edit the code, then press Check", key="ls_code", height=300)
    rec["code"] = ss["ls_code"]
    handle = service.get_run(ss.ls_checks.get(lesson.id, ""))
    running = bool(handle and not handle.done)
    cols = st.columns([1, 1, 4])
    if cols[0].button("Check", key="ls_check", type="primary", disabled=running):
        handle = course.start_check(ss.owner, lesson.id, rec["code"])
        ss.ls_checks[lesson.id] = handle.id
        rec["attempts"] += 1
        running = True
    if cols[1].button("Reset code", key="ls_reset", disabled=running):
        rec["code"] = None
        ss.pop("ls_code_for", None)
        st.rerun()
    if lesson.slow_check:
        cols[2].caption("This check starts its own Spark driver: allow 20–60 seconds.")
    if running:
        _wait(handle, f"Checking lesson {lesson.number}")
    if handle is None:
        return
    if handle.error is not None:
        _show_error(handle.error)
        return
    result = handle.result
    with st.container(border=True, key="ls_result"):
        if result.passed:
            st.success(result.message, icon="✅")
        else:
            st.error(result.message, icon="❌")
        if result.evidence:
            st.markdown(result.evidence)


def hint_panel(lesson, rec: dict) -> None:
    st.subheader("Hints")
    shown = min(rec["hints"], len(lesson.hints))
    for n, hint in enumerate(lesson.hints[:shown], 1):
        st.info(f"Hint {n}: {hint}", icon="💡")
    if shown < len(lesson.hints):
        if st.button(f"Show a hint ({shown + 1} of {len(lesson.hints)})", key="ls_hint"):
            rec["hints"] = shown + 1
            st.rerun()
    if shown >= len(lesson.hints) or rec["passed"]:
        with st.expander("Reference fix"):
            st.code(lesson.fix, language="python")


def record_check(lesson, rec: dict) -> None:
    """Count a finished check in the progress, once."""
    handle = service.get_run(ss.ls_checks.get(lesson.id, ""))
    if handle is not None and handle.done and handle.error is None and handle.id not in ss.ls_recorded:
        ss.ls_recorded.append(handle.id)
        rec["passed"] = rec["passed"] or bool(handle.result.passed)


def lesson_view(lesson) -> None:
    rec = progress.entry(prog, lesson.id)
    record_check(lesson, rec)
    if st.button("← All lessons", key="ls_back"):
        ss.ls_current = None
        st.rerun()
    st.header(f"{lesson.number}. {lesson.title}")
    if rec["passed"]:
        st.success("You passed this lesson.", icon="🎓")
    st.markdown(lesson.story)
    book = load_builtin()
    route = route_to(book, lesson.node)
    with st.expander(f"Where this sits in the runbook: {book.node(lesson.node).title}", expanded=False):
        st.graphviz_chart(neighbourhood_dot(book, Walk(route.path if route else (lesson.node,))), width="content")
        if route:
            st.caption(" → ".join(book.node(n).title for n in route.path))
    st.subheader("Steps")
    st.caption(f"Techniques run on the lesson's data: {course.get(lesson.id).source()['demo']} "
               f"({lesson.source()['rows']:,} rows).")
    for i, step in enumerate(lesson.steps, 1):
        step_panel(lesson, i, step, rec)
    check_panel(lesson, rec)
    hint_panel(lesson, rec)


if ss.ls_current in lessons:
    lesson_view(lessons[ss.ls_current])
else:
    lesson_list()
