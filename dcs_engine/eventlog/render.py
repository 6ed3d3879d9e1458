"""Markdown of an event-log report (the evidence report, the CLI without --json)."""
from __future__ import annotations

import time

from .findings import secs, size

MAX_ROWS = 40


def table(cols, rows, width: int = 80) -> str:
    def cell(v) -> str:
        t = "-" if v is None else str(v)
        t = t.replace("|", "\\|").replace("\n", " ")
        return t if len(t) <= width else t[: width - 1] + "…"

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)


def when(ms) -> str:
    if ms is None:
        return "?"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms / 1000)) + " UTC"


def _app(r) -> list[str]:
    a, t = r.app, r.timeline
    return ["## Application", "",
            table(["", ""], [("id / name", f"{a.app_id} / {a.name}"), ("Spark", a.spark_version),
                             ("master", a.master), ("user", a.user), ("kind", a.kind),
                             ("ran", f"{when(a.start_ms)} → {when(a.end_ms)} ({secs(a.uptime_s)})"),
                             ("ended", "yes" if a.completed else "no ApplicationEnd (still running, or killed)"),
                             ("jobs / stages / SQL", f"{len(r.jobs)} / {len(r.stages)} / {len(r.sql)}"),
                             ("driver alone", f"{secs(t.driver_s)} of {secs(t.uptime_s)}"),
                             ("core time used", f"{secs(t.task_s)} of {secs(t.core_s)} "
                                                f"({t.idle_share:.0%} idle)")], width=200), ""]


def _failures(r) -> list[str]:
    if not r.failures:
        return ["## Failures", "", "No failed task, executor, stage, job or SQL execution.", ""]
    out = ["## Failures", ""]
    if r.first_failure:
        f = r.first_failure
        out += [f"**First failure** ({when(f.first_ms)}, {f.where}): `{f.headline[:300]}` → runbook node "
                f"`{f.node_id}` ({f.root_cause}).", ""]
    rows = [(g.kind, g.headline[:160], g.count, ", ".join(g.executors[:6]), ", ".join(g.hosts[:4]),
             ", ".join(map(str, g.stages[:8])), g.node_id, g.root_cause) for g in r.failures]
    out += [table(["kind", "signature", "count", "executors", "hosts", "stages", "node", "root cause"], rows), ""]
    for g in r.failures:
        if g.kind in ("task", "executor"):
            out += [f"<details><summary>{g.kind}: {g.headline[:120]}</summary>", "", "```text",
                    g.example[:3000], "```", "</details>", ""]
    return out


def _findings(r) -> list[str]:
    if not r.findings:
        return ["## Findings", "", "No finding crossed its threshold.", ""]
    out = ["## Findings", ""]
    for i, f in enumerate(r.findings, 1):
        limits = "; ".join(f"{k} = {v} ({src})" for k, v, src in f.thresholds)
        nxt = f"run `{f.technique}`" if f.technique else "apply the fix"
        params = ", ".join(f"{k}={v}" for k, v in f.params.items()) or "defaults"
        out += [f"{i}. **{f.title}** [{f.severity}, {f.cause}] — {f.evidence}",
                f"   Runbook: `{f.node_id}`, then {nxt} ({params}). Limits: {limits}", ""]
    return out


def _time(r) -> list[str]:
    out = ["## Where the time went", ""]
    jobs = sorted(r.jobs, key=lambda j: -j.wall_s)[:MAX_ROWS]
    out += [table(["job", "name", "status", "wall", "stages"],
                  [(j.job_id, j.name, j.status, secs(j.wall_s), len(j.stage_ids)) for j in jobs]), ""]
    if r.timeline.critical_path:
        out += ["**Critical path**", "", table(["segment", "from", "seconds"],
                                              [(s.label, when(s.start_ms), f"{s.seconds:.1f}")
                                               for s in r.timeline.critical_path[-MAX_ROWS:]], width=120), ""]
    ran = [s for s in r.stages if s.status != "skipped"]
    rows = []
    for s in sorted(ran, key=lambda s: -s.task_time_s)[:MAX_ROWS]:
        d = s.duration
        dist = f"{d.min:.2f} / {d.p25:.2f} / {d.median:.2f} / {d.p75:.2f} / {d.max:.2f}" if d else "-"
        rows.append((s.label, s.name[:50], s.status, secs(s.wall_s), f"{s.tasks_succeeded}/{s.num_tasks}",
                     dist, f"{s.gc_share:.0%}", size(s.disk_spilled), size(s.shuffle_read_bytes),
                     size(s.shuffle_write_bytes), size(s.input_bytes), size(s.output_bytes),
                     size(s.peak_execution_memory), secs(s.python_time_s) if s.python_time_s is not None else "-"))
    out += ["**Stages** (by task time; task seconds min / p25 / median / p75 / max)", "",
            table(["stage", "name", "status", "wall", "tasks", "task s", "GC", "spill", "shuffle read",
                   "shuffle write", "input", "output", "peak mem", "Python"], rows), ""]
    skipped = len(r.stages) - len(ran)
    if skipped:
        out += [f"{skipped} stage(s) skipped (their output was reused).", ""]
    return out


