"""The worker process of one diagnosis: its Spark session and the user's code, like a notebook kernel.

Started by the app (:mod:`dcs_engine.runtime.workers`) as ``python -m dcs_engine.runtime.worker FD``
in a process group of its own, with ``FD`` its end of a private socket pair.  It owns this process's
:data:`~dcs_engine.runtime.session.MANAGER` (so it is a classic driver or a Connect client, never
both), runs each request of :data:`~dcs_engine.runtime.protocol.OPS` as a
:class:`~dcs_engine.runtime.jobs.JobHandle` in a thread of its own (so Cancel and progress keep
flowing while a run works), pushes progress and session state, and forgets a run once its result
has gone to the app.  When the app goes away (the channel closes) it stops Spark and exits: a worker
never outlives its app.  What the pasted code does here (``os._exit``, an endless loop, a crash)
ends at most this process.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from multiprocessing.connection import Connection

from dcs_engine.errors import DcsError, TechniqueError
from dcs_engine.runtime import protocol as P
from dcs_engine.runtime.context import Progress
from dcs_engine.runtime.jobs import JobHandle, JobRunner
from dcs_engine.runtime.session import MANAGER

TICK_S = 0.25  # how often progress is pushed; the session's liveness is checked every 4 ticks


# -- the operations (each returns (needs_spark, work(ctx))) ------------------------------------

def _run_technique(args: dict):
    from dcs_engine import registry

    tech = registry.get(args["technique"])
    params = registry.coerce_params(tech, args.get("params") or {})
    return tech.needs_spark, lambda ctx: registry.run_technique(tech, ctx, params)


def _check_lesson(args: dict):
    from lessons import course

    lesson = course.get(args["lesson"])
    return True, lambda ctx: course.run_check(lesson, ctx.spark, args.get("code", ""))


def _connection_info(args: dict):
    return True, lambda ctx: MANAGER.info()


def _describe_source(args: dict):
    from dcs_engine.inputs.sources import SourceSpec, describe

    spec = SourceSpec.from_dict(args.get("source"))
    return True, lambda ctx: describe(ctx.spark, spec)


def _spark_state(args: dict):
    return False, lambda ctx: _state()


HANDLERS = {"run_technique": _run_technique, "check_lesson": _check_lesson, "connection_info": _connection_info,
            "describe_source": _describe_source, "spark_state": _spark_state}


def _state() -> str:
    if not MANAGER.is_started():
        return "not started"
    return "running" if MANAGER.is_alive() else "dead"


def _jvm_pid() -> int | None:
    try:
        from pyspark import SparkContext

        proc = getattr(SparkContext._gateway, "proc", None)
        return proc.pid if proc is not None else None
    except Exception:
        return None


class Kernel:
    """The worker's end of the channel."""

    def __init__(self, conn: Connection, init: P.Init):
        self.conn = conn
        self.owner = init.owner
        self.settings = init.settings
        self.runner = JobRunner()
        self._send_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._needs_spark: dict[str, bool] = {}
        self._sent: dict[str, Progress] = {}
        self._spark_start: dict[str, float] = {}   # run id -> seconds it spent starting the session
        self._status = P.Status("not started", init.settings.shown_master)
        self._closing = threading.Event()

    # -- sending ---------------------------------------------------------
    def send(self, msg) -> bool:
        with self._send_lock:
            try:
                self.conn.send(msg)
                return True
            except (OSError, EOFError):  # the app is gone: the main loop sees it and ends
                return False

    def _set_status(self, spark: str) -> None:
        status = P.Status(spark, self.settings.shown_master, _jvm_pid() if spark == "running" else None)
        if status != self._status:
            self._status = status
            self.send(status)

    # -- the loop --------------------------------------------------------
    def serve(self) -> None:
        self.send(P.Ready(os.getpid(), sys.executable))
        threading.Thread(target=self._watch, name="dcs-worker-watch", daemon=True).start()
        while True:
            try:
                msg = self.conn.recv()
            except (EOFError, OSError):
                break
            if isinstance(msg, P.Request):
                self.start(msg)
            elif isinstance(msg, P.Cancel):
                handle = self.runner.get(msg.id)
                if handle is not None:
                    handle.cancel()
            elif isinstance(msg, P.Shutdown):
                break
        self.close()

    def start(self, req: P.Request) -> None:
        try:
            P.check_op(req.op)
            needs_spark, work = HANDLERS[req.op](req.args)
        except DcsError as exc:
            self.send(P.Failed(req.id, P.pack(exc), 0.0))
            return
        except Exception as exc:  # a request the handler cannot read (a missing key...)
            self.send(P.Failed(req.id, P.pack(TechniqueError(
                f"request {req.op!r}", condition="TECHNIQUE_FAILED", params={"op": req.op},
                expected="arguments the operation accepts", found=f"{exc.__class__.__name__}: {exc}",
                fix="report this: the app sent a request the worker cannot read")), 0.0))
            return
        self._needs_spark[req.id] = needs_spark
        provider = (lambda: self.session(req.id)) if needs_spark else (lambda: None)
        self.runner.submit(self.owner, req.label, provider, work, run_id=req.id, on_done=self.finished)

    def session(self, run_id: str):
        """The diagnosis' SparkSession; the first caller starts it (and is told how long it took)."""
        with self._start_lock:
            if MANAGER.is_started():
                return MANAGER.session(self.settings)  # a dead one raises SPARK_SESSION_DEAD
            self._set_status("starting")
            t0 = time.perf_counter()
            try:
                spark = MANAGER.session(self.settings)
            except BaseException:
                self._set_status("not started")
                raise
            self._spark_start[run_id] = time.perf_counter() - t0
            self._set_status("running")
            return spark

    def finished(self, handle: JobHandle) -> None:
        started = self._spark_start.pop(handle.id, None)
        self._needs_spark.pop(handle.id, None)
        self._sent.pop(handle.id, None)
        try:
            if handle.error is not None:
                msg = P.Failed(handle.id, P.pack(handle.error), handle.elapsed, started)
            else:
                msg = P.Done(handle.id, P.pack(handle.result), handle.elapsed, started)
        except Exception as exc:  # the result (or the error's details) does not pickle
            msg = P.Failed(handle.id, P.pack(TechniqueError(
                f"the outcome of '{handle.label}'", condition="TECHNIQUE_FAILED", params={"run": handle.id},
                expected="a result that can travel to the app (a frozen dataclass of plain values)",
                found=f"{exc.__class__.__name__}: {exc}",
                fix="report this: the technique's result holds something that does not pickle")),
                handle.elapsed, started)
        self.send(msg)
        self.runner.forget(handle.id)

    # -- progress and liveness --------------------------------------------
    def _progress(self, handle: JobHandle) -> tuple[Progress, str]:
        if handle.ctx is None and self._needs_spark.get(handle.id) and self._status.spark != "running":
            text = f"starting Spark at {self.settings.shown_master} (once per diagnosis; later runs reuse it)…"
            return Progress(0.0, 0, 0, 0, 0, text), "spark"
        return handle.progress(), "run"

    def _watch(self) -> None:
        tick = 0
        while not self._closing.wait(TICK_S):
            tick += 1
            for handle in self.runner.running():
                try:
                    progress, phase = self._progress(handle)
                except Exception:
                    continue
                if self._sent.get(handle.id) != progress:
                    self._sent[handle.id] = progress
                    self.send(P.Update(handle.id, progress, phase))
            if tick % 4 == 0 and self._status.spark in ("running", "dead"):
                self._set_status(_state())

    def close(self) -> None:
        """Stop Spark (within a few seconds) and end the process."""
        self._closing.set()
        stopper = threading.Thread(target=MANAGER.stop, daemon=True)
        stopper.start()
        stopper.join(10)
        os._exit(0)


def _register_lessons() -> None:
    """Lessons' data sets are demo datasets (``lesson-<id>``) in the worker too (the course registers
    them only when asked, so the worker asks)."""
    try:
        from lessons import course

        course.register_datasets()
    except Exception:  # no lessons package or a broken lesson: the Lessons page reports it
        pass


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv if argv is None else argv
    conn = Connection(int(argv[1]))
    init = conn.recv()
    if not isinstance(init, P.Init):
        os._exit(2)
    if init.nice:
        os.nice(init.nice)  # before Spark starts: its JVM and Python workers inherit it
    _register_lessons()
    Kernel(conn, init).serve()


if __name__ == "__main__":
    main()
