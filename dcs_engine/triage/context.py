"""Where a failure happened: stage, task and executor, from the messages Spark writes."""
from __future__ import annotations

import re

_LOST_TASK = re.compile(
    r"Lost task (?P<task>[\d.]+) in stage (?P<stage>[\d.]+) \(TID (?P<tid>\d+)"
    r"(?:, (?P<host2>[^,)]+)(?:, executor (?P<exec2>[^)]+))?)?\)"
    r"(?: \((?P<host>\S+) executor (?P<exec>[^)]+)\))?")
_STAGE = re.compile(r"(?:Task|task) (?P<task>[\d.]+) in stage (?P<stage>[\d.]+)")
_EXECUTOR = re.compile(r"\(executor (?P<exec>[\w.-]+) exited|[Ll]ost executor (?P<exec2>[\w.-]+)|"
                       r"executor with id (?P<exec3>[\w.-]+)")


def locate(*texts: str) -> tuple[str | None, str | None, str | None]:
    """``(stage, task, executor)`` from the first text that names them (most specific text first)."""
    stage = task = executor = None
    for text in texts:
        m = _LOST_TASK.search(text)
        if m:
            stage, task = m.group("stage"), m.group("task")
            executor = m.group("exec") or m.group("exec2")
            break
    if stage is None:
        for text in texts:
            m = _STAGE.search(text)
            if m:
                stage, task = m.group("stage"), m.group("task")
                break
    if executor is None:
        for text in texts:
            m = _EXECUTOR.search(text)
            if m:
                executor = next(g for g in m.groups() if g)
                break
    return stage, task, executor
