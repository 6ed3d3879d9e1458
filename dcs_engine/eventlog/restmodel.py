"""REST API answers (``/api/v1``) to the same model the event-log reader builds.

Where the REST API says less than the log: stage task time is the executor
run time (the API has no sum of task wall times), the bytes each task read are
the sum of the input and shuffle-read quantiles (exact when a stage reads only
one of the two, as most do), plans come from the formatted plan text and the
node list, and SQL metric values are the UI's formatted strings.
"""
from __future__ import annotations

import calendar
import re
import time
from collections import Counter

from .failures import FailureTally
from .model import AppInfo, Dist, ExecutorSummary, JobSummary, SqlSummary, StageSummary, short_name
from .plans import WRAPPERS, clean_name, key_names, trim_plan
from .sessions import app_kind

_STATUS = {"COMPLETE": "succeeded", "FAILED": "failed", "SKIPPED": "skipped", "ACTIVE": "running",
           "PENDING": "running", "SUCCEEDED": "succeeded", "RUNNING": "running"}
_UNITS = {"b": 1, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40, "kb": 2**10, "mb": 2**20, "gb": 2**30}
_NUMBER = re.compile(r"^\s*(?:total[^\n]*\n)?\s*([\d.,]+)\s*([A-Za-z]*)")
_KEYS = re.compile(r"Left keys \[\d+\]: \[(.*?)\]")
_LOCATION = re.compile(r"Location: \w+(?:\(\d+ paths\))? ?\[([^\],]+)")
_SCAN = re.compile(r"\(\d+\) Scan (\w+) ?([^\s\[]*)")


def epoch_ms(text) -> int | None:
    """Spark's REST time ``2026-12-01T21:19:10.123GMT`` in epoch ms."""
    if not text or not isinstance(text, str):
        return None
    try:
        base, _, frac = text.replace("GMT", "").partition(".")
        secs = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
        return secs * 1000 + int((frac or "0")[:3].ljust(3, "0"))
    except ValueError:
        return None


def metric_number(text) -> float | None:
    """A UI metric string (``12``, ``1,234``, ``3.2 MiB``, ``total (min, med, max)\\n4.0 KiB (…)``) as a number."""
    if text is None:
        return None
    m = _NUMBER.match(str(text))
    if not m:
        return None
    try:
        value = float(m.group(1).replace(",", ""))
    except ValueError:
        return None
    return value * _UNITS.get(m.group(2).lower(), 1)


def _dist(values, n: int, scale: float = 1.0) -> Dist | None:
    if not values or len(values) != 5 or n <= 0:
        return None
    v = [float(x) * scale for x in values]
    return Dist(n, v[0], v[1], v[2], v[3], v[4])


def _read_dist(d: dict, n: int) -> Dist | None:
    inp = (d.get("inputMetrics") or {}).get("bytesRead")
    shr = (d.get("shuffleReadMetrics") or {}).get("readBytes")
    if not inp and not shr:
        return None
    inp = inp or [0] * 5
    shr = shr or [0] * 5
    return _dist([a + b for a, b in zip(inp, shr)], n)


