"""What the jobs we ran cost: per-stage metrics from Spark itself.

Two sources, best first:

* the driver's monitoring REST API (``<uiWebUrl>/api/v1/applications/<id>/...``),
  asked on the loopback interface only -- it has bytes (input, shuffle read and
  write), task-time quantiles and the SQL plans with row counts per operator;
* the status tracker (classic only; always there, even with ``spark.ui.enabled=false``):
  task counts only.

Jobs are found by job tag: ``sc.addJobTag`` on classic Spark, which leaves the run's job group
-- and so the Cancel button -- untouched; on Spark Connect, the session tag the server puts on
every job it runs for a client (``SparkConnect_SessionTag_User_<user>_Session_<id>_Tag_<tag>``),
read from the server UI's REST API where it is reachable.  The functions here take the REST root
(``base``; None when there is none) so both kinds share them; :mod:`dcs_engine.runtime.context`
finds the root and the job ids for each kind.
"""
from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlparse

_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


@dataclass(frozen=True)
class StageMetrics:
    stage_id: int
    name: str
    status: str
    num_tasks: int
    input_bytes: int | None = None
    input_records: int | None = None
    shuffle_read_bytes: int | None = None
    shuffle_write_bytes: int | None = None
    run_time_ms: int | None = None          # summed executor run time
    cpu_time_ms: float | None = None        # summed executor CPU time (what contention does not inflate)
    task_median_ms: float | None = None     # task duration quantiles
    task_max_ms: float | None = None
    task_data_median: float | None = None   # bytes read per task (input or shuffle)
    task_data_max: float | None = None


@dataclass(frozen=True)
class JobMetrics:
    job_ids: tuple[int, ...]
    stages: tuple[StageMetrics, ...]
    source: str  # "rest", "tracker" or "none"
    note: str = ""  # why the source is not "rest", or what is missing (task summaries that failed)

    def _sum(self, attr: str) -> int | None:
        vals = [getattr(s, attr) for s in self.stages]
        if not vals or any(v is None for v in vals):
            return None
        return int(sum(vals))

    @property
    def run_time_s(self) -> float | None:
        """Summed executor run time of all tasks: the work done, whatever the parallelism."""
        ms = self._sum("run_time_ms")
        return None if ms is None else ms / 1000.0

    @property
    def cpu_time_s(self) -> float | None:
        """Summed executor CPU time of all tasks (waiting for a core or for I/O left out)."""
        vals = [s.cpu_time_ms for s in self.stages]
        if not vals or any(v is None for v in vals):
            return None
        return sum(vals) / 1000.0

    @property
    def max_input_records(self) -> int | None:
        """Input records of the stage that read the most (None when nothing was reported)."""
        vals = [s.input_records for s in self.stages if s.input_records]
        return max(vals) if vals else None

    @property
    def num_tasks(self) -> int:
        return sum(s.num_tasks for s in self.stages)

    @property
    def input_bytes(self) -> int | None:
        return self._sum("input_bytes")

    @property
    def shuffle_read_bytes(self) -> int | None:
        return self._sum("shuffle_read_bytes")

    @property
    def shuffle_write_bytes(self) -> int | None:
        return self._sum("shuffle_write_bytes")


def rest_base(sc) -> str | None:
    """The application's REST root on loopback, or None when the UI is off."""
    try:
        url = sc.uiWebUrl
    except Exception:
        return None
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.port is None:
        return None
    # The driver binds to 127.0.0.1 in this app; never ask another host.
    host = parsed.hostname or ""
    if host not in _LOOPBACK:
        host = "127.0.0.1"
    return f"http://127.0.0.1:{parsed.port}/api/v1/applications/{sc.applicationId}"


def connect_rest_base(spark, timeouts: tuple[float, ...] = (5.0, 20.0)) -> str | None:
    """The REST root of a Spark Connect server's UI, when the client can reach it (else None).

    The server tells its UI port and application id through its conf; the UI is asked on the host
    of the Connect endpoint itself, never elsewhere.  A cold UI's first answer takes seconds (more on
    a busy server), so a slow answer is asked again with a longer timeout; a refused connection is
    final at once."""
    try:
        port = spark.conf.get("spark.ui.port", None) or "4040"
        app_id = spark.conf.get("spark.app.id", None)
        enabled = (spark.conf.get("spark.ui.enabled", None) or "true").lower() == "true"
    except Exception:
        return None
    if not app_id or not enabled or not str(port).isdigit():
        return None
    from dcs_engine.runtime.session import MANAGER, parse_connect_url

    settings = MANAGER.settings
    host = parse_connect_url(settings.master).host if settings and settings.is_connect else "127.0.0.1"
    base = f"http://{host}:{port}/api/v1/applications/{app_id}"
    for timeout in timeouts:
        try:
            get_json(f"{base}/jobs?status=running", timeout=timeout)
            return base
        except Exception as exc:
            if not _slow(exc):
                return None
    return None


