"""One worker process as the app holds it: the child, its channel, its runs in flight.

The child is ``python -m dcs_engine.runtime.worker FD`` started with ``start_new_session=True``, so
its JVM (and the JVM's Python workers) share its process group and one ``killpg`` ends them all.
The channel is a socket pair made by :func:`multiprocessing.Pipe` (no port, no file: nobody else
can talk to the worker); the child gets its end as an inherited descriptor.  The child's output
goes to a log file that is removed when the worker ends (its last lines go into a crash's error).
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from dcs_engine.errors import JobCancelled, TechniqueError, WorkerError
from dcs_engine.runtime import protocol as P

ROOT = Path(__file__).resolve().parents[2]  # the checkout: dcs_engine/, lessons/ ...


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("SPARK_CONNECT_MODE_ENABLED", "SPARK_REMOTE")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def describe_exit(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


class Worker:
    """A started worker process and the app's end of its channel."""

    def __init__(self, owner: str, settings, config: P.WorkerConfig, on_finished, on_end):
        self.owner = owner
        self.settings = settings
        self.config = config
        self.started = time.time()
        self.last_used = self.started
        self.ready = threading.Event()
        self.ended = threading.Event()
        self.pid: int | None = None
        self.ready_s: float | None = None
        self.exit_code: int | None = None
        self.end_reason: str | None = None
        self.status = P.Status("not started", settings.shown_master)
        self.runs: dict = {}
        self._on_finished, self._on_end = on_finished, on_end
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._closed = False
        fd, self.log_path = tempfile.mkstemp(prefix=f"dcs-worker-{owner}-", suffix=".log")
        parent, child = multiprocessing.Pipe(duplex=True)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "dcs_engine.runtime.worker", str(child.fileno())],
                pass_fds=(child.fileno(),), start_new_session=True, cwd=ROOT, env=_env(),
                stdin=subprocess.DEVNULL, stdout=fd, stderr=subprocess.STDOUT)
        except OSError as exc:
            parent.close()
            os.unlink(self.log_path)
            raise WorkerError("a worker process for this diagnosis", condition="WORKER_START_FAILED",
                              params={"error": str(exc)}, expected="a new Python process",
                              found=f"{exc.__class__.__name__}: {exc}",
                              fix="check the server's process and memory limits") from None
        finally:
            child.close()
            os.close(fd)
        self.conn = parent
        self.send(P.Init(owner, settings, config.nice))
        threading.Thread(target=self._read, name=f"dcs-worker-{owner}", daemon=True).start()
        threading.Thread(target=self._watch_start, name=f"dcs-worker-{owner}-start", daemon=True).start()

    @property
    def busy(self) -> bool:
        return bool(self.runs)

    # -- sending -----------------------------------------------------------------------
    def send(self, msg) -> bool:
        with self._send_lock:
            try:
                self.conn.send(msg)
                return True
            except (OSError, EOFError, ValueError):  # closed: the reader ends the worker
                return False

    def submit(self, run) -> None:
        with self._lock:
            closed = self._closed
            if not closed:
                self.runs[run.id] = run
                self.last_used = time.time()
                run.worker = self
                if self.ready.is_set():
                    run.phase = "queued"
                else:
                    run.worker_start_s = -1.0  # filled in when the worker says Ready
        if closed:
            run._finish(error=self._lost_error(run))
            return
        self.send(P.Request(run.id, run.op, run.args, run.label))

    def cancel(self, run_id: str) -> None:
        self.send(P.Cancel(run_id))

    def end(self, reason: str, hard: bool = False) -> None:
        """Stop the worker: ask it to stop Spark and exit, or (``hard``) kill its process group now."""
        with self._lock:
            if self.end_reason is None:
                self.end_reason = reason
        if hard or not self.send(P.Shutdown(reason)):
            self._kill_group(signal.SIGKILL)
            return

        def deadline():
            if not self.ended.wait(15):
                self._kill_group(signal.SIGKILL)
        threading.Thread(target=deadline, name=f"dcs-worker-{self.owner}-end", daemon=True).start()

    # -- the reader thread ---------------------------------------------------------------
    def _read(self) -> None:
        while True:
            try:
                msg = self.conn.recv()
            except (EOFError, OSError):
                break
            except Exception:  # a message that does not unpickle: skip it (its run fails later)
                continue
            self._dispatch(msg)
        self._finish_all()

    def _dispatch(self, msg) -> None:
        if isinstance(msg, P.Ready):
            self.pid, self.ready_s = msg.pid, time.time() - self.started
            with self._lock:
                for run in self.runs.values():
                    if run.worker_start_s == -1.0:
                        run.worker_start_s = self.ready_s
                    run.phase = "queued"
            self.ready.set()
        elif isinstance(msg, P.Update):
            run = self.runs.get(msg.id)
            if run is not None:
                run._update(msg.progress, msg.phase)
        elif isinstance(msg, (P.Done, P.Failed)):
            with self._lock:
                run = self.runs.pop(msg.id, None)
                self.last_used = time.time()
            if run is None:
                return
            settle = {"spark_start_s": msg.spark_start_s}
            try:
                value = P.unpack(msg.blob, f"'{run.label}'")
            except TechniqueError as exc:
                run._finish(error=exc, **settle)
            else:
                run._finish(**({"error": value} if isinstance(msg, P.Failed) else {"result": value}), **settle)
            self._on_finished(self, run)
        elif isinstance(msg, P.Status):
            self.status = msg

    def _watch_start(self) -> None:
        """A worker that does not say Ready in time is ended (its runs fail with WORKER_START_FAILED)."""
        if not self.ready.wait(self.config.start_timeout_s) and not self.ended.is_set():
            with self._lock:
                if self.end_reason is None:
                    self.end_reason = f"it did not start within {self.config.start_timeout_s:g} s"
            self._kill_group(signal.SIGKILL)

    def _finish_all(self) -> None:
        """The worker is gone: settle its runs (after the pool knows, so a waiter sees the new state)."""
        self._reap()
        with self._lock:
            self._closed = True
            runs, self.runs = list(self.runs.values()), {}
        errors = [(run, self._lost_error(run)) for run in runs]  # reads the log: before it is removed
        try:
            self.conn.close()
            os.unlink(self.log_path)
        except OSError:
            pass
        self.ended.set()
        self._on_end(self)
        for run, error in errors:
            run._finish(error=error)

    # -- ending --------------------------------------------------------------------------
    def _kill_group(self, sig: int) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def _reap(self) -> None:
        """Wait for the worker to exit, then end what is left of its group (a JVM) and collect its status."""
        pid = self.proc.pid
        deadline = time.time() + 5
        while time.time() < deadline:  # exited? (WNOWAIT: the group id stays ours until we reap it)
            try:
                if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                    break
            except ChildProcessError:
                break
            time.sleep(0.05)
        else:
            self._kill_group(signal.SIGKILL)
        self._kill_group(signal.SIGTERM)  # a JVM still there: its shutdown hooks clean its temp dirs
        self.exit_code = self.proc.wait()
        for _ in range(30):
            try:
                os.killpg(pid, 0)
            except (ProcessLookupError, PermissionError):
                return
            time.sleep(0.1)
        self._kill_group(signal.SIGKILL)

    def log_tail(self, lines: int = 6) -> str:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(max(0, os.path.getsize(self.log_path) - 4000))
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join([line for line in text.splitlines() if line.strip()][-lines:])

    def _lost_error(self, run) -> BaseException:
        if run.cancel_requested:
            return JobCancelled(
                f"run '{run.label}'", condition="RUN_CANCELLED",
                params={"run": run.id, "grace_s": self.config.cancel_grace_s, "worker_ended": True},
                found=f"cancelled by the user; it did not stop within {self.config.cancel_grace_s:g} s (code looping "
                      "on the driver does not hear Spark's cancel), so this diagnosis' worker process was ended "
                      "with its Spark session",
                fix="press Run again: a fresh worker and Spark session start (a few seconds more)")
        if self.end_reason is not None:
            return WorkerError(
                "the worker process of this diagnosis", condition="WORKER_ENDED",
                params={"run": run.id, "reason": self.end_reason, "exit_code": self.exit_code},
                expected=f"it to finish '{run.label}'", found=f"it was ended ({self.end_reason})",
                fix="press Run again: a new worker process starts")
        return WorkerError(
            "the worker process of this diagnosis", condition="WORKER_ENDED",
            params={"run": run.id, "exit_code": self.exit_code, "log_tail": self.log_tail()},
            expected=f"it to finish '{run.label}'",
            found=f"it ended with {describe_exit(self.exit_code)} while the run was going. This is not a verdict on "
                  "your data: the process itself stopped (code it ran called os._exit or crashed, or memory ran out)",
            fix="press Run again: a new worker process starts with a new Spark session; if it ends again, look in "
                "the code for os._exit/sys.exit, native crashes or memory use")
