"""Per-stage accumulation of task ends, and the selective decoding of a task-end line.

A ``SparkListenerTaskEnd`` line is mostly ``Accumulables`` and ``Task Executor
Metrics`` that the report does not need.  :func:`decode_task_end` decodes only
the head (reason and task info up to its ``Accumulables``) and the ``Task
Metrics`` object, found by byte search on their keys (a key with its quotes
cannot occur inside a JSON string, where quotes are escaped); any line that does
not have that shape is decoded whole.  Per stage, the task durations, run times
and bytes read are kept for the distributions -- a reservoir sample above
``MAX_TASKS`` -- and dropped when the stage completes.
"""
from __future__ import annotations

import json
import random
from array import array
from dataclasses import replace

from .model import Dist, StageSummary, TaskRef

MAX_TASKS = 400_000
_loads = json.loads


def decode_task_end(line: bytes) -> tuple[dict, dict]:
    """(head with Stage ID / Task End Reason / Task Info, Task Metrics) of a task-end line."""
    ti = line.find(b'"Task Info":')
    acc = line.find(b',"Accumulables":', ti) if ti >= 0 else -1
    tm = line.rfind(b'"Task Metrics":')   # the last field: search from the end
    try:
        if acc < 0:
            raise ValueError("no Task Info accumulables")
        head = _loads(line[:acc] + b"}}")
        if tm < 0:
            return head, {}
        if tm < acc:
            raise ValueError("Task Metrics before Task Info")
        end = line.rfind(b"}")
        return head, _loads(line[tm + 15:end])
    except ValueError:
        ev = _loads(line)
        return ev, ev.get("Task Metrics") or {}