def _slow(exc: BaseException) -> bool:
    """Did the answer only come too late (worth asking again), rather than not at all?"""
    import socket

    reason = getattr(exc, "reason", exc)
    return isinstance(reason, (TimeoutError, socket.timeout)) or "timed out" in str(reason)


def job_ids_with_tag_suffix(base: str, suffix: str) -> tuple[int, ...]:
    """Ids of the jobs whose tags include one ending with ``suffix`` (REST)."""
    try:
        jobs = get_json(f"{base}/jobs")
    except Exception:
        return ()
    return tuple(sorted(j["jobId"] for j in jobs if any(t.endswith(suffix) for t in j.get("jobTags", []))))


def get_json(url: str, timeout: float = 5.0):
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (loopback only)
        return json.loads(resp.read().decode("utf-8"))


_PRIMED: set[str] = set()


def prime(sc) -> None:
    """Warm the REST API up in the background, once per application.

    Its first answers take a second or two (the JVM loads and compiles the web stack);
    asked early, while Spark is idle or busy with a first job, later metrics come fast."""
    import threading

    base = rest_base(sc)
    if base is None or base in _PRIMED:
        return
    _PRIMED.add(base)

    def ask():
        for path in ("/jobs", "/stages?details=false", "/sql?details=false"):
            try:
                get_json(base + path, timeout=30.0)
            except Exception:
                pass

    threading.Thread(target=ask, name="dcs-rest-prime", daemon=True).start()


def job_ids_for_tag(sc, tag: str) -> tuple[int, ...]:
    try:
        ids = sc._jsc.sc().statusTracker().getJobIdsForTag(tag)
        return tuple(sorted(int(i) for i in ids))
    except Exception:
        return ()


def _stage_from_tracker(sc, sid: int) -> StageMetrics | None:
    info = sc.statusTracker().getStageInfo(sid)
    if info is None:
        return None
    return StageMetrics(stage_id=sid, name=info.name, status="", num_tasks=info.numTasks)


def _settled(base: str, job_ids, wait_s: float) -> list[dict]:
    """Job records once they are no longer running (the listener bus lags): one list call per poll."""
    wanted = set(job_ids)
    deadline = time.time() + wait_s
    while True:
        try:
            jobs = [j for j in get_json(f"{base}/jobs") if j.get("jobId") in wanted]
        except Exception:
            jobs = []
        busy = any(j["status"] == "RUNNING" for j in jobs) or len(jobs) < len(wanted)
        if not busy or time.time() > deadline:
            return jobs
        time.sleep(0.05)


def _execution_ids(jobs: list[dict]) -> set[int]:
    """SQL execution ids from the jobs' tags (``...-execution-root-id-N``)."""
    out = set()
    for j in jobs:
        for tag in j.get("jobTags", []):
            head, sep, num = tag.rpartition("-execution-root-id-")
            if sep and num.isdigit():
                out.add(int(num))
    return out


def _quantiles(summary: dict, *path) -> tuple[float | None, float | None]:
    node = summary
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            return None, None
    return (float(node[0]), float(node[1])) if len(node) >= 2 else (None, None)


def task_quantiles(base: str, st: dict) -> tuple[float | None, float | None, float, float]:
    """(median, max task duration ms, median, max bytes read per task) of one stage attempt (REST)."""
    summary = get_json(f"{base}/stages/{st['stageId']}/{st['attemptId']}/taskSummary?quantiles=0.5,1.0")
    med, mx = _quantiles(summary, "duration")
    i_med, i_max = _quantiles(summary, "inputMetrics", "bytesRead")
    s_med, s_max = _quantiles(summary, "shuffleReadMetrics", "readBytes")
    return med, mx, max(i_med or 0.0, s_med or 0.0), max(i_max or 0.0, s_max or 0.0)


def _stage_metrics(base: str, st: dict, with_tasks: bool, problems: list | None = None) -> StageMetrics:
    med = mx = dmed = dmax = None
    if with_tasks and st.get("status") == "COMPLETE" and st.get("numTasks", 0) > 0:
        try:
            med, mx, dmed, dmax = task_quantiles(base, st)
        except Exception as exc:  # kept: the caller says which stages have no task summary
            if problems is not None:
                problems.append(f"stage {st.get('stageId')}: task summary unreadable ({type(exc).__name__})")
    return StageMetrics(
        stage_id=int(st["stageId"]), name=st.get("name", ""), status=st.get("status", ""),
        num_tasks=int(st.get("numTasks", 0)), input_bytes=int(st.get("inputBytes", 0)),
        input_records=int(st.get("inputRecords", 0)), shuffle_read_bytes=int(st.get("shuffleReadBytes", 0)),
        shuffle_write_bytes=int(st.get("shuffleWriteBytes", 0)), run_time_ms=int(st.get("executorRunTime", 0)),
        cpu_time_ms=(st["executorCpuTime"] / 1e6) if "executorCpuTime" in st else None,
        task_median_ms=med, task_max_ms=mx, task_data_median=dmed, task_data_max=dmax)


