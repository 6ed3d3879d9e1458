"""What a technique is given when it runs: one :class:`Context`, written once per kind of session.

Classic Spark (a local or cluster driver, with a SparkContext) and Spark Connect (a client of a
remote server: no SparkContext, no RDDs, no accumulators) differ in exactly the places techniques
care about, so those places live here and nowhere else:

=====================  =========================================  ===========================================
need                   classic                                    Spark Connect
=====================  =========================================  ===========================================
tag a run's jobs       job group + job tag on the SparkContext    session tag (``spark.addTag``)
cancel                 ``cancelJobGroup``                         ``spark.interruptTag``
progress               the status tracker                         the client's progress handler
ship the user's file   ``sc.addPyFile``                           ``spark.addArtifacts(..., pyfile=True)``
per-task tallies       ``mapInArrow`` (same on both)              ``mapInArrow``
metrics of a run       the driver UI's REST API, by job tag       the server UI's REST API where reachable,
                                                                  by the session tag Connect puts on jobs
=====================  =========================================  ===========================================

A technique asks :meth:`Context.require` for what only one kind has (``"rdd"``, ``"spark_context"``)
and gets a :class:`~dcs_engine.errors.TechniqueUnavailable` that says what to run instead.
"""
from __future__ import annotations

import itertools
import pickle
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from dcs_engine.errors import JobCancelled, TechniqueUnavailable
from dcs_engine.runtime import metrics as _metrics
from dcs_engine.runtime.session import is_connect_session

_ids = itertools.count(1)

CLASSIC_CAPABILITIES = frozenset({"rdd", "spark_context", "accumulators", "job_groups", "rest_metrics",
                                  "executor_infos"})
CONNECT_CAPABILITIES = frozenset({"artifacts", "session_tags"})


@dataclass(frozen=True)
class Progress:
    fraction: float
    jobs: int
    tasks_done: int
    tasks_total: int
    active_stages: int
    text: str


class Context:
    """The base: what is the same on both kinds.  Use :func:`context_for` to get the right one."""

    kind = "?"
    capabilities: frozenset[str] = frozenset()

    def __init__(self, spark, *, run_id: str | None = None, label: str = "dcs-doctor run"):
        self.spark = spark
        self.run_id = run_id or f"run-{next(_ids)}"
        self.tag = f"dcs-{self.run_id}"
        self.label = label
        self._cancelled = threading.Event()
        self._depth = 0

    # -- capabilities -------------------------------------------------
    def has(self, capability: str) -> bool:
        return capability in self.capabilities

    def require(self, capability: str, *, what: str, instead: str) -> None:
        """Refuse ``what`` on a session without ``capability``, naming what to do instead."""
        if not self.has(capability):
            raise TechniqueUnavailable(
                what, condition="TECHNIQUE_NOT_SUPPORTED",
                params={"what": what, "kind": self.kind, "capability": capability},
                expected=f"a session with {capability.replace('_', ' ')}",
                found=f"a {self.kind} session", fix=instead)

    # -- cancellation -------------------------------------------------
    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check_cancelled(self) -> None:
        if self.cancelled:
            raise JobCancelled(f"run '{self.label}'", condition="RUN_CANCELLED", params={"run": self.run_id},
                               found="cancelled by the user", fix="press Run again to start it anew")

    def cancel(self) -> None:
        """Stop this run's jobs now, and every job it starts until it returns (see :meth:`_cancel_jobs`)."""
        self._cancelled.set()
        self._cancel_jobs()

    @contextmanager
    def scope(self):
        """Tag every job started in this thread, for cancellation and metrics, until the block ends
        (re-entering an open scope adds nothing)."""
        if self._depth == 0:
            self._enter()
        self._depth += 1
        try:
            yield self
        finally:
            self._depth -= 1
            if self._depth == 0:
                try:
                    self._exit()
                except Exception:  # a dead JVM or a closed channel: nothing left to untag
                    pass

    # -- what differs by kind (overridden below) ----------------------
    def _enter(self) -> None:
        pass

    def _exit(self) -> None:
        pass

    @contextmanager
    def tagged(self, name: str):
        """A sub-tag for part of a run (a ladder step); yields the tag to ask metrics for."""
        yield f"{self.tag}-{name}"

    def _cancel_jobs(self) -> None:
        raise NotImplementedError

    def progress(self) -> Progress:
        return Progress(0.0, 0, 0, 0, 0, "working…")

    def ship_file(self, path: str) -> str:
        raise NotImplementedError

    def rest_base(self) -> str | None:
        return None

    def job_ids(self, tag: str | None = None) -> tuple[int, ...]:
        return ()

    # -- the same on both --------------------------------------------
    def ship_module_by_value(self, module) -> None:
        """Make tasks carry ``module``'s code (executors have no dcs-doctor installed)."""
        from pyspark import cloudpickle

        cloudpickle.register_pickle_by_value(module)

    def metrics(self, tags: dict | None = None, *, with_tasks: bool = False, wait_s: float = 3.0) -> dict:
        """``{key: JobMetrics}`` for ``{key: tag}`` (default: this run's own tag under key 0)."""
        tags = tags if tags is not None else {0: self.tag}
        groups = {key: self.job_ids(tag) for key, tag in tags.items()}
        return _metrics.metrics_for_groups(self.rest_base(), groups, with_tasks=with_tasks, wait_s=wait_s,
                                           tracker=self._tracker())

    def sql(self, tags: dict, wait_s: float = 3.0) -> dict:
        groups = {key: self.job_ids(tag) for key, tag in tags.items()}
        return _metrics.sql_for_groups(self.rest_base(), groups, wait_s=wait_s)

    def _tracker(self):
        return None

    def tally(self, df, task) -> list:
        """Run ``task(batches) -> picklable`` once per partition of ``df``; the results in partition order.

        ``batches`` is the task's iterator of ``pyarrow.RecordBatch``.  Each task sends one small
        pickled value back; nothing else leaves the executors.  Works on both kinds of session."""
        def per_task(batches):
            import pyarrow as pa
            from pyspark import TaskContext

            value = task(batches)
            part = TaskContext.get().partitionId()
            yield pa.RecordBatch.from_pydict({"part": [part], "blob": [pickle.dumps(value)]},
                                             schema=pa.schema([("part", pa.int32()), ("blob", pa.binary())]))

        rows = df.mapInArrow(per_task, "part int, blob binary").collect()
        return [pickle.loads(r["blob"]) for r in sorted(rows, key=lambda r: r["part"])]