class StageAcc:
    __slots__ = ("stage_id", "attempt", "name", "num_tasks", "parents", "submitted", "completed", "status",
                 "failure", "ok", "failed", "killed", "task_ms", "run_ms", "cpu_ns", "gc_ms", "inp_b", "inp_r",
                 "out_b", "out_r", "sr_b", "sr_r", "sw_b", "sw_r", "mem_sp", "disk_sp", "peak", "durs", "runs",
                 "reads", "seen", "rng", "slowest", "biggest", "python_s", "operators", "keys", "tables")

    def __init__(self, stage_id: int, attempt: int, name: str = "", num_tasks: int = 0, parents=(),
                 submitted: int | None = None):
        self.stage_id, self.attempt, self.name, self.num_tasks = stage_id, attempt, name, num_tasks
        self.parents, self.submitted, self.completed = tuple(parents), submitted, None
        self.status, self.failure = "running", None
        self.ok = self.failed = self.killed = 0
        self.task_ms = self.run_ms = self.cpu_ns = self.gc_ms = 0
        self.inp_b = self.inp_r = self.out_b = self.out_r = self.sr_b = self.sr_r = self.sw_b = self.sw_r = 0
        self.mem_sp = self.disk_sp = self.peak = 0
        self.durs, self.runs, self.reads = array("q"), array("q"), array("q")
        self.seen = 0
        self.rng = None
        self.slowest = self.biggest = None
        self.python_s = None
        self.operators: dict[str, None] = {}
        self.keys: dict[str, None] = {}
        self.tables: dict[tuple[str, str], None] = {}

    def add(self, info: dict, success: bool, killed: bool, m: dict) -> tuple[int, int]:
        """Fold one task end in; return (wall ms, bytes read)."""
        launch = info.get("Launch Time") or 0
        finish = info.get("Finish Time") or launch
        dur = max(0, finish - launch)
        run = m.get("Executor Run Time") or 0
        inp = m.get("Input Metrics") or {}
        sr = m.get("Shuffle Read Metrics") or {}
        sw = m.get("Shuffle Write Metrics") or {}
        out = m.get("Output Metrics") or {}
        in_b = inp.get("Bytes Read") or 0
        sr_b = (sr.get("Remote Bytes Read") or 0) + (sr.get("Local Bytes Read") or 0)
        read = in_b + sr_b
        self.task_ms += dur
        self.run_ms += run
        self.cpu_ns += m.get("Executor CPU Time") or 0
        self.gc_ms += m.get("JVM GC Time") or 0
        self.inp_b += in_b
        self.inp_r += inp.get("Records Read") or 0
        self.out_b += out.get("Bytes Written") or 0
        self.out_r += out.get("Records Written") or 0
        self.sr_b += sr_b
        self.sr_r += sr.get("Total Records Read") or 0
        self.sw_b += sw.get("Shuffle Bytes Written") or 0
        self.sw_r += sw.get("Shuffle Records Written") or 0
        self.mem_sp += m.get("Memory Bytes Spilled") or 0
        self.disk_sp += m.get("Disk Bytes Spilled") or 0
        peak = m.get("Peak Execution Memory") or 0
        if peak > self.peak:
            self.peak = peak
        if killed:
            self.killed += 1
        elif not success:
            self.failed += 1
        else:
            self.ok += 1
            self._sample(dur, run, read)
            self._notable(info, dur, read)
        return dur, read

    def _sample(self, dur: int, run: int, read: int) -> None:
        self.seen += 1
        if len(self.durs) < MAX_TASKS:
            self.durs.append(dur)
            self.runs.append(run)
            self.reads.append(read)
            return
        if self.rng is None:
            self.rng = random.Random(self.stage_id * 1000 + self.attempt)
        j = self.rng.randrange(self.seen)
        if j < MAX_TASKS:
            self.durs[j], self.runs[j], self.reads[j] = dur, run, read

    def _notable(self, info: dict, dur: int, read: int) -> None:
        if self.slowest is None or dur > self.slowest[5]:
            self.slowest = (info.get("Task ID", -1), info.get("Index", -1), info.get("Attempt", 0),
                            str(info.get("Executor ID", "?")), str(info.get("Host", "?")), dur, read)
        if self.biggest is None or read > self.biggest[6]:
            self.biggest = (info.get("Task ID", -1), info.get("Index", -1), info.get("Attempt", 0),
                            str(info.get("Executor ID", "?")), str(info.get("Host", "?")), dur, read)

    def freeze(self, job_ids=(), sql_id=None) -> StageSummary:
        def ref(t):
            return None if t is None else TaskRef(t[0], t[1], t[2], t[3], t[4], t[5] / 1000, t[6])

        durs = Dist.of(self.durs)
        runs = Dist.of(self.runs)
        return StageSummary(
            stage_id=self.stage_id, attempt=self.attempt, name=self.name, status=self.status,
            num_tasks=self.num_tasks, job_ids=tuple(job_ids), sql_id=sql_id, parents=self.parents,
            submitted_ms=self.submitted, completed_ms=self.completed, tasks_succeeded=self.ok,
            tasks_failed=self.failed, tasks_killed=self.killed, task_time_s=self.task_ms / 1000,
            run_time_s=self.run_ms / 1000, cpu_time_s=self.cpu_ns / 1e9, gc_time_s=self.gc_ms / 1000,
            duration=durs.scaled(0.001) if durs else None, run_time=runs.scaled(0.001) if runs else None,
            read_bytes=Dist.of(self.reads), input_bytes=self.inp_b, input_records=self.inp_r,
            output_bytes=self.out_b, output_records=self.out_r, shuffle_read_bytes=self.sr_b,
            shuffle_read_records=self.sr_r, shuffle_write_bytes=self.sw_b, shuffle_write_records=self.sw_r,
            memory_spilled=self.mem_sp, disk_spilled=self.disk_sp, peak_execution_memory=self.peak,
            python_time_s=self.python_s, failure=self.failure, slowest=ref(self.slowest),
            biggest=ref(self.biggest), operators=tuple(self.operators), keys=tuple(self.keys),
            tables=tuple(self.tables),
            sampled=self.seen > len(self.durs))


def late_tasks(summary: StageSummary, late: StageAcc | None) -> StageSummary:
    """Add the counts and sums of task ends that came after the stage was frozen."""
    if late is None:
        return summary
    return replace(summary, tasks_succeeded=summary.tasks_succeeded + late.ok,
                   tasks_failed=summary.tasks_failed + late.failed, tasks_killed=summary.tasks_killed + late.killed,
                   task_time_s=summary.task_time_s + late.task_ms / 1000,
                   run_time_s=summary.run_time_s + late.run_ms / 1000, gc_time_s=summary.gc_time_s + late.gc_ms / 1000,
                   disk_spilled=summary.disk_spilled + late.disk_sp,
                   memory_spilled=summary.memory_spilled + late.mem_sp)
