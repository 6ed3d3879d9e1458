"""CPU time of the executors' Python workers: the part of a PySpark job Spark's task metrics leave out.

Spark's ``executorCpuTime`` counts the CPU of the JVM task thread only.  A Python UDF, a
``mapInPandas`` or an ``applyInPandas`` runs in separate Python worker processes, and while
they work the task thread waits: a job whose work is all Python shows almost no task CPU time.
Run time and wall time do include that work, but contention inflates them (a task waiting
for a core counts as running).  CPU time does not grow while a process waits for a core.

So the Python side is read from the operating system: every executor (or the local driver) is
a JVM whose Python workers are forked by ``pyspark.daemon`` (or started directly).  A *snapshot*
reads, for every executor, the CPU (``/proc/<pid>/stat`` user + system time) of each Python
process under that JVM, keyed by pid and start time, plus what the JVM itself reaped (workers it
started directly, daemons that exited).  The Python CPU spent between two snapshots is the sum of
each process's own growth, a process that is new counting from zero.  Summing the tree into one
number would be wrong: the daemon ignores ``SIGCHLD``, so a worker that exits (an idle worker
Spark stops after a minute, a worker that is not reused) takes its CPU with it, and a
tree total would drop by everything that worker had ever spent -- a step would look cheaper than
it was.  A worker that exits *during* a step loses only its CPU since the last snapshot; the
snapshots count such exits, so the ladder can tell a step whose reading may be short.

* local mode (``local[*]``, classic): the executor is this driver's own JVM, read directly from
  this process (no Spark job);
* a cluster or Spark Connect: a small probe job whose tasks (at least one per task slot) read
  their own executor's processes and send them back (:meth:`Context.tally`).

Linux only (``/proc``); elsewhere, or when a probe cannot reach every executor, the snapshot says
why and the caller falls back to another measure and says so.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CpuSnapshot:
    """Per executor (``host/jvm-pid``), the CPU seconds of each of its Python processes
    (``pid:start-time``, plus ``reaped`` for what the JVM reaped), or why there are none."""

    seconds: dict = field(default_factory=dict)
    method: str = ""
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem and bool(self.seconds)


def delta(before: CpuSnapshot, after: CpuSnapshot) -> float | None:
    """Python CPU seconds spent between two snapshots: each process's growth, a new one from zero
    (None when either is unusable or the executors changed in between, e.g. one was lost)."""
    if not (before.ok and after.ok) or set(before.seconds) != set(after.seconds):
        return None
    total = 0.0
    for executor, procs in after.seconds.items():
        was = before.seconds[executor]
        total += sum(max(0.0, cpu - was.get(proc, 0.0)) for proc, cpu in procs.items())
    return total


def exited(before: CpuSnapshot, after: CpuSnapshot) -> int:
    """Python processes seen in ``before`` and gone in ``after``: whatever CPU they spent between
    the two is not in :func:`delta` (none, if they sat idle until Spark stopped them)."""
    if not (before.ok and after.ok):
        return 0
    return sum(len(set(procs) - set(after.seconds.get(executor, {})) - {"reaped"})
               for executor, procs in before.seconds.items())


def tree_cpu(jvm_pid: int) -> dict:
    """CPU seconds of each Python process under the JVM ``jvm_pid`` (``"pid:start"``), plus
    ``"reaped"``: the children the JVM itself reaped (workers started without the daemon, a daemon
    that exited).  The daemon's workers are not in it: the daemon ignores SIGCHLD, so the kernel
    drops an exited worker's times.

    Self-contained (imports inside, no module globals): it is shipped by value to executors."""
    import os as _os

    tick = _os.sysconf("SC_CLK_TCK")

    def stat(pid):
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        # after the name: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17) ... starttime(22)
        return int(rest[1]), int(rest[11]) + int(rest[12]), int(rest[13]) + int(rest[14]), rest[19]

    def cmdline(pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            return ""

    children: dict = {}
    info: dict = {}
    for name in _os.listdir("/proc"):
        if name.isdigit():
            try:
                ppid, mine, reaped, started = stat(int(name))
            except (OSError, IndexError, ValueError):
                continue  # exited while we looked
            children.setdefault(ppid, []).append(int(name))
            info[int(name)] = (f"{name}:{started}", (mine + reaped) / tick)

    found: dict = {}

    def walk(pid, depth=0):
        if pid in info:
            key, cpu = info[pid]
            found[key] = cpu
        if depth < 8:
            for c in children.get(pid, ()):
                walk(c, depth + 1)

    for p in children.get(jvm_pid, ()):
        if "pyspark.daemon" in cmdline(p) or "pyspark.worker" in cmdline(p):
            walk(p)
    found["reaped"] = stat(jvm_pid)[2] / tick  # workers started without the daemon, once exited
    return found


def probe_task(batches):
    """One probe task: (executor key, its Python processes' CPU seconds), read on the executor itself."""
    import os as _os
    import socket

    for _ in batches:  # the probe's input is a few empty rows
        pass
    if not _os.path.exists("/proc/self/stat"):
        return ("", None)
    parent = _os.getppid()
    try:
        with open(f"/proc/{parent}/cmdline", "rb") as f:
            daemon = b"pyspark.daemon" in f.read()
        with open(f"/proc/{parent}/stat") as f:
            grand = int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return ("", None)
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
        if any(procs is None for _, procs in found):
            return CpuSnapshot({}, self.method, "an executor has no /proc (not Linux): Python CPU cannot be read")
        per: dict = {}
        for key, procs in found:  # several probe tasks on one executor: the latest reading of each process
            mine = per.setdefault(key, {})
            for proc, cpu in procs.items():
                mine[proc] = max(mine.get(proc, 0.0), cpu)
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
