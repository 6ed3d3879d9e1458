"""CPU time of the executors' Python workers: the part of a PySpark job Spark's task metrics leave out.

Spark's ``executorCpuTime`` counts the CPU of the JVM task thread only.  A Python UDF, a
``mapInPandas`` or an ``applyInPandas`` runs in separate Python worker processes, and while
they work the task thread waits: a job whose work is all Python shows almost no task CPU time.
Run time and wall time do include that work, but contention inflates them (a task waiting
for a core counts as running).  CPU time does not grow while a process waits for a core.

So the Python side is read from the operating system: every executor (or the local driver) is
a JVM whose Python workers are forked by ``pyspark.daemon`` (or started directly); the
cumulative CPU of that process tree -- ``/proc/<pid>/stat`` user + system time, plus the time of
children that already exited -- only grows, and its growth across a step is the Python CPU the
step spent.  A *snapshot* reads it for every executor:

* local mode (``local[*]``, classic): the executor is this driver's own JVM, read directly from
  this process (no Spark job);
* a cluster or Spark Connect: a small probe job whose tasks (at least one per task slot) read
  their own executor's tree and send back one number each (:meth:`Context.tally`).

Linux only (``/proc``); elsewhere, or when a probe cannot reach every executor, the snapshot says
why and the caller falls back to another measure and says so.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CpuSnapshot:
    """Cumulative Python worker CPU seconds per executor (``host/jvm-pid``), or why there are none."""

    seconds: dict = field(default_factory=dict)
    method: str = ""
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem and bool(self.seconds)


def delta(before: CpuSnapshot, after: CpuSnapshot) -> float | None:
    """Python CPU seconds spent between two snapshots (None when either is unusable or the
    executors changed in between, e.g. one was lost)."""
    if not (before.ok and after.ok) or set(before.seconds) != set(after.seconds):
        return None
    return max(0.0, sum(after.seconds[k] - before.seconds[k] for k in after.seconds))


def tree_cpu(jvm_pid: int) -> float:
    """CPU seconds of the Python processes under the JVM ``jvm_pid`` (live ones and reaped ones).

    Self-contained (imports inside, no module globals): it is shipped by value to executors."""
    import os as _os

    tick = _os.sysconf("SC_CLK_TCK")

    def stat(pid):
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        # after the name: state ppid ... utime(14) stime(15) cutime(16) cstime(17), 1-based fields
        return int(rest[1]), int(rest[11]) + int(rest[12]), int(rest[13]) + int(rest[14])

    def cmdline(pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            return ""

    children: dict = {}
    own: dict = {}
    for name in _os.listdir("/proc"):
        if name.isdigit():
            try:
                ppid, mine, reaped = stat(int(name))
            except (OSError, IndexError, ValueError):
                continue  # exited while we looked
            children.setdefault(ppid, []).append(int(name))
            own[int(name)] = mine + reaped

    def tree(pid, depth=0):
        return own.get(pid, 0) + (sum(tree(c, depth + 1) for c in children.get(pid, ())) if depth < 8 else 0)

    roots = [p for p in children.get(jvm_pid, ()) if "pyspark.daemon" in cmdline(p) or "pyspark.worker" in cmdline(p)]
    _, _, reaped_by_jvm = stat(jvm_pid)  # workers started without the daemon, once exited
    return (reaped_by_jvm + sum(tree(p) for p in roots)) / tick


def probe_task(batches):
    """One probe task: (executor key, its Python CPU seconds), read on the executor itself."""
    import os as _os
    import socket

    for _ in batches:  # the probe's input is a few empty rows
        pass
    if not _os.path.exists("/proc/self/stat"):
        return ("", -1.0)
    parent = _os.getppid()
    try:
        with open(f"/proc/{parent}/cmdline", "rb") as f:
            daemon = b"pyspark.daemon" in f.read()
        with open(f"/proc/{parent}/stat") as f:
            grand = int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return ("", -1.0)
    jvm = grand if daemon else parent
    return (f"{socket.gethostname()}/{jvm}", tree_cpu(jvm))


class PythonCpu:
    """Takes snapshots of one session's executors' Python CPU (see the module docstring)."""

    def __init__(self, ctx, slots: int, probe: bool = False):
        """``probe=True``: use probe tasks even in local mode (to check the two ways agree)."""
        self.ctx = ctx
        self.slots = max(1, int(slots))
        self._local_pid = None if probe else _local_jvm_pid(ctx)
        if self._local_pid is None:
            import sys

            ctx.ship_module_by_value(sys.modules[__name__])  # executors have no dcs_engine

    @property
    def method(self) -> str:
        if self._local_pid is not None:
            return "the driver JVM's Python workers, read from /proc on this machine"
        return "the executors' Python workers, read from /proc by a probe task on each executor"

    def snapshot(self) -> CpuSnapshot:
        if self._local_pid is not None:
            if not os.path.exists("/proc/self/stat"):
                return CpuSnapshot({}, self.method, "no /proc here (not Linux): Python CPU cannot be read")
            try:
                return CpuSnapshot({f"local/{self._local_pid}": tree_cpu(self._local_pid)}, self.method)
            except (OSError, ValueError) as exc:
                return CpuSnapshot({}, self.method, f"reading /proc failed: {exc}")
        return self._probe()

    def _probe(self) -> CpuSnapshot:
        spark = self.ctx.spark
        n = 2 * self.slots  # more tasks than slots: every free slot, so every executor, gets one
        try:
            with self.ctx.tagged("cpu-probe"):
                found = self.ctx.tally(spark.range(0, n, 1, n), probe_task)
        except Exception as exc:  # the probe itself failed: say so, the caller falls back
            return CpuSnapshot({}, self.method, f"the probe job failed: {type(exc).__name__}: {str(exc)[:200]}")
        if any(cpu < 0 for _, cpu in found):
            return CpuSnapshot({}, self.method, "an executor has no /proc (not Linux): Python CPU cannot be read")
        per: dict = {}
        for key, cpu in found:
            per[key] = max(per.get(key, 0.0), cpu)
        return CpuSnapshot(per, self.method)


def _local_jvm_pid(ctx) -> int | None:
    """The driver JVM's pid when it is also the only executor (classic ``local`` mode), else None."""
    if ctx.kind != "classic":
        return None
    try:
        sc = ctx.spark.sparkContext
        if not (sc.master == "local" or sc.master.startswith("local[")):
            return None
        return int(sc._jvm.java.lang.ProcessHandle.current().pid())
    except Exception:  # no JVM handle: use the probe
        return None
