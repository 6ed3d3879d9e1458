"""The report of one application: built from collected parts, with outcome, headline and Markdown."""
from __future__ import annotations

import json
from dataclasses import dataclass

from .failures import first_failure
from .findings import evaluate, secs
from .model import (
    AppInfo,
    ExecutorSummary,
    FailureGroup,
    Finding,
    JobSummary,
    ReadStats,
    SqlSummary,
    StageSummary,
    Timeline,
    to_plain,
)
from .thresholds import Thresholds
from .timeline import timeline as make_timeline

# set per run, by Spark or the launcher: not the user's configuration
VOLATILE = ("spark.app.id", "spark.app.startTime", "spark.app.submitTime", "spark.driver.port", "spark.driver.host",
            "spark.executor.id", "spark.driver.appUIAddress", "spark.ui.proxyBase", "spark.repl.class.uri",
            "spark.repl.class.outputDir", "spark.yarn.app.id", "spark.yarn.app.container.log.dir",
            "spark.app.attempt.id", "spark.app.initial.jar.urls", "spark.app.initial.file.urls",
            "spark.sql.execution.id", "spark.job.tags", "spark.sql.execution.root.id")
FAILURE_KINDS = ("task", "executor", "job", "stage", "sql", "stream")


@dataclass(frozen=True)
class EventLogReport:
    source: str
    read: ReadStats
    app: AppInfo
    jobs: tuple[JobSummary, ...]
    stages: tuple[StageSummary, ...]
    executors: tuple[ExecutorSummary, ...]
    sql: tuple[SqlSummary, ...]
    failures: tuple[FailureGroup, ...]
    first_failure: FailureGroup | None
    findings: tuple[Finding, ...]
    timeline: Timeline
    config: tuple[tuple[str, str], ...]
    session_configs: tuple[tuple[str, str], ...]   # set at run time (spark.conf.set), from SQL executions
    outcome: str                                   # the root cause the runbook continues from, or "clean"
    node_id: str | None                            # where the runbook continues
    streams: tuple = ()                            # Structured Streaming query runs (StreamSummary)
    sessions: tuple = ()                           # Spark Connect client sessions (SessionSummary)

    @property
    def failed(self) -> bool:
        return (any(g.kind in ("job", "sql", "stream") for g in self.failures)
                or any(j.status == "failed" for j in self.jobs))

    @property
    def headline(self) -> str:
        a = self.app
        name = f"{a.name} ({a.app_id}, Spark {a.spark_version})"
        ff = self.first_failure
        if ff is not None:
            n = sum(g.count for g in self.failures if g.kind == "task")
            state = "failed" if self.failed else "recovered from failures"
            if a.kind in ("connect server", "thrift server") and self.failed:   # the server ran on; a request failed
                n_ops = sum(s.failed for s in self.sessions)
                state = f"served {len(self.sessions)} client session(s), {n_ops or 'some'} request(s) failed"
            return (f"{name} {state}: first failure {ff.headline[:160]} ({ff.where}); {n} failed task "
                    f"attempt(s) in {len([g for g in self.failures if g.kind == 'task'])} signature(s).")
        if self.findings:
            top = self.findings[0]
            return (f"{name} ran {secs(a.uptime_s)}; {len(self.findings)} finding(s), first: {top.title} — "
                    f"{top.evidence}")
        tail = "" if a.completed else " — the log has no ApplicationEnd (still running, or the driver died): " \
                                        "it may stop before the trouble"
        return f"{name} ran {secs(a.uptime_s)}: {len(self.jobs)} jobs, {len(self.stages)} stages, no failure and " \
               f"no finding{tail}."

    def stage(self, stage_id: int, attempt: int | None = None) -> StageSummary | None:
        hits = [s for s in self.stages if s.stage_id == stage_id and (attempt is None or s.attempt == attempt)]
        return hits[-1] if hits else None

    def to_dict(self) -> dict:
        d = {k: _plain(getattr(self, k)) for k in self.__dataclass_fields__}
        d["headline"] = self.headline
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)

    def to_markdown(self) -> str:
        from .render import report_markdown

        return report_markdown(self)


def _plain(v):
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    if hasattr(v, "__dataclass_fields__"):
        return to_plain(v)
    return v


def _skipped(stage_info: dict, stages: list[StageSummary], stage_jobs: dict) -> list[StageSummary]:
    ran = {s.stage_id for s in stages}
    return [StageSummary(stage_id=sid, attempt=0, name=i.get("name", ""), status="skipped",
                         num_tasks=i.get("tasks", 0), parents=i.get("parents", ()),
                         job_ids=tuple(stage_jobs.get(sid, ())))
            for sid, i in sorted(stage_info.items()) if sid not in ran]


def _config(env: dict, sql: list[SqlSummary]) -> tuple[tuple, tuple]:
    props = env.get("spark", {}) if env else {}
    config = tuple(sorted((k, str(v)) for k, v in props.items() if k not in VOLATILE))
    session: dict[str, str] = {}
    for q in sql:
        for k, v in q.modified_configs:
            if k not in VOLATILE and props.get(k) != v:
                session[k] = v
    return config, tuple(sorted(session.items()))


def _outcome(first: FailureGroup | None, findings: tuple[Finding, ...]) -> tuple[str, str | None]:
    if first is not None:
        return first.root_cause or "unknown", first.node_id
    if findings:
        return findings[0].cause, findings[0].node_id
    return "clean", None


def build(parts: dict, read: ReadStats, th: Thresholds) -> EventLogReport:
    app: AppInfo = parts["app"]
    stages = list(parts["stages"])
    stages += _skipped(parts.get("stage_info", {}), stages, parts.get("stage_jobs") or {})
    stages.sort(key=lambda s: (s.submitted_ms if s.submitted_ms is not None else 2**62, s.stage_id, s.attempt))
    tl = make_timeline(app, parts["jobs"], stages, parts["executors"], parts["task_s"])
    failures = tuple(parts["failures"])
    streams = tuple(parts.get("streams") or ())
    findings = evaluate(th, stages, parts["sql"], tl, failures, kind=app.kind)
    ff = first_failure(failures)
    outcome, node = _outcome(ff, findings)
    config, session = _config(parts.get("env") or {}, parts["sql"])
    return EventLogReport(source=read.source, read=read, app=app, jobs=tuple(parts["jobs"]), stages=tuple(stages),
                          executors=tuple(parts["executors"]), sql=tuple(parts["sql"]), failures=failures,
                          first_failure=ff, findings=findings, timeline=tl, config=config, session_configs=session,
                          outcome=outcome, node_id=node, streams=streams,
                          sessions=tuple(parts.get("sessions") or ()))
