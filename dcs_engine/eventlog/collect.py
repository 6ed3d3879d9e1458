"""One pass over an event log's lines: dispatch by event type, keep only what the report needs.

The event type is read from the line's first bytes (Spark writes ``{"Event":"…"``
first); a line written otherwise falls back to a search, then to a full decode.
Task starts are only counted, task ends are decoded selectively
(:func:`.stages.decode_task_end`), every other known event is decoded whole --
they are few.  Unknown events and fields are ignored, so logs of other Spark
versions and platforms read as far as they share Spark's listener events.
SQL events are matched by their class's simple name (``…ui.SparkListenerSQLExecutionStart``).
"""
from __future__ import annotations

import json
import re
from collections import Counter

from .failures import NOT_FAILURES, FailureTally
from .model import AppInfo, ExecutorSummary, JobSummary, short_name
from .sessions import SessionTally, app_kind
from .sqlexec import SqlAcc
from .stages import StageAcc, decode_task_end, late_tasks
from .streaming import StreamTally, batch_of, run_of

_PREFIX = b'{"Event":"'
_EVENT = re.compile(rb'"Event"\s*:\s*"([^"]+)"')
_loads = json.loads
# Spark listener events the report has no use for (simple class names): skipped without a note
KNOWN_UNUSED = frozenset((
    b"SparkListenerTaskStart", b"SparkListenerResourceProfileAdded", b"SparkListenerUnpersistRDD",
    b"SparkListenerBlockManagerRemoved", b"SparkListenerBlockUpdated", b"SparkListenerExecutorMetricsUpdate",
    b"SparkListenerStageExecutorMetrics", b"SparkListenerTaskGettingResult", b"SparkListenerSpeculativeTaskSubmitted",
    b"SparkListenerUnschedulableTaskSetAdded", b"SparkListenerUnschedulableTaskSetRemoved",
    b"SparkListenerMiscellaneousProcessAdded", b"StreamingQueryListener$QueryIdleEvent",
    b"SparkListenerEffectiveSQLConf", b"SparkListenerConnectServiceStarted", b"SparkListenerConnectOperationAnalyzed",
    b"SparkListenerConnectOperationReadyForExecution", b"SparkListenerConnectOperationClosed",
))
CONNECT = (b"SessionStarted", b"SessionClosed", b"OperationStarted", b"OperationFinished", b"OperationFailed",
           b"OperationCanceled")


