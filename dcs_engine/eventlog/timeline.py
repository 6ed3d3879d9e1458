"""Where the time went: uptime, jobs against driver time, core time against task time, the critical path.

The critical path is walked back from the application's end: the job that ended
last before the current point, inside it the stage that ended last and then,
stage by stage, the parent that ended last (the one the stage waited for); then
the driver's time before that job, and so on to the start.  Jobs that overlapped
the chosen one were not on the path.
"""
from __future__ import annotations

from .model import AppInfo, ExecutorSummary, JobSummary, Segment, StageSummary, Timeline


def union_seconds(intervals) -> float:
    total, cur_s, cur_e = 0, None, None
    for s, e in sorted((s, e) for s, e in intervals if s is not None and e is not None and e >= s):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total / 1000


def core_seconds(executors: list[ExecutorSummary], app: AppInfo) -> float:
    total = 0.0
    for e in executors:
        if e.cores <= 0:
            continue
        start = e.added_ms if e.added_ms is not None else app.start_ms
        end = e.removed_ms if e.removed_ms is not None else app.end_ms
        if start is not None and end is not None and end > start:
            total += (end - start) / 1000 * e.cores
    return total


def _latest(stages: list[StageSummary]) -> dict[int, StageSummary]:
    """The last attempt of each stage that has times."""
    out: dict[int, StageSummary] = {}
    for s in stages:
        if s.submitted_ms is None or s.completed_ms is None:
            continue
        cur = out.get(s.stage_id)
        if cur is None or s.attempt >= cur.attempt:
            out[s.stage_id] = s
    return out


def _stage_chain(job: JobSummary, by_id: dict[int, StageSummary]) -> list[StageSummary]:
    ran = [by_id[i] for i in job.stage_ids if i in by_id]
    if not ran:
        return []
    cur = max(ran, key=lambda s: s.completed_ms)
    chain = [cur]
    members = set(job.stage_ids)
    while True:
        parents = [by_id[p] for p in cur.parents if p in by_id and p in members
                   and by_id[p].completed_ms <= (cur.submitted_ms or 0) + 1]
        if not parents:
            break
        cur = max(parents, key=lambda s: s.completed_ms)
        chain.append(cur)
    return chain


def critical_path(app: AppInfo, jobs: list[JobSummary], stages: list[StageSummary]) -> tuple[Segment, ...]:
    if app.end_ms is None:
        return ()
    by_id = _latest(stages)
    done = sorted((j for j in jobs if j.submitted_ms is not None and j.completed_ms is not None),
                  key=lambda j: j.completed_ms)
    t = app.end_ms
    out: list[Segment] = []
    while True:
        before = [j for j in done if j.completed_ms <= t]
        if not before:
            start = app.start_ms if app.start_ms is not None else t
            if t > start:
                out.append(Segment("driver", "driver (before the first job)", start, t))
            break
        job = before[-1]
        if t > job.completed_ms:
            out.append(Segment("driver", "driver (between jobs)" if out else "driver (after the last job)",
                               job.completed_ms, t))
        for s in _stage_chain(job, by_id):
            out.append(Segment("stage", f"{s.label}: {s.name}"[:120], s.submitted_ms, s.completed_ms,
                               s.stage_id, job.job_id))
        t = job.submitted_ms
        done = [j for j in done if j.completed_ms <= t]
    return tuple(reversed(out))


def timeline(app: AppInfo, jobs: list[JobSummary], stages: list[StageSummary],
             executors: list[ExecutorSummary], task_s: float) -> Timeline:
    uptime = app.uptime_s
    jobs_s = union_seconds((j.submitted_ms, j.completed_ms if j.completed_ms is not None else app.end_ms)
                           for j in jobs)
    return Timeline(uptime_s=uptime, jobs_s=jobs_s, driver_s=max(0.0, uptime - jobs_s),
                    core_s=core_seconds(executors, app), task_s=task_s,
                    critical_path=critical_path(app, jobs, stages))
