"""Findings: the record against the thresholds in ``thresholds.yaml``, each one linked to a runbook node.

Every rule reads the model only, so a log and a History Server give the same
findings.  Each finding carries the measured figures in one sentence, the limits
with their sources, the runbook node to open and the technique to run there,
with its parameters prefilled from the record (the stage's keys, the table or
path its scans read).
"""
from __future__ import annotations

from dataclasses import replace

from .model import Finding, SqlSummary, StageSummary, Timeline
from .thresholds import Thresholds

_FORMATS = ("parquet", "json", "csv", "orc", "text")
SEVERITY = {"high": 0, "medium": 1, "info": 2}
MAX_PER_RULE = 10


def size(n: float | int | None) -> str:
    if n is None:
        return "?"
    for unit, k in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if abs(n) >= k:
            return f"{n / k:,.1f} {unit}"
    return f"{int(n)} B"


def secs(s: float | None) -> str:
    if s is None:
        return "?"
    if s >= 3600:
        return f"{s / 3600:.1f} h"
    if s >= 120:
        return f"{s / 60:.1f} min"
    return f"{s:.1f} s" if s >= 1 else f"{s * 1000:.0f} ms"


def source_param(tables) -> dict | None:
    """A technique's data source from (format, table or path) pairs a scan read."""
    for fmt, target in tables:
        if not target or target == "?":
            continue
        if "/" in target or ":" in target:
            return {"kind": "path", "path": target, "format": fmt if fmt in _FORMATS else "parquet"}
        return {"kind": "table", "table": target}
    return None


class _Ctx:
    def __init__(self, th: Thresholds, stages, sql, timeline: Timeline, failures):
        self.th = th
        self.stages = stages
        self.by_id = {s.stage_id: s for s in stages}
        self.sql = {q.sql_id: q for q in sql}
        self.timeline = timeline
        self.failures = failures
        self.out: list[Finding] = []

    def tables_for(self, st: StageSummary, depth: int = 4) -> tuple:
        seen, todo = [], [st]
        for _ in range(depth):
            nxt = []
            for s in todo:
                seen += [t for t in s.tables if t not in seen]
                nxt += [self.by_id[p] for p in s.parents if p in self.by_id]
            todo = nxt
        if not seen and st.sql_id in self.sql:
            seen = list(self.sql[st.sql_id].scans)
        return tuple(seen)

    def add(self, rule: str, severity: str, evidence: str, *, stage: StageSummary | None = None,
            sql: SqlSummary | None = None, params: dict | None = None, node: str | None = None) -> None:
        meta = self.th.meta(rule)
        technique = meta.get("technique") or None
        prefill = dict(params or {})
        tables = self.tables_for(stage) if stage is not None else (sql.scans if sql is not None else ())
        src = source_param(tables)
        if src and technique not in (None, "triage"):
            prefill.setdefault("source", src)
        self.out.append(Finding(rule=rule, title=meta["title"], severity=severity, cause=meta["cause"],
                                node_id=node or meta["node"], technique=technique, evidence=evidence,
                                params=prefill, thresholds=self.th.cited(rule),
                                stage_id=stage.stage_id if stage else None,
                                sql_id=sql.sql_id if sql else (stage.sql_id if stage else None)))


def _where(st: StageSummary) -> str:
    return f"{st.label} ({st.name})" if st.name else st.label