class Collector:
    def __init__(self, benign_removals=()):
        self.events: Counter = Counter()
        self.bad_lines = 0
        self.app: dict = {}
        self.env: dict = {}
        self.live: dict[tuple[int, int], StageAcc] = {}
        self.late: dict[tuple[int, int], StageAcc] = {}
        self.stages: list = []                       # frozen StageSummary, in completion order
        self.stage_info: dict[int, dict] = {}        # every stage a job announced: name, tasks, parents
        self.stage_jobs: dict[int, list[int]] = {}
        self.jobs: dict[int, dict] = {}
        self.executors: dict[str, dict] = {}
        self.sql_live: dict[int, SqlAcc] = {}
        self.sql_done: list = []
        self.acc_owner: dict[int, SqlAcc] = {}
        self.tally = FailureTally(tuple(benign_removals))
        self.streams = StreamTally()
        self.sessions = SessionTally()
        self.task_ms = 0
        self.last_ms = 0
        self._handlers = {
            b"SparkListenerTaskEnd": self._task_end, b"SparkListenerTaskStart": None,
            b"SparkListenerStageSubmitted": self._stage_submitted, b"SparkListenerStageCompleted": self._stage_done,
            b"SparkListenerJobStart": self._job_start, b"SparkListenerJobEnd": self._job_end,
            b"SparkListenerExecutorAdded": self._executor_added, b"SparkListenerExecutorRemoved": self._removed,
            b"SparkListenerBlockManagerAdded": self._block_manager, b"SparkListenerLogStart": self._log_start,
            b"SparkListenerApplicationStart": self._app_start, b"SparkListenerApplicationEnd": self._app_end,
            b"SparkListenerEnvironmentUpdate": self._environment,
            b"SparkListenerSQLExecutionStart": self._sql_start, b"SparkListenerSQLExecutionEnd": self._sql_end,
            b"SparkListenerSQLAdaptiveExecutionUpdate": self._sql_update,
            b"SparkListenerSQLAdaptiveSQLMetricUpdates": self._sql_metrics,
            b"SparkListenerDriverAccumUpdates": self._driver_accums,
            b"StreamingQueryListener$QueryStartedEvent": self._stream(self.streams.started),
            b"StreamingQueryListener$QueryProgressEvent": self._stream(self.streams.progress),
            b"StreamingQueryListener$QueryTerminatedEvent": self._stream(self.streams.terminated),
        }
        for kind in CONNECT:
            self._handlers[b"SparkListenerConnect" + kind] = self._connect(kind)
        self._resolved: dict[bytes, object] = dict(self._handlers)

    # ------------------------------------------------------------------ dispatch
    def feed(self, line: bytes) -> None:
        if line.startswith(_PREFIX):
            name = line[10:line.find(b'"', 10)]
        else:
            m = _EVENT.search(line[:4096])
            if m is None:
                if line.strip():
                    self.bad_lines += 1
                return
            name = m.group(1)
        self.events[name] += 1
        try:
            handler = self._resolved[name]
        except KeyError:
            handler = self._resolved[name] = self._handlers.get(name.rsplit(b".", 1)[-1])
        if handler is None:
            return
        try:
            handler(line)
        except ValueError:   # a cut-off or corrupt line (json errors are ValueErrors)
            self.bad_lines += 1
        except (KeyError, TypeError, AttributeError):   # an event of an unexpected shape
            self.bad_lines += 1

    @staticmethod
    def _stream(fn):
        return lambda line: fn(_loads(line))

    def _connect(self, kind: bytes):
        return lambda line: self.sessions.feed(kind, _loads(line))

    def _seen(self, t) -> None:
        if isinstance(t, int) and t > self.last_ms:
            self.last_ms = t

    # ------------------------------------------------------------------ tasks and stages
    def _task_end(self, line: bytes) -> None:
        head, metrics = decode_task_end(line)
        sid, att = head.get("Stage ID", -1), head.get("Stage Attempt ID", 0)
        info = head.get("Task Info") or {}
        reason = head.get("Task End Reason") or {"Reason": "Success"}
        kind = reason.get("Reason", "Success")
        success = kind == "Success" and not info.get("Failed")
        killed = kind in NOT_FAILURES or bool(info.get("Killed"))   # a loser of speculation, a resubmit: no failure
        st = self.live.get((sid, att))
        if st is None:   # ended after its stage was frozen (kills after a job aborted, speculation): counted
            st = self.late.setdefault((sid, att), StageAcc(sid, att))   # into the summary at the end
        dur, _ = st.add(info, success, killed, metrics)
        self.task_ms += dur
        self._seen(info.get("Finish Time"))
        ex = self.executors.setdefault(str(info.get("Executor ID", "?")), {"host": info.get("Host")})
        ex["tasks"] = ex.get("tasks", 0) + 1
        ex["task_ms"] = ex.get("task_ms", 0) + dur
        if not success:
            ex["failed"] = ex.get("failed", 0) + 1
            self.tally.task(reason, sid, att, info)

    def _stage_submitted(self, line: bytes) -> None:
        si = _loads(line)["Stage Info"]
        sid, att = si["Stage ID"], si.get("Stage Attempt ID", 0)
        self._remember_stage(si)
        self.live[(sid, att)] = StageAcc(sid, att, short_name(si.get("Stage Name", "")), si.get("Number of Tasks", 0),
                                         si.get("Parent IDs", ()), si.get("Submission Time"))
        self._seen(si.get("Submission Time"))

    def _remember_stage(self, si: dict) -> None:
        self.stage_info[si["Stage ID"]] = {"name": short_name(si.get("Stage Name", "")),
                                           "tasks": si.get("Number of Tasks", 0),
                                           "parents": tuple(si.get("Parent IDs", ()))}

    def _stage_done(self, line: bytes) -> None:
        si = _loads(line)["Stage Info"]
        sid, att = si["Stage ID"], si.get("Stage Attempt ID", 0)
        st = self.live.get((sid, att))
        if st is None:
            st = self.live[(sid, att)] = StageAcc(sid, att, short_name(si.get("Stage Name", "")),
                                                  si.get("Number of Tasks", 0), si.get("Parent IDs", ()),
                                                  si.get("Submission Time"))
        st.submitted = st.submitted or si.get("Submission Time")
        st.completed = si.get("Completion Time")
        st.failure = si.get("Failure Reason")
        st.status = "failed" if st.failure else "succeeded"
        self._seen(st.completed)
        updates = []
        for a in si.get("Accumulables") or ():
            acc_id = a.get("ID")
            if acc_id in self.acc_owner:
                try:
                    updates.append((acc_id, float(a.get("Value"))))
                except (TypeError, ValueError):
                    continue
        owners = {id(self.acc_owner[i]): self.acc_owner[i] for i, _ in updates}
        for sql in owners.values():
            sql.stage_values(updates, st)
        if st.failure:
            self._failed("stage", st.failure, st.completed, f"stage {sid}.{att} ({st.name})",
                         self.stage_jobs.get(sid, ()), sid)
        # frozen when its job ends: task ends can still arrive (killed and speculative attempts)

    def _failed(self, kind: str, text: str, t_ms, where: str, job_ids, stage: int | None = None) -> None:
        """A failed stage or job: held with its micro-batch when it belongs to a streaming query's run."""
        for jid in job_ids:
            job = self.jobs.get(jid, {})
            if job.get("stream_run"):
                batch = job["stream_batch"] if job.get("stream_batch") is not None else ("job", jid)
                self.streams.hold(job["stream_run"], kind, text, t_ms, where, batch, stage)
                return
        self.tally.other(kind, text, t_ms, where, stage)

    def _freeze_done(self, stage_ids) -> None:
        for key in [k for k, st in self.live.items() if k[0] in stage_ids and st.completed is not None]:
            st = self.live.pop(key)
            self.stages.append(st.freeze(self.stage_jobs.get(st.stage_id, ()), self._sql_of(st.stage_id)))

    def _sql_of(self, sid: int) -> int | None:
        for jid in self.stage_jobs.get(sid, ()):
            sql = self.jobs.get(jid, {}).get("sql")
            if sql is not None:
                return sql
        return None

    # ------------------------------------------------------------------ jobs
    def _job_start(self, line: bytes) -> None:
        ev = _loads(line)
        props = ev.get("Properties") or {}
        jid = ev["Job ID"]
        infos = ev.get("Stage Infos") or ()
        for si in infos:
            self._remember_stage(si)
        stage_ids = tuple(ev.get("Stage IDs") or (si["Stage ID"] for si in infos))
        for sid in stage_ids:
            self.stage_jobs.setdefault(sid, []).append(jid)
        sql = props.get("spark.sql.execution.id")
        sql_id = int(sql) if sql not in (None, "") and str(sql).lstrip("-").isdigit() else None
        name = short_name(props.get("spark.job.description") or props.get("callSite.short") or (
            infos[-1].get("Stage Name", "") if infos else ""))
        if name.startswith("$anonfun$") and sql_id in self.sql_live:   # an internal call site: the query's name
            name = short_name(self.sql_live[sql_id].description) or name
        described = str(props.get("spark.job.description") or "")
        if "runId = " not in described and sql_id in self.sql_live:
            described = self.sql_live[sql_id].description
        run = run_of(described)
        self.jobs[jid] = {"name": name, "stages": stage_ids, "submitted": ev.get("Submission Time"),
                          "sql": sql_id, "group": props.get("spark.jobGroup.id"), "status": "running",
                          "stream_run": run, "stream_batch": batch_of(described, sql_id) if run else None}
        if sql_id in self.sql_live:
            self.sql_live[sql_id].job_ids.append(jid)
        self._seen(ev.get("Submission Time"))

    def _job_end(self, line: bytes) -> None:
        ev = _loads(line)
        job = self.jobs.setdefault(ev["Job ID"], {"name": "", "stages": (), "submitted": None, "sql": None})
        job["completed"] = ev.get("Completion Time")
        result = ev.get("Job Result") or {}
        job["status"] = "succeeded" if result.get("Result") == "JobSucceeded" else "failed"
        if job["status"] == "failed":
            exc = result.get("Exception") or {}
            job["failure"] = str(exc.get("Message") or result.get("Result") or "failed")
            where = f"job {ev['Job ID']} ({job['name']})"
            self._failed("job", job["failure"], job["completed"], where, (ev["Job ID"],))
        self._seen(job["completed"])
        self._freeze_done(set(job.get("stages", ())))

    # ------------------------------------------------------------------ executors, app, environment
    def _executor_added(self, line: bytes) -> None:
        ev = _loads(line)
        info = ev.get("Executor Info") or {}
        ex = self.executors.setdefault(str(ev["Executor ID"]), {})
        ex.update(host=info.get("Host"), cores=info.get("Total Cores", 0), added=ev.get("Timestamp"))
        self._seen(ev.get("Timestamp"))

    def _removed(self, line: bytes) -> None:
        ev = _loads(line)
        eid = str(ev["Executor ID"])
        ex = self.executors.setdefault(eid, {})
        ex.update(removed=ev.get("Timestamp"), reason=ev.get("Removed Reason"))
        ex["lost"] = self.tally.executor_removed(eid, ev.get("Removed Reason") or "", ev.get("Timestamp"),
                                                 ex.get("host"))
        self._seen(ev.get("Timestamp"))

    def _block_manager(self, line: bytes) -> None:
        ev = _loads(line)
        bm = ev.get("Block Manager ID") or {}
        ex = self.executors.setdefault(str(bm.get("Executor ID", "?")), {})
        ex.setdefault("host", bm.get("Host"))
        ex.setdefault("added", ev.get("Timestamp"))

    def _log_start(self, line: bytes) -> None:
        self.app["spark_version"] = _loads(line).get("Spark Version", "")

    def _app_start(self, line: bytes) -> None:
        ev = _loads(line)
        self.app.update(app_id=ev.get("App ID"), name=ev.get("App Name"), start=ev.get("Timestamp"),
                        user=ev.get("User"), attempt=ev.get("App Attempt ID"))

    def _app_end(self, line: bytes) -> None:
        ev = _loads(line)
        self.app.update(end=ev.get("Timestamp"), completed=True, exit_code=ev.get("ExitCode"))
        self._seen(ev.get("Timestamp"))

    def _environment(self, line: bytes) -> None:
        ev = _loads(line)
        props = ev.get("Spark Properties") or {}
        if isinstance(props, list):   # very old logs: a list of pairs
            props = dict(props)
        self.env = {"spark": dict(props), "jvm": ev.get("JVM Information") or {},
                    "system": {k: v for k, v in (ev.get("System Properties") or {}).items()
                               if k in ("java.version", "sun.java.command", "os.name", "user.name")}}

    # ------------------------------------------------------------------ SQL
    def _sql_start(self, line: bytes) -> None:
        ev = _loads(line)
        sql = SqlAcc(int(ev["executionId"]), str(ev.get("description") or ""), ev.get("time"),
                     ev.get("modifiedConfigs"))
        self.sql_live[sql.sql_id] = sql
        for acc_id in sql.set_plan(ev.get("sparkPlanInfo"), ev.get("physicalPlanDescription")):
            self.acc_owner[acc_id] = sql
        self._seen(ev.get("time"))

    def _sql_update(self, line: bytes) -> None:
        ev = _loads(line)
        sql = self.sql_live.get(int(ev["executionId"]))
        if sql is not None:
            for acc_id in sql.set_plan(ev.get("sparkPlanInfo"), ev.get("physicalPlanDescription")):
                self.acc_owner[acc_id] = sql

    def _sql_metrics(self, line: bytes) -> None:
        ev = _loads(line)
        sql = self.sql_live.get(int(ev["executionId"]))
        if sql is not None:
            for acc_id in sql.add_metrics(ev.get("sqlPlanMetrics")):
                self.acc_owner[acc_id] = sql

    def _driver_accums(self, line: bytes) -> None:
        ev = _loads(line)
        sql = self.sql_live.get(int(ev["executionId"]))
        if sql is not None:
            sql.driver_values(ev.get("accumUpdates"))

    def _sql_end(self, line: bytes) -> None:
        ev = _loads(line)
        sql = self.sql_live.pop(int(ev["executionId"]), None)
        if sql is None:
            return
        sql.completed = ev.get("time")
        sql.error = ev.get("errorMessage") or None
        if sql.error:
            where, run = f"SQL execution {sql.sql_id} ({sql.description})", run_of(sql.description)
            if run is None:
                self.tally.other("sql", sql.error, sql.completed, where)
            else:   # a micro-batch: a failure only if its query did not stop cleanly
                self.streams.hold(run, "sql", sql.error, sql.completed, where, batch_of(sql.description, sql.sql_id))
        self._seen(sql.completed)
        self._close_sql(sql)

    def _close_sql(self, sql: SqlAcc) -> None:
        for acc_id in sql.owners:
            if self.acc_owner.get(acc_id) is sql:
                del self.acc_owner[acc_id]
        self.sql_done.append(sql.freeze())

    # ------------------------------------------------------------------ the end
    def _app_fallbacks(self, app_key: str | None) -> None:
        """A log cut before ApplicationStart: the id, name and start from the environment, then the file name."""
        props = self.env.get("spark", {}) if self.env else {}
        start = str(props.get("spark.app.startTime") or "")
        for key, value in (("app_id", props.get("spark.app.id") or app_key), ("name", props.get("spark.app.name")),
                           ("start", int(start) if start.isdigit() else None)):
            if self.app.get(key) is None and value:
                self.app[key] = value

    def finish(self, app_key: str | None = None) -> dict:
        """Freeze whatever is still open (a running or crashed application) and return the pieces."""
        self._app_fallbacks(app_key)
        for st in list(self.live.values()):
            self.stages.append(st.freeze(self.stage_jobs.get(st.stage_id, ()), self._sql_of(st.stage_id)))
        self.live.clear()
        for sql in list(self.sql_live.values()):
            self._close_sql(sql)
        self.sql_live.clear()
        self.stages = [late_tasks(s, self.late.get((s.stage_id, s.attempt))) for s in self.stages]
        streams = self.streams.resolve(self.tally)
        stopped = {q.run_id for q in streams if q.status == "stopped"}
        for job in self.jobs.values():   # a batch job cut off by its query's clean stop
            if job.get("status") == "failed" and job.get("stream_run") in stopped:
                job["status"] = "cancelled"
        end = self.app.get("end") or self.last_ms or None
        app = AppInfo(app_id=str(self.app.get("app_id") or "?"), name=str(self.app.get("name") or "?"),
                      attempt=self.app.get("attempt"), spark_version=str(self.app.get("spark_version") or "?"),
                      user=str(self.app.get("user") or "?"), master=str(self.env.get("spark", {}).get(
                          "spark.master", "?")), start_ms=self.app.get("start"), end_ms=end,
                      completed=bool(self.app.get("completed")), exit_code=self.app.get("exit_code"),
                      kind=app_kind(self.env, streams, self.sessions.sessions))
        jobs = [JobSummary(jid, str(j.get("name") or ""), j.get("status", "running"), tuple(j.get("stages", ())),
                           j.get("submitted"), j.get("completed"), j.get("sql"), j.get("group"), j.get("failure"))
                for jid, j in sorted(self.jobs.items())]
        executors = [ExecutorSummary(eid, str(e.get("host") or "?"), int(e.get("cores") or 0), e.get("added"),
                                     e.get("removed"), e.get("reason"), e.get("tasks", 0), e.get("failed", 0),
                                     e.get("task_ms", 0) / 1000) for eid, e in self.executors.items()]
        return {"app": app, "jobs": jobs, "stages": self.stages, "stage_info": self.stage_info,
                "executors": executors, "sql": sorted(self.sql_done, key=lambda s: s.sql_id),
                "failures": self.tally.groups(), "env": self.env, "task_s": self.task_ms / 1000,
                "events": self.events, "bad_lines": self.bad_lines, "stage_jobs": self.stage_jobs,
                "streams": streams, "sessions": self.sessions.summaries(), "handled": self._handled()}

    def _handled(self) -> set[bytes]:
        """The event names of this log that the reader decoded, or knows it has no use for."""
        return {n for n, h in self._resolved.items() if h is not None or n.rsplit(b".", 1)[-1] in KNOWN_UNUSED}
