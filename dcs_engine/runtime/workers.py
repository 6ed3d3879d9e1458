"""The app's side of the worker processes: one per diagnosis, started on demand, kept warm, ended when idle.

The app server never runs the user's code and never holds a Spark driver.  Each diagnosis (an
owner id: a browser session, later an incident) gets a :class:`Worker`, a ``python -m
dcs_engine.runtime.worker`` process in a process group of its own that owns the diagnosis' Spark
session (classic driver or Connect client, with the diagnosis' own master and conf).  The pages
see a :class:`RemoteRun` per request, with the face of a :class:`~dcs_engine.runtime.jobs.JobHandle`
(``done``, ``wait``, ``progress()``, ``cancel()``, ``result``, ``error``, ``elapsed``).

- Cancel asks the worker to cancel the run's Spark jobs; a run still going ``cancel_grace_s``
  later (code looping on the driver does not listen to Spark) ends the worker's whole process group,
  its JVM included, and the run is reported cancelled.
- A worker that ends while it has work (``os._exit`` in pasted code, a crash, a kill) fails those
  runs with :class:`~dcs_engine.errors.WorkerError` -- never a verdict on the user's data -- and the
  next request starts a fresh worker.  So does a Spark session that failed to start or died.
- Finished runs are kept ``runs_kept`` per diagnosis (the evidence log holds their Markdown), then
  released; idle workers end after ``idle_s``; at most ``max_workers`` run at once.
"""
from __future__ import annotations

import atexit
import itertools
import threading
import time
from collections import deque
from typing import Any

from dcs_engine.errors import DcsError, JobCancelled, WorkerError
from dcs_engine.runtime import protocol as P
from dcs_engine.runtime.context import Progress
from dcs_engine.runtime.handle import RunState
from dcs_engine.runtime.process import Worker
from dcs_engine.runtime.session import ConnectionInfo, SparkSettings, check_master, default_master

#: A run that failed with one of these leaves its worker unusable: the next request gets a fresh one.
RETIRE_CONDITIONS = frozenset({"SPARK_START_FAILED", "SPARK_SESSION_DEAD"})
CALL_TIMEOUT_S = 600.0  # a blocking call (connect, describe) waits at most this long

__all__ = ["RETIRE_CONDITIONS", "RemoteRun", "WorkerPool", "pool"]


class RemoteRun(RunState):
    """One request to a diagnosis' worker, as the pages see it."""

    def __init__(self, run_id: str, owner: str, op: str, args: dict, label: str, canceller):
        self.id = run_id
        self.owner = owner
        self.op = op
        self.args = args
        self.label = label
        self.started = time.time()
        self.finished: float | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.cancel_requested = False
        self.phase = "worker"            # worker -> spark -> run (see progress())
        self.worker_start_s: float | None = None  # set when this run waited for a new worker process
        self.spark_start_s: float | None = None   # set when this run started the diagnosis' Spark session
        self.worker = None
        self._canceller = canceller
        self._progress = Progress(0.0, 0, 0, 0, 0, "waiting for the worker…")
        self._done = threading.Event()
        self._lock = threading.Lock()

    def outcome(self, timeout: float | None = None):
        """The result, or raise the run's error."""
        self.wait(timeout)
        if self.error is not None:
            raise self.error
        return self.result

    def progress(self) -> Progress:
        if self.done:
            p = self._progress
            return Progress(1.0, p.jobs, p.tasks_done, p.tasks_total, 0, "finished")
        if self.phase == "worker":
            return Progress(0.0, 0, 0, 0, 0, "starting a worker process for this diagnosis…")
        return self._progress

    def cancel(self) -> None:
        self._canceller(self)

    # -- fed by the worker's reader thread -----------------------------------------
    def _update(self, progress: Progress, phase: str) -> None:
        if not self.done:
            self._progress, self.phase = progress, phase

    def _finish(self, *, result: Any = None, error: BaseException | None = None,
                spark_start_s: float | None = None) -> bool:
        """Settle the run once (later calls are ignored); True if this call settled it.

        ``elapsed`` is the wall time the user waited, worker and Spark start included."""
        with self._lock:
            if self.done:
                return False
            self.result, self.error, self.spark_start_s = result, error, spark_start_s
            self.finished = time.time()
            self.worker = None
            self._done.set()
            return True