def _stage(s: dict, stage_jobs: dict, job_sql: dict) -> StageSummary:
    d = s.get("taskMetricsDistributions") or {}
    sid = s["stageId"]
    n = int(s.get("numCompleteTasks") or 0)
    jobs = tuple(stage_jobs.get(sid, ()))
    peak = (d.get("peakExecutionMemory") or [0])[-1] if d.get("peakExecutionMemory") else s.get(
        "peakExecutionMemory", 0)
    return StageSummary(
        stage_id=sid, attempt=s.get("attemptId", 0), name=s.get("name", ""),
        status=_STATUS.get(s.get("status", ""), "running"), num_tasks=s.get("numTasks", 0), job_ids=jobs,
        sql_id=next((job_sql[j] for j in jobs if j in job_sql), None),
        submitted_ms=epoch_ms(s.get("submissionTime")), completed_ms=epoch_ms(s.get("completionTime")),
        tasks_succeeded=s.get("numCompleteTasks", 0), tasks_failed=s.get("numFailedTasks", 0),
        tasks_killed=s.get("numKilledTasks", 0), task_time_s=s.get("executorRunTime", 0) / 1000,
        run_time_s=s.get("executorRunTime", 0) / 1000, cpu_time_s=s.get("executorCpuTime", 0) / 1e9,
        gc_time_s=s.get("jvmGcTime", 0) / 1000, duration=_dist(d.get("duration"), n, 0.001),
        run_time=_dist(d.get("executorRunTime"), n, 0.001), read_bytes=_read_dist(d, n),
        input_bytes=s.get("inputBytes", 0), input_records=s.get("inputRecords", 0),
        output_bytes=s.get("outputBytes", 0), output_records=s.get("outputRecords", 0),
        shuffle_read_bytes=s.get("shuffleReadBytes", 0), shuffle_read_records=s.get("shuffleReadRecords", 0),
        shuffle_write_bytes=s.get("shuffleWriteBytes", 0), shuffle_write_records=s.get("shuffleWriteRecords", 0),
        memory_spilled=s.get("memoryBytesSpilled", 0), disk_spilled=s.get("diskBytesSpilled", 0),
        peak_execution_memory=int(peak or 0), failure=s.get("failureReason"))


def _sql(q: dict) -> SqlSummary:
    nodes = q.get("nodes") or []
    names = [clean_name(str(n.get("nodeName", ""))) for n in nodes]
    text = q.get("planDescription") or ""
    flags = set()
    if any(n.startswith("CartesianProduct") for n in names):
        flags.add("cartesian")
    if any(n.startswith("BroadcastNestedLoopJoin") for n in names):
        flags.add("nested_loop_join")
    if "Window" in names and "SinglePartition" in text:
        flags.add("window_single_partition")
    if any(re.search(r"Python|Pandas|ArrowEval|InArrow", n) for n in names):
        flags.add("python_udf")
    metrics: dict[str, float] = {}
    broadcast = None
    for n in nodes:
        for m in n.get("metrics") or ():
            v = metric_number(m.get("value"))
            if v is None:
                continue
            name = m.get("name", "")
            if name == "data size" and str(n.get("nodeName", "")).startswith("BroadcastExchange"):
                broadcast = max(broadcast or 0, int(v))
            metrics[name] = metrics.get(name, 0) + v
    joins = [f"{j} on {', '.join(key_names(k))}" for j, k in zip(
        [n for n in names if n.endswith("Join")], _KEYS.findall(text))]
    scans = [(fmt.lower(), table or loc) for (fmt, table), loc in zip(_SCAN.findall(text),
                                                                    _LOCATION.findall(text) + [""] * 50)]
    ops = Counter(n for n in names if n and not n.startswith(WRAPPERS))
    start = epoch_ms(q.get("submissionTime"))
    dur = q.get("duration")
    return SqlSummary(
        sql_id=int(q.get("id", -1)), description=str(q.get("description") or ""), submitted_ms=start,
        completed_ms=start + int(dur) if start is not None and dur is not None else None,
        error=q.get("errorMessage") or (q.get("status") if q.get("status") == "FAILED" else None),
        nodes=len(nodes), operators=tuple(sorted(ops.items())), joins=tuple(joins), scans=tuple(scans),
        job_ids=tuple(q.get("successJobIds", []) + q.get("failedJobIds", []) + q.get("runningJobIds", [])),
        python_time_s=metrics["time to execute Python code"] / 1000 if "time to execute Python code" in metrics
        else None, files_read=_int(metrics.get("number of files read")),
        bytes_files_read=_int(metrics.get("size of files read")),
        files_written=_int(metrics.get("number of written files")), bytes_written=_int(metrics.get("written output")),
        broadcast_bytes=broadcast, plan_flags=tuple(sorted(flags)), plan_text=trim_plan(text))


def _int(v):
    return None if v is None else int(v)


