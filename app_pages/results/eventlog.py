"""Views of an event-log report and of a comparison: cards, a stage timeline and task-time distributions."""
from __future__ import annotations

import streamlit as st

SEVERITY_ICON = {"high": "🔴", "medium": "🟠", "info": "🔵"}
MAX_STAGES = 40


def _iso(ms) -> str | None:
    import datetime as dt

    return None if ms is None else dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat()


def stage_timeline(report) -> None:
    rows = [{"stage": f"{s.stage_id}.{s.attempt} {s.name[:40]}", "start": _iso(s.submitted_ms),
             "end": _iso(s.completed_ms), "status": s.status, "seconds": round(s.wall_s, 2)}
            for s in report.stages if s.submitted_ms is not None and s.completed_ms is not None]
    if not rows:
        return
    st.vega_lite_chart({
        "data": {"values": rows[-200:]}, "mark": {"type": "bar", "tooltip": True},
        "encoding": {"y": {"field": "stage", "type": "nominal", "sort": None, "title": None},
                     "x": {"field": "start", "type": "temporal", "title": "time"}, "x2": {"field": "end"},
                     "color": {"field": "status", "type": "nominal"}},
        "height": min(24 * len(rows), 600)}, width="stretch")


def task_distributions(report) -> None:
    ran = sorted((s for s in report.stages if s.duration is not None), key=lambda s: -s.task_time_s)[:MAX_STAGES]
    if not ran:
        return
    rows = [{"stage": f"{s.stage_id}.{s.attempt} {s.name[:30]}", "min": s.duration.min, "p25": s.duration.p25,
             "median": s.duration.median, "p75": s.duration.p75, "max": s.duration.max, "tasks": s.duration.n}
            for s in ran]
    y = {"field": "stage", "type": "nominal", "sort": None, "title": None}
    st.vega_lite_chart({
        "data": {"values": rows}, "height": min(24 * len(rows), 600),
        "layer": [
            {"mark": "rule", "encoding": {"y": y, "x": {"field": "min", "type": "quantitative",
                                                         "title": "task seconds"}, "x2": {"field": "max"}}},
            {"mark": {"type": "bar", "size": 12, "tooltip": True},
             "encoding": {"y": y, "x": {"field": "p25", "type": "quantitative"}, "x2": {"field": "p75"}}},
            {"mark": {"type": "tick", "color": "black", "size": 14},
             "encoding": {"y": y, "x": {"field": "median", "type": "quantitative"}}}]}, width="stretch")


def _limits(f) -> str:
    return "\n".join(f"- `{k}` = {v} — {src}" for k, v, src in f.thresholds)


def finding_cards(report, on_open) -> None:
    for i, f in enumerate(report.findings):
        with st.container(border=True, key=f"eventlog_finding_{i}"):
            st.markdown(f"{SEVERITY_ICON.get(f.severity, '⚪')} **{f.title}** · {f.cause.replace('_', ' ')}")
            st.markdown(f.evidence)
            nxt = f"run **{f.technique}** there" if f.technique else "apply the fix there"
            st.caption(f"Runbook node `{f.node_id}`, then {nxt}"
                       + (f" with {', '.join(f'{k}={v}' for k, v in f.params.items())}" if f.params else ""))
            with st.expander("Thresholds and their sources"):
                st.markdown(_limits(f))
            if on_open is not None and st.button("Open in the runbook", key=f"eventlog_open_{i}"):
                on_open(f.node_id, f.params, f"event-log finding: {f.title}", f.technique)


def failure_cards(report, on_open) -> None:
    for i, g in enumerate(report.failures):
        if g.kind == "killed":
            continue
        with st.container(border=True, key=f"eventlog_failure_{i}"):
            first = " — **first failure**" if report.first_failure is g else ""
            st.markdown(f"💥 **{g.kind}** × {g.count}{first}: `{g.headline[:300]}`")
            st.caption(f"{g.where} · executors {', '.join(g.executors[:8]) or '-'} · hosts "
                       f"{', '.join(g.hosts[:6]) or '-'} · stages {', '.join(map(str, g.stages[:10])) or '-'} · "
                       f"root cause {g.root_cause} · node `{g.node_id}`")
            with st.expander("The recorded text"):
                st.code(g.example[:4000], language="text")
            if on_open is not None and g.node_id and st.button("Open in the runbook", key=f"eventlog_fail_{i}"):
                on_open(g.node_id, {}, f"event-log failure: {g.headline[:80]}")


def render(report, on_open=None) -> None:
    a, t = report.app, report.timeline
    (st.error if report.first_failure else st.warning if report.findings else st.success)(report.headline)
    cols = st.columns(5)
    cols[0].metric("Uptime", f"{a.uptime_s:,.1f} s")
    cols[1].metric("Jobs / stages", f"{len(report.jobs)} / {len(report.stages)}")
    cols[2].metric("Driver alone", f"{t.driver_s:,.1f} s")
    cols[3].metric("Idle cores", f"{t.idle_share:.0%}")
    cols[4].metric("Root cause", report.outcome.replace("_", " "))
    for note in report.read.notes:
        st.info(note)
    if report.failures:
        st.subheader("Failures")
        failure_cards(report, on_open)
    st.subheader("Findings")
    if report.findings:
        finding_cards(report, on_open)
    else:
        st.success("No finding crossed its threshold.")
    st.subheader("Stage timeline")
    stage_timeline(report)
    st.subheader("Task time per stage (min · p25–p75 · median · max)")
    task_distributions(report)
    with st.expander("Full report (Markdown, as in the evidence report)"):
        st.markdown(report.to_markdown())


def render_compare(result) -> None:
    (st.warning if result.first_growth else st.success)(result.headline)
    rows = [{"stage": d.key[:60], "A": f"{d.a.stage_id}", "B": f"{d.b.stage_id}", "cost": d.cost_metric,
             "cost growth": round(d.cost_growth, 2), "input growth": round(d.input_growth, 2),
             "run s A": round(d.a.run_time_s, 2), "run s B": round(d.b.run_time_s, 2),
             "tasks": f"{d.a.num_tasks} → {d.b.num_tasks}"} for d in result.stages]
    if rows:
        st.dataframe(rows, width="stretch", hide_index=True)
    if result.config_changes:
        st.markdown("**Configuration differences**")
        st.dataframe([{"key": k, "A": va, "B": vb} for k, va, vb in result.config_changes], hide_index=True)
    for p in result.plan_changes:
        st.markdown(f"**Plan changed** in `{p.description[:80]}`: added {', '.join(p.added) or '-'}; "
                    f"removed {', '.join(p.removed) or '-'}")
