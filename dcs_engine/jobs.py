"""Run technique work in the background, with progress and cancellation.

Each run gets its own Spark job group (``dcs-<owner>-<n>``), set in the thread
that runs it, so cancelling one browser session's run never touches another's
work on the shared SparkSession.  Progress is read from Spark's status tracker.
A finished handle keeps its result, so a UI rerun reads it instead of running
the work again.
"""
from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from .errors import DcsError, JobCancelled, SparkJobError

_ids = itertools.count(1)


@dataclass(frozen=True)
class Progress:
    fraction: float
    jobs: int
    tasks_done: int
    tasks_total: int
    active_stages: int
    text: str


class JobHandle:
    def __init__(self, owner: str, label: str, spark_provider: Callable, work: Callable[[Any], Any]):
        self.id = f"{owner}-{next(_ids)}"
        self.group = f"dcs-{self.id}"
        self.owner = owner
        self.label = label
        self._spark_provider = spark_provider
        self._work = work
        self._spark = None
        self.started = time.time()
        self.finished: float | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.cancel_requested = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._main, name=self.group, daemon=True)

    # -- lifecycle ---------------------------------------------------
    def start(self) -> "JobHandle":
        self._thread.start()
        return self

    def _main(self):
        try:
            self._spark = self._spark_provider()
            sc = self._spark.sparkContext if self._spark is not None else None
            if sc is not None:
                sc.setJobGroup(self.group, self.label, interruptOnCancel=True)
            try:
                if self.cancel_requested:
                    raise JobCancelled(f"run '{self.label}'", found="cancelled before it started",
                                       fix="press Run again to start it anew")
                self.result = self._work(self._spark)
            finally:
                if sc is not None:
                    try:
                        sc.setLocalProperty("spark.jobGroup.id", None)
                    except Exception:
                        pass
        except BaseException as exc:  # keep every failure for the UI to triage
            self.error = self._classify(exc)
        finally:
            self.finished = time.time()
            self._done.set()

    def _classify(self, exc: BaseException) -> BaseException:
        # After Cancel, whatever the technique raised (often its own wrapping of
        # Spark's "job cancelled") is the cancellation, not a failure to triage.
        if self.cancel_requested:
            return JobCancelled(f"run '{self.label}'", found="cancelled by the user",
                                fix="press Run again to start it anew")
        if isinstance(exc, DcsError):
            return exc
        from .triage import triage_exception

        report = triage_exception(exc)
        return SparkJobError(
            f"run '{self.label}' failed", triage=report, cause=exc,
            expected="the technique to finish", found=report.headline,
            fix=report.first_fix)

    # -- queries -----------------------------------------------------
    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def elapsed(self) -> float:
        return (self.finished or time.time()) - self.started

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def outcome(self):
        """The result, or raise the (classified) error."""
        self.wait()
        if self.error is not None:
            raise self.error
        return self.result

    def progress(self) -> Progress:
        spark = self._spark
        if spark is None:
            if self.done:
                return Progress(1.0, 0, 0, 0, 0, "finished")
            return Progress(0.0, 0, 0, 0, 0, "starting Spark…")
        try:
            tracker = spark.sparkContext.statusTracker()
            job_ids = tracker.getJobIdsForGroup(self.group)
            done = total = active = 0
            for jid in job_ids:
                info = tracker.getJobInfo(jid)
                if info is None:
                    continue
                for sid in info.stageIds:
                    st = tracker.getStageInfo(sid)
                    if st is None:
                        continue
                    total += st.numTasks
                    done += st.numCompletedTasks
                    active += 1 if st.numActiveTasks else 0
        except Exception:
            return Progress(0.0, 0, 0, 0, 0, "waiting for Spark…")
        if self.done:
            return Progress(1.0, len(job_ids), done, total, 0, "finished")
        frac = (done / total) if total else 0.0
        text = f"{len(job_ids)} Spark job(s), {done}/{total} tasks" if job_ids else "preparing…"
        return Progress(min(frac, 0.99), len(job_ids), done, total, active, text)

    def cancel(self) -> None:
        """Cancel this run's jobs -- and any job it starts later, until its work returns.

        Spark cancels only the jobs of a group that are running now; a technique that
        runs several jobs in a row would go on with the next one.  A small watcher keeps
        cancelling the group until the run has ended.
        """
        if self.cancel_requested or self.done:
            self.cancel_requested = True
            return
        self.cancel_requested = True

        def keep_cancelling():
            while not self._done.wait(0.25):
                spark = self._spark
                if spark is not None:
                    try:
                        spark.sparkContext.cancelJobGroup(self.group)
                    except Exception:
                        pass

        threading.Thread(target=keep_cancelling, name=f"{self.group}-cancel", daemon=True).start()


class JobRunner:
    """Keeps handles by id so any rerun of the UI can find its run again."""

    def __init__(self):
        self._handles: dict[str, JobHandle] = {}
        self._lock = threading.Lock()

    def submit(self, owner: str, label: str, spark_provider: Callable, work: Callable[[Any], Any]) -> JobHandle:
        handle = JobHandle(owner, label, spark_provider, work)
        with self._lock:
            self._handles[handle.id] = handle
        return handle.start()

    def get(self, handle_id: str) -> JobHandle | None:
        return self._handles.get(handle_id)

    def running(self, owner: str | None = None) -> list[JobHandle]:
        return [h for h in self._handles.values() if not h.done and (owner is None or h.owner == owner)]


RUNNER = JobRunner()