def _stage_rules(c: _Ctx, st: StageSummary) -> None:
    lim = c.th.limits
    rt = st.run_time
    if rt is not None and rt.n >= 2:
        ts = lim("task_skew")
        over_med, over_p75 = rt.max_over_median, rt.max_over_p75
        if rt.max > ts["min_max_s"] and (over_med > ts["max_over_median"] or over_p75 > ts["max_over_p75"]):
            who = st.slowest
            extra = f" (task {who.index}.{who.attempt} on executor {who.executor}, read {size(who.read_bytes)})" \
                if who else ""
            sev = "high" if over_med > ts["max_over_median"] else "medium"
            c.add("task_skew", sev, f"{_where(st)}: the longest task ran {secs(rt.max)}, {over_med:,.1f}x the "
                  f"median {secs(rt.median)} and {over_p75:,.1f}x the p75{extra}.", stage=st,
                  params={"keys": ", ".join(st.keys)} if st.keys else None)
    rb = st.read_bytes
    if rb is not None and rb.n >= 2:
        ds = lim("data_skew")
        if rb.max > ds["min_max_bytes"] and rb.max > ds["max_over_median"] * rb.median:
            c.add("data_skew", "high", f"{_where(st)}: one task read {size(rb.max)}, "
                  f"{rb.max_over_median:,.1f}x the median task's {size(rb.median)}.", stage=st,
                  params={"keys": ", ".join(st.keys)} if st.keys else None)
        if rb.max > lim("big_partition")["max_bytes"]:
            c.add("big_partition", "high", f"{_where(st)}: one task read {size(rb.max)} "
                  f"(over {size(lim('big_partition')['max_bytes'])}).", stage=st)
    sp = lim("spill")
    if st.disk_spilled >= sp["min_disk_bytes"] and st.disk_spilled >= sp["min_share_of_input"] * st.read_total:
        c.add("spill", "medium", f"{_where(st)} spilled {size(st.disk_spilled)} to disk "
              f"({size(st.memory_spilled)} in memory) while reading {size(st.read_total)}; "
              f"peak execution memory of a task {size(st.peak_execution_memory)}.", stage=st)
    gc = lim("gc")
    if st.run_time_s >= gc["min_task_time_s"] and st.gc_share > gc["max_share"]:
        c.add("gc", "medium", f"{_where(st)}: garbage collection took {st.gc_share:.0%} of "
              f"{secs(st.run_time_s)} of task run time.", stage=st)
    sm = lim("small_tasks")
    if st.duration is not None and st.tasks_succeeded > sm["min_tasks"] and st.duration.median < sm["max_median_s"]:
        c.add("small_tasks", "medium", f"{_where(st)}: {st.tasks_succeeded:,} tasks with a median of "
              f"{secs(st.duration.median)} each.", stage=st)
    ft = lim("failed_tasks")
    attempts = st.tasks_succeeded + st.tasks_failed
    if st.tasks_failed >= ft["min_failed"] and attempts and st.tasks_failed / attempts > ft["max_share"]:
        group = next((g for g in c.failures if g.kind == "task" and st.stage_id in g.stages), None)
        why = f"; most often: {group.headline[:200]}" if group else ""
        c.add("failed_tasks", "high", f"{_where(st)}: {st.tasks_failed} of {attempts} task attempts failed"
              f"{why}.", stage=st, node=group.node_id if group and group.node_id else None)
    ls = lim("long_stage")
    up = c.timeline.uptime_s
    if up > 0 and st.wall_s > ls["min_wall_s"] and st.wall_s > ls["min_share_of_app"] * up:
        c.add("long_stage", "medium", f"{_where(st)} ran {secs(st.wall_s)} of the application's "
              f"{secs(up)} ({st.wall_s / up:.0%}).", stage=st)


