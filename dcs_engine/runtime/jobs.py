"""Run technique work in the background, with progress and cancellation.

Each run gets its own :class:`~dcs_engine.runtime.context.Context` (run id ``<owner>-<n>``,
tag ``dcs-<owner>-<n>``), entered in the thread that runs it, so cancelling one browser
session's run never touches another's work on the same session.  The context knows how its
kind of session tags, cancels and reports progress (job groups and the status tracker on
classic Spark, session tags and the progress handler on Spark Connect).  A finished handle
keeps its result until the runner is told to forget it (the worker process forgets a run once
its result has gone to the app).

Once Cancel was pressed, a run has no verdict: whatever the work returns or raises afterwards
(a technique may read Spark's "job cancelled" as a failure of the user's code) becomes
:class:`~dcs_engine.errors.JobCancelled`.
"""
from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from dcs_engine.errors import DcsError, JobCancelled, SparkJobError
from dcs_engine.runtime.context import Context, Progress, context_for
from dcs_engine.runtime.handle import RunState

_ids = itertools.count(1)

__all__ = ["RUNNER", "JobHandle", "JobRunner", "Progress"]


class JobHandle(RunState):
    """One run: ``work(ctx)`` in a thread, with ``ctx`` made from ``spark_provider()`` (None: no Spark)."""

    def __init__(self, owner: str, label: str, spark_provider: Callable, work: Callable[[Context | None], Any],
                 run_id: str | None = None, on_done: Callable[[JobHandle], None] | None = None):
        self.id = run_id or f"{owner}-{next(_ids)}"
        self.group = f"dcs-{self.id}"
        self.owner = owner
        self.label = label
        self._spark_provider = spark_provider
        self._work = work
        self.ctx: Context | None = None
        self.started = time.time()
        self.finished: float | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.cancel_requested = False
        self._on_done = on_done
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._main, name=self.group, daemon=True)

    # -- lifecycle ---------------------------------------------------
    def start(self) -> JobHandle:
        self._thread.start()
        return self

    def _main(self):
        try:
            spark = self._spark_provider()
            if spark is not None:
                self.ctx = context_for(spark, run_id=self.id, label=self.label)
            if self.cancel_requested:
                raise JobCancelled(f"run '{self.label}'", found="cancelled before it started",
                                   fix="press Run again to start it anew")
            if self.ctx is None:
                result = self._work(None)
            else:
                with self.ctx.scope():
                    result = self._work(self.ctx)
            if self.cancel_requested:  # a verdict reached after Cancel is not one (see the module doc)
                raise JobCancelled(f"run '{self.label}'", found="cancelled by the user",
                                   fix="press Run again to start it anew")
            self.result = result
        except BaseException as exc:  # keep every failure for the UI to triage
            self.error = self._classify(exc)
        finally:
            self.finished = time.time()
            self._done.set()
            if self._on_done is not None:
                try:
                    self._on_done(self)
                except Exception:  # a listener's failure must not lose the run's outcome
                    pass

    def _classify(self, exc: BaseException) -> BaseException:
        # After Cancel, whatever the technique raised (often its own wrapping of
        # Spark's "job cancelled") is the cancellation, not a failure to triage.
        if self.cancel_requested:
            return JobCancelled(f"run '{self.label}'", found="cancelled by the user",
                                fix="press Run again to start it anew")
        if isinstance(exc, DcsError):
            return exc
        from dcs_engine.triage import triage_exception

        report = triage_exception(exc)
        return SparkJobError(
            f"run '{self.label}' failed", triage=report, cause=exc,
            expected="the technique to finish", found=report.headline,
            fix=report.first_fix,
            params={"run": self.label, "exception": report.exception_class, "root_cause": report.root_cause,
                    "spark_condition": report.error_condition, "sqlstate": report.sqlstate})

    # -- queries -----------------------------------------------------
    def outcome(self):
        """The result, or raise the (classified) error."""
        self.wait()
        if self.error is not None:
            raise self.error
        return self.result

    def progress(self) -> Progress:
        ctx = self.ctx
        if ctx is None:
            if self.done:
                return Progress(1.0, 0, 0, 0, 0, "finished")
            return Progress(0.0, 0, 0, 0, 0, "starting Spark…")
        try:
            p = ctx.progress()
        except Exception:
            return Progress(0.0, 0, 0, 0, 0, "waiting for Spark…")
        if self.done:
            return Progress(1.0, p.jobs, p.tasks_done, p.tasks_total, 0, "finished")
        return p

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
                if self.ctx is not None:
                    try:
                        self.ctx.cancel()
                    except Exception:
                        pass

        threading.Thread(target=keep_cancelling, name=f"{self.group}-cancel", daemon=True).start()


class JobRunner:
    """Keeps handles by id so any rerun of the UI can find its run again."""

    def __init__(self):
        self._handles: dict[str, JobHandle] = {}
        self._lock = threading.Lock()

    def submit(self, owner: str, label: str, spark_provider: Callable,
               work: Callable[[Context | None], Any], run_id: str | None = None,
               on_done: Callable[[JobHandle], None] | None = None) -> JobHandle:
        handle = JobHandle(owner, label, spark_provider, work, run_id=run_id, on_done=on_done)
        with self._lock:
            self._handles[handle.id] = handle
        return handle.start()

    def get(self, handle_id: str) -> JobHandle | None:
        return self._handles.get(handle_id)

    def forget(self, handle_id: str) -> None:
        """Drop a finished run (its result has been handed on)."""
        with self._lock:
            self._handles.pop(handle_id, None)

    def running(self, owner: str | None = None) -> list[JobHandle]:
        with self._lock:
            handles = list(self._handles.values())
        return [h for h in handles if not h.done and (owner is None or h.owner == owner)]


RUNNER = JobRunner()