def _sql(r) -> list[str]:
    if not r.sql:
        return []
    rows = [(q.sql_id, q.description[:60], secs(q.wall_s), q.nodes, ", ".join(q.plan_flags) or "-",
             "; ".join(q.joins[:3]) or "-", "; ".join(t for _, t in q.scans[:3]) or "-", "failed" if q.error else "ok")
            for q in sorted(r.sql, key=lambda q: -q.wall_s)[:MAX_ROWS]]
    return ["## SQL executions", "", table(["id", "description", "wall", "operators", "plan flags", "joins",
                                            "reads", "result"], rows), ""]


def _executors(r) -> list[str]:
    rows = [(e.executor_id, e.host, e.cores, when(e.added_ms), when(e.removed_ms) if e.removed_ms else "-",
             (e.removed_reason or "-")[:80], e.tasks, e.failed_tasks, secs(e.task_time_s)) for e in r.executors]
    return ["## Executors", "", table(["id", "host", "cores", "added", "removed", "reason", "tasks", "failed",
                                       "task time"], rows[:MAX_ROWS]), ""]


def _served(r) -> list[str]:
    """Structured Streaming query runs and Spark Connect client sessions, when the log has them."""
    out = []
    if r.streams:
        rows = [(q.name or "-", q.run_id[:8], q.status, q.batches, f"{q.input_rows:,}", secs(q.batch_s_total),
                 secs(q.batch_s_max), q.interrupted_batches, (q.exception or "-")[:100]) for q in r.streams]
        out += ["## Streaming queries", "", table(["query", "run", "ended", "batches", "input rows", "batch time",
                                                   "longest batch", "cut by stop", "exception"], rows[:MAX_ROWS]),
                ""]
    if r.sessions:
        rows = [(s.session_id[:8], s.user or "-", when(s.started_ms), when(s.closed_ms) if s.closed_ms else "open",
                 s.operations, s.failed, s.cancelled, (s.first_error or "-")[:100]) for s in r.sessions]
        out += ["## Spark Connect sessions", "", table(["session", "user", "started", "closed", "operations",
                                                        "failed", "cancelled", "first error"], rows[:MAX_ROWS]), ""]
    return out


def _config(r) -> list[str]:
    out = ["## Configuration", "", "Spark properties the application was started with (per-run ids, ports and "
           "times left out):", "", table(["key", "value"], r.config, width=120), ""]
    if r.session_configs:
        out += ["Changed while it ran (`spark.conf.set`, seen in SQL executions' modifiedConfigs):", "",
                table(["key", "value"], r.session_configs, width=120), ""]
    return out


def report_markdown(r) -> str:
    rd = r.read
    notes = "".join(f"\n- {n}" for n in rd.notes)
    parts = [f"**Event log:** {r.headline}", "",
             f"Read {rd.lines:,} lines ({size(rd.bytes_read)} from {len(rd.files)} file(s), codec {rd.codec}) in "
             f"{rd.seconds:.1f} s; {rd.bad_lines} unreadable line(s){'; the log is cut off' if rd.truncated else ''}."
             f"{notes}", "",
             f"Root cause to continue from: **{r.outcome}** (runbook node `{r.node_id or '-'}`).", ""]
    for section in (_failures, _findings, _app, _served, _time, _sql, _executors, _config):
        parts += section(r)
    return "\n".join(parts).rstrip() + "\n"