def _sql_rules(c: _Ctx, q: SqlSummary, stage_run_s: dict[int, float]) -> None:
    lim = c.th.limits
    what = f"SQL execution {q.sql_id} ({q.description[:80]})"
    flags = set(q.plan_flags)
    if "cartesian" in flags:
        c.add("cartesian", "high", f"{what}: its plan has a CartesianProduct (every row paired with every row).",
              sql=q)
    if "nested_loop_join" in flags:
        join = next((j for j in q.joins if j.startswith("BroadcastNestedLoopJoin")), "BroadcastNestedLoopJoin")
        c.add("nested_loop_join", "high", f"{what}: its plan has a {join} (the condition is tested on "
              f"every pair of rows).", sql=q)
    if "window_single_partition" in flags:
        c.add("window_single_partition", "high", f"{what}: a Window without partitionBy moves every row "
              f"into one partition (Exchange SinglePartition).", sql=q)
    if "python_udf" in flags:
        py = [name for name, _ in q.operators if any(w in name for w in ("Python", "Pandas", "Arrow"))]
        run_s = stage_run_s.get(q.sql_id, 0.0)
        pu = lim("python_udf")
        if q.python_time_s is not None:
            share = q.python_time_s / run_s if run_s > 0 else 0.0
            sev = "medium" if share > pu["min_share"] and q.python_time_s > pu["min_time_s"] else "info"
            c.add("python_udf", sev, f"{what}: Python operators {', '.join(py)} ran Python code for "
                  f"{secs(q.python_time_s)}, {share:.0%} of the task run time of its stages.", sql=q)
        else:
            c.add("python_udf", "info", f"{what}: Python operators {', '.join(py)} (this Spark records no "
                  f"Python time).", sql=q)
    if q.nodes > lim("large_plan")["max_nodes"] or "large_plan" in flags:
        c.add("large_plan", "medium", f"{what}: its physical plan has {q.nodes} operators.", sql=q)
    sf = lim("small_files")
    for n_files, n_bytes, verb in ((q.files_written, q.bytes_written, "wrote"),
                                   (q.files_read, q.bytes_files_read, "read")):
        if n_files and n_files >= sf["min_files"] and n_bytes is not None and \
                n_bytes / n_files < sf["max_avg_file_bytes"]:
            c.add("small_files", "medium", f"{what} {verb} {n_files:,} files of {size(n_bytes / n_files)} "
                  f"on average ({size(n_bytes)} in all).", sql=q)
    if q.broadcast_bytes and q.broadcast_bytes > lim("large_broadcast")["max_bytes"]:
        c.add("large_broadcast", "medium", f"{what} broadcast {size(q.broadcast_bytes)}.", sql=q)


def _app_rules(c: _Ctx, kind: str) -> None:
    t = c.timeline
    ic = c.th.limits("idle_cores")
    if kind in (ic.get("skip_kinds") or ()):
        return   # a server or a streaming query waits for its next request or trigger by design
    if t.uptime_s > ic["min_uptime_s"] and t.core_s > 0 and t.idle_share > ic["max_idle_share"]:
        c.add("idle_cores", "medium", f"Tasks used {secs(t.task_s)} of {secs(t.core_s)} of core time "
              f"(cores x uptime): {t.idle_share:.0%} idle; the driver alone ran {secs(t.driver_s)} of "
              f"{secs(t.uptime_s)}.")


def evaluate(th: Thresholds, stages: list[StageSummary], sql: list[SqlSummary], timeline: Timeline,
             failures, kind: str = "batch") -> tuple[Finding, ...]:
    c = _Ctx(th, stages, sql, timeline, failures)
    for st in stages:
        if st.status != "skipped":
            _stage_rules(c, st)
    run_s: dict[int, float] = {}
    for st in stages:
        if st.sql_id is not None:
            run_s[st.sql_id] = run_s.get(st.sql_id, 0.0) + st.run_time_s
    for q in sql:
        _sql_rules(c, q, run_s)
    _app_rules(c, kind)
    return _capped(sorted(c.out, key=lambda f: SEVERITY.get(f.severity, 9)))


def _capped(found: list[Finding]) -> tuple[Finding, ...]:
    """At most ``MAX_PER_RULE`` findings of one rule (the most severe first); the last says how many more."""
    by_rule: dict[str, list[Finding]] = {}
    for f in found:
        by_rule.setdefault(f.rule, []).append(f)
    out = []
    for f in found:
        same = by_rule[f.rule]
        i = same.index(f)
        if i < MAX_PER_RULE - 1 or len(same) == MAX_PER_RULE:
            out.append(f)
        elif i == MAX_PER_RULE - 1:
            out.append(replace(f, evidence=f"{f.evidence} (+{len(same) - MAX_PER_RULE} more like this)"))
    return tuple(out)