def _failures(data: dict, benign) -> tuple:
    tally = FailureTally(tuple(benign))
    for (sid, att), tasks in data.get("failed_tasks", {}).items():
        for t in tasks:
            text = t.get("errorMessage") or "failed"
            kind = next((k for k in ("ExecutorLostFailure", "FetchFailed", "TaskKilled") if text.startswith(k)),
                        "ExceptionFailure")
            info = {"Executor ID": t.get("executorId"), "Host": t.get("host"), "Index": t.get("index"),
                    "Attempt": t.get("attempt"), "Task ID": t.get("taskId"),
                    "Finish Time": (epoch_ms(t.get("launchTime")) or 0) + int(t.get("duration") or 0)}
            tally.task({"Reason": kind}, sid, att, info, text=text)
    for e in data.get("allexecutors") or ():
        if e.get("removeReason"):
            tally.executor_removed(str(e.get("id")), e["removeReason"], epoch_ms(e.get("removeTime")),
                                   str(e.get("hostPort", "")).rsplit(":", 1)[0])
    for s in data.get("stages") or ():
        if s.get("failureReason"):
            tally.other("stage", s["failureReason"], epoch_ms(s.get("completionTime")),
                        f"stage {s['stageId']}.{s.get('attemptId', 0)} ({s.get('name', '')})", s["stageId"])
    for q in data.get("sql") or ():
        if q.get("errorMessage"):
            start = epoch_ms(q.get("submissionTime"))
            end = start + int(q.get("duration") or 0) if start is not None else None
            tally.other("sql", q["errorMessage"], end, f"SQL execution {q.get('id')}")
    return tally.groups()


def to_parts(data: dict, benign=()) -> dict:
    app, last = data["app"], data.get("attempt") or {}
    env = data.get("environment") or {}
    props = dict(env.get("sparkProperties") or [])
    start = last.get("startTimeEpoch") or epoch_ms(last.get("startTime"))
    end = last.get("endTimeEpoch") if (last.get("endTimeEpoch") or -1) > 0 else epoch_ms(last.get("endTime"))
    if not end or end < 0:
        end = last.get("lastUpdatedEpoch") or int(time.time() * 1000)
    info = AppInfo(app_id=str(app.get("id")), name=str(app.get("name")), attempt=last.get("attemptId"),
                   spark_version=str(last.get("appSparkVersion") or "?"), user=str(last.get("sparkUser") or "?"),
                   master=str(props.get("spark.master", "?")), start_ms=start, end_ms=end,
                   completed=bool(last.get("completed", False)),
                   kind=app_kind({"system": dict(env.get("systemProperties") or [])}, (), ()))
    stage_jobs: dict[int, list[int]] = {}
    for j in data.get("jobs") or ():
        for sid in j.get("stageIds") or ():
            stage_jobs.setdefault(sid, []).append(j["jobId"])
    sql = [_sql(q) for q in data.get("sql") or ()]
    job_sql = {jid: q.sql_id for q in sql for jid in q.job_ids}
    jobs = [JobSummary(j["jobId"], short_name(j.get("description") or j.get("name") or ""),
                       _STATUS.get(j.get("status", ""), "running"), tuple(j.get("stageIds") or ()),
                       epoch_ms(j.get("submissionTime")), epoch_ms(j.get("completionTime")),
                       job_sql.get(j["jobId"]), j.get("jobGroup")) for j in sorted(data.get("jobs") or (),
                                                                                  key=lambda j: j["jobId"])]
    stages = [_stage(s, stage_jobs, job_sql) for s in data.get("stages") or ()]
    executors = [ExecutorSummary(str(e.get("id")), str(e.get("hostPort", "?")).rsplit(":", 1)[0],
                                 int(e.get("totalCores") or 0), epoch_ms(e.get("addTime")),
                                 epoch_ms(e.get("removeTime")), e.get("removeReason"), int(e.get("totalTasks") or 0),
                                 int(e.get("failedTasks") or 0), (e.get("totalDuration") or 0) / 1000)
                 for e in data.get("allexecutors") or ()]
    return {"app": info, "jobs": jobs, "stages": stages, "stage_info": {}, "stage_jobs": stage_jobs,
            "executors": executors, "sql": sql, "failures": _failures(data, benign),
            "env": {"spark": props}, "task_s": sum(e.task_time_s for e in executors),
            "events": Counter(), "bad_lines": 0}