class ClassicContext(Context):
    kind = "classic"
    capabilities = CLASSIC_CAPABILITIES

    @property
    def sc(self):
        return self.spark.sparkContext

    def _enter(self) -> None:
        self.sc.setJobGroup(self.tag, self.label, interruptOnCancel=True)
        self.sc.addJobTag(self.tag)

    def _exit(self) -> None:
        self.sc.removeJobTag(self.tag)
        self.sc.setLocalProperty("spark.jobGroup.id", None)

    @contextmanager
    def tagged(self, name: str):
        tag = f"{self.tag}-{name}"
        self.sc.addJobTag(tag)
        try:
            yield tag
        finally:
            self.sc.removeJobTag(tag)

    def _cancel_jobs(self) -> None:
        self.sc.cancelJobGroup(self.tag)

    def progress(self) -> Progress:
        tracker = self.sc.statusTracker()
        job_ids = tracker.getJobIdsForGroup(self.tag)
        done = total = active = 0
        for jid in job_ids:
            info = tracker.getJobInfo(jid)
            for sid in (info.stageIds if info else ()):
                st = tracker.getStageInfo(sid)
                if st is None:
                    continue
                total += st.numTasks
                done += st.numCompletedTasks
                active += 1 if st.numActiveTasks else 0
        frac = (done / total) if total else 0.0
        text = f"{len(job_ids)} Spark job(s), {done}/{total} tasks" if job_ids else "preparing…"
        return Progress(min(frac, 0.99), len(job_ids), done, total, active, text)

    def ship_file(self, path: str) -> str:
        self.sc.addPyFile(path)
        return f"sc.addPyFile({path!r})"

    def rest_base(self) -> str | None:
        return _metrics.rest_base(self.sc)

    def job_ids(self, tag: str | None = None) -> tuple[int, ...]:
        return _metrics.job_ids_for_tag(self.sc, tag or self.tag)

    def _tracker(self):
        return self.sc


class ConnectContext(Context):
    kind = "connect"
    capabilities = CONNECT_CAPABILITIES

    def __init__(self, spark, **kw):
        super().__init__(spark, **kw)
        self._progress = Progress(0.0, 0, 0, 0, 0, "preparing…")
        self._base: str | None | bool = False  # False: not looked up yet

    def _enter(self) -> None:
        self.spark.addTag(self.tag)
        self.spark.registerProgressHandler(self._on_progress)

    def _exit(self) -> None:
        self.spark.removeProgressHandler(self._on_progress)
        self.spark.removeTag(self.tag)

    @contextmanager
    def tagged(self, name: str):
        tag = f"{self.tag}-{name}"
        self.spark.addTag(tag)
        try:
            yield tag
        finally:
            self.spark.removeTag(tag)

    def _on_progress(self, stages, inflight_tasks, operation_id, done) -> None:
        total = sum(s.num_tasks for s in stages)
        finished = sum(s.num_completed_tasks for s in stages)
        frac = 1.0 if done else (finished / total if total else 0.0)
        self._progress = Progress(min(frac, 0.99), 1, finished, total, len(stages),
                                  f"{finished}/{total} tasks, {inflight_tasks} running" if total else "preparing…")

    def _cancel_jobs(self) -> None:
        self.spark.interruptTag(self.tag)

    def progress(self) -> Progress:
        return self._progress

    def ship_file(self, path: str) -> str:
        self.spark.addArtifacts(path, pyfile=True)
        return f"spark.addArtifacts({path!r}, pyfile=True)"

    def rest_base(self) -> str | None:
        if self._base is False:
            self._base = _metrics.connect_rest_base(self.spark)
        return self._base or None

    def job_ids(self, tag: str | None = None) -> tuple[int, ...]:
        base = self.rest_base()
        if base is None:
            return ()
        suffix = f"_Session_{self.spark.session_id}_Tag_{tag or self.tag}"
        return _metrics.job_ids_with_tag_suffix(base, suffix)


def context_for(spark, **kw) -> Context:
    """The context that fits ``spark``'s kind (a classic driver or a Connect client)."""
    return (ConnectContext if is_connect_session(spark) else ClassicContext)(spark, **kw)