class WorkerPool:
    """Every diagnosis' worker, its settings and its recent runs."""

    def __init__(self, config: P.WorkerConfig | None = None):
        self.config = config or P.WorkerConfig.from_env()
        self._lock = threading.RLock()
        self._workers: dict[str, Worker] = {}
        self._settings: dict[str, SparkSettings] = {}
        self._dead: set[str] = set()      # owners whose last worker's Spark died or who lost their worker
        self._runs: dict[str, RemoteRun] = {}
        self._kept: dict[str, deque] = {}
        self._seen: dict[str, float] = {}
        self._ids = itertools.count(1)
        self._reaper: threading.Thread | None = None

    # -- settings and state ------------------------------------------------------------
    def settings(self, owner: str) -> SparkSettings:
        return self._settings.get(owner) or SparkSettings(master=default_master())

    def state(self, owner: str) -> str:
        """'not started', 'starting', 'running' or 'dead' -- without starting anything."""
        self._touch(owner)
        worker = self._workers.get(owner)
        if worker is None or worker.ended.is_set():
            return "dead" if owner in self._dead else "not started"
        if not worker.ready.is_set():
            return "starting" if worker.busy else "not started"
        return worker.status.spark

    def worker(self, owner: str) -> Worker | None:
        worker = self._workers.get(owner)
        return worker if worker is not None and not worker.ended.is_set() else None

    def workers(self) -> dict[str, Worker]:
        with self._lock:
            return {o: w for o, w in self._workers.items() if not w.ended.is_set()}

    # -- requests ----------------------------------------------------------------------
    def submit(self, owner: str, op: str, args: dict | None = None, label: str = "") -> RemoteRun:
        P.check_op(op)
        self._touch(owner)
        run = RemoteRun(f"{owner}-{next(self._ids)}", owner, op, dict(args or {}), label or op, self.cancel)
        with self._lock:  # the worker cannot be ended as idle between being picked and given the run
            worker = self._worker_for(owner)
            self._runs[run.id] = run
            worker.submit(run)
        return run

    def call(self, owner: str, op: str, args: dict | None = None, label: str = "",
             timeout: float = CALL_TIMEOUT_S) -> Any:
        """Submit and wait for the value (or raise the error)."""
        run = self.submit(owner, op, args, label)
        if not run.wait(timeout):
            run.cancel()
            raise WorkerError(f"the worker of this diagnosis ({label or op})", condition="WORKER_NO_ANSWER",
                              params={"op": op, "timeout_s": timeout}, expected=f"an answer within {timeout:g} s",
                              found="no answer yet (the run was cancelled)",
                              fix="try again; if Spark is very slow to start here, check the Connection page")
        return run.outcome()

    def get(self, run_id: str) -> RemoteRun | None:
        return self._runs.get(run_id)

    def cancel(self, run: RemoteRun) -> None:
        """Cancel the run's jobs; if it has not stopped ``cancel_grace_s`` later, end its worker."""
        if run.done or run.cancel_requested:
            run.cancel_requested = True
            return
        run.cancel_requested = True
        worker = run.worker
        if worker is None:
            return
        worker.cancel(run.id)
        timer = threading.Timer(self.config.cancel_grace_s, self._escalate, (run, worker))
        timer.daemon = True
        timer.start()

    def _escalate(self, run: RemoteRun, worker: Worker) -> None:
        if run.done or worker.ended.is_set():
            return
        self._forget_worker(worker)
        worker.end(f"run '{run.label}' did not stop within {self.config.cancel_grace_s:g} s of Cancel", hard=True)

    # -- session control -----------------------------------------------------------------
    def connect(self, owner: str, settings: SparkSettings, timeout: float = CALL_TIMEOUT_S) -> ConnectionInfo:
        """Use ``settings`` for this diagnosis (a new worker if they changed) and describe the session.

        A URL that cannot work is refused before anything is stopped."""
        check_master(settings.master)
        with self._lock:
            before = self._settings.get(owner)
            worker = self._workers.get(owner)
            if worker is not None and worker.settings != settings:
                self._forget_worker(worker)
                worker.end("its Spark settings were changed on the Connection page")
            self._settings[owner] = settings
        try:
            return self.call(owner, "connection_info", {}, f"connect to {settings.shown_master}", timeout)
        except DcsError:
            with self._lock:  # the next run uses the settings that worked before
                if before is None:
                    self._settings.pop(owner, None)
                else:
                    self._settings[owner] = before
            raise

    def restart(self, owner: str, timeout: float = CALL_TIMEOUT_S) -> ConnectionInfo:
        """A fresh worker and Spark session for this diagnosis (nobody else's is touched)."""
        with self._lock:
            worker = self._workers.pop(owner, None)
            self._dead.discard(owner)
        if worker is not None:
            worker.end("Restart was pressed")
        return self.call(owner, "connection_info", {}, "restart Spark", timeout)

    def end(self, owner: str, reason: str = "ended by the app", hard: bool = False) -> None:
        with self._lock:
            worker = self._workers.pop(owner, None)
        if worker is not None:
            worker.end(reason, hard=hard)

    def shutdown(self, timeout: float = 15.0) -> None:
        """End every worker (at exit, and after the tests)."""
        with self._lock:
            workers = list(self._workers.values())
            self._workers.clear()
        for worker in workers:
            worker.end("the app is stopping")
        deadline = time.time() + timeout
        for worker in workers:
            if not worker.ended.wait(max(0.0, deadline - time.time())):
                worker.end("the app is stopping", hard=True)
                worker.ended.wait(5)

    # -- internals -----------------------------------------------------------------------
    def _touch(self, owner: str) -> None:
        self._seen[owner] = time.time()

    def _forget_worker(self, worker: Worker) -> None:
        with self._lock:
            if self._workers.get(worker.owner) is worker:
                del self._workers[worker.owner]

    def _worker_for(self, owner: str) -> Worker:
        worker = self._workers.get(owner)
        if worker is not None and not worker.ended.is_set():
            return worker
        self._make_room()
        worker = Worker(owner, self.settings(owner), self.config, on_finished=self._finished, on_end=self._ended)
        self._workers[owner] = worker
        self._dead.discard(owner)
        self._start_reaper()
        return worker

    def _make_room(self) -> None:
        live = [w for w in self._workers.values() if not w.ended.is_set()]
        if len(live) < self.config.max_workers:
            return
        idle = sorted((w for w in live if not w.busy), key=lambda w: w.last_used)
        if not idle:
            raise WorkerError("a worker process for this diagnosis", condition="WORKER_LIMIT",
                              params={"max_workers": self.config.max_workers},
                              expected=f"fewer than {self.config.max_workers} diagnoses running at once",
                              found=f"all {len(live)} worker processes are busy",
                              fix="run again when another run has finished, or raise DCS_MAX_WORKERS")
        victim = idle[0]
        del self._workers[victim.owner]
        victim.end("it was the least recently used idle worker and the server's limit (DCS_MAX_WORKERS) was reached")

    def _finished(self, worker: Worker, run: RemoteRun) -> None:
        with self._lock:
            kept = self._kept.setdefault(run.owner, deque())
            kept.append(run.id)
            while len(kept) > self.config.runs_kept:
                self._runs.pop(kept.popleft(), None)
        err = run.error
        if isinstance(err, DcsError) and not isinstance(err, JobCancelled) and err.condition in RETIRE_CONDITIONS:
            with self._lock:
                self._forget_worker(worker)
                if err.condition == "SPARK_SESSION_DEAD":
                    self._dead.add(worker.owner)
            worker.end(f"its Spark session {'died' if err.condition == 'SPARK_SESSION_DEAD' else 'did not start'}")

    def _ended(self, worker: Worker) -> None:
        with self._lock:
            if self._workers.get(worker.owner) is worker:
                del self._workers[worker.owner]
                if worker.end_reason is None:  # it crashed or was killed from outside
                    self._dead.add(worker.owner)

    def _start_reaper(self) -> None:
        if self._reaper is None:
            self._reaper = threading.Thread(target=self._reap_idle, name="dcs-worker-reaper", daemon=True)
            self._reaper.start()
            atexit.register(self.shutdown)

    def _reap_idle(self) -> None:
        idle_s = self.config.idle_s
        while True:
            time.sleep(min(30.0, max(0.2, idle_s / 4)))
            now, victims = time.time(), []
            with self._lock:
                for owner, worker in list(self._workers.items()):
                    if not worker.busy and now - worker.last_used > idle_s:
                        del self._workers[owner]
                        victims.append(worker)
                for owner, seen in list(self._seen.items()):
                    if owner not in self._workers and now - seen > idle_s:  # nobody asks any more
                        for run_id in self._kept.pop(owner, ()):
                            self._runs.pop(run_id, None)
                        self._seen.pop(owner, None)
                        self._dead.discard(owner)
            for worker in victims:
                worker.end(f"it was idle for more than {idle_s:g} s (DCS_WORKER_IDLE_S)")


_POOL: WorkerPool | None = None
_POOL_LOCK = threading.Lock()


def pool() -> WorkerPool:
    """The app's one pool (made on first use, so a bad DCS_* variable is reported where it is used)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = WorkerPool()
        return _POOL