def _from_tracker(sc, job_ids, why: str = "") -> JobMetrics:
    tracker = sc.statusTracker()
    stages = []
    for jid in job_ids:
        info = tracker.getJobInfo(jid)
        for sid in (info.stageIds if info else ()):
            m = _stage_from_tracker(sc, sid)
            if m is not None and all(s.stage_id != sid for s in stages):
                stages.append(m)
    return JobMetrics(tuple(job_ids), tuple(stages), "tracker", why + "; the status tracker has task counts only")


def metrics_for_groups(base: str | None, groups: dict, with_tasks: bool = False, wait_s: float = 3.0,
                       tracker=None) -> dict:
    """``{key: JobMetrics}`` for ``{key: job ids}``, with a handful of REST calls in all
    (one settle poll over every job, one stage list), however many groups there are.

    Without REST (``base`` None, or it failed), the classic status tracker (``tracker``: a
    SparkContext) gives task counts only; with neither, the metrics say ``source='none'``.
    Each fallback says why in ``JobMetrics.note``."""
    groups = {k: tuple(sorted(v)) for k, v in groups.items()}
    every = sorted({j for ids in groups.values() for j in ids})
    nothing = "no jobs found under the tag" + ("" if base else " (no Spark UI REST API to ask)")
    out = {k: JobMetrics((), (), "none", nothing) for k, ids in groups.items() if not ids}
    if not every:
        return out
    why = "the Spark UI's REST API is off or not reachable"
    if base is not None:
        try:
            out.update(_from_rest(base, groups, every, with_tasks, wait_s))
            return out
        except Exception as exc:  # said in the note of every group, never read as "no work"
            why = f"the Spark UI's REST API failed: {type(exc).__name__}: {str(exc)[:120]}"
    for key, ids in groups.items():
        if ids:
            out[key] = (_from_tracker(tracker, ids, why) if tracker is not None
                        else JobMetrics(ids, (), "none", why))
    return out


def _from_rest(base: str, groups: dict, every: list, with_tasks: bool, wait_s: float) -> dict:
    jobs = {j["jobId"]: j for j in _settled(base, every, wait_s)}
    attempts: dict[int, dict] = {}
    for st in get_json(f"{base}/stages?details=false"):
        sid = st.get("stageId")
        if sid not in attempts or st.get("attemptId", 0) > attempts[sid].get("attemptId", 0):
            attempts[sid] = st
    out = {}
    for key, ids in groups.items():
        if not ids:
            continue
        sids = sorted({s for jid in ids for s in jobs.get(jid, {}).get("stageIds", [])})
        problems: list[str] = []
        stages = [_stage_metrics(base, attempts[sid], with_tasks, problems) for sid in sids if sid in attempts
                  and attempts[sid].get("status") not in ("SKIPPED", "PENDING")]
        missing = [j for j in ids if j not in jobs]
        if missing:
            problems.append(f"job(s) {', '.join(map(str, missing))} not listed by the REST API yet")
        out[key] = JobMetrics(ids, tuple(stages), "rest", "; ".join(problems))
    return out


def job_metrics(base: str | None, job_ids, with_tasks: bool = False, wait_s: float = 3.0,
                tracker=None) -> JobMetrics:
    """Metrics of the stages that ``job_ids`` ran (skipped stages left out)."""
    return metrics_for_groups(base, {0: job_ids}, with_tasks, wait_s, tracker)[0]


def sql_for_groups(base: str | None, groups: dict, wait_s: float = 3.0) -> dict:
    """``{key: [SQL execution]}`` (plan text, operators with row counts, edges) for
    ``{key: job ids}``: one settle poll in all, then one call per execution."""
    out = {k: [] for k in groups}
    every = sorted({j for ids in groups.values() for j in ids})
    if base is None or not every:
        return out
    try:
        jobs = {j["jobId"]: j for j in _settled(base, every, wait_s)}
        cache: dict[int, dict] = {}
        for key, ids in groups.items():
            wanted = set(ids)
            for eid in sorted(_execution_ids([jobs[j] for j in ids if j in jobs])):
                if eid not in cache:
                    cache[eid] = get_json(f"{base}/sql/{eid}?details=true&planDescription=true")
                e = cache[eid]
                ran = (set(e.get("successJobIds", [])) | set(e.get("failedJobIds", []))
                       | set(e.get("runningJobIds", [])))
                if ran & wanted or not ran:
                    out[key].append(e)
    except Exception:
        return out
    return out
