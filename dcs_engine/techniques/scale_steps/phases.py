"""Where a ladder's time goes: wall seconds per phase (its steps, the warm-up, the near-empty run,
the runs again, the Python CPU readings, the metrics reads, the UDF profile), kept on the result so
that a ladder's cost beyond its steps can be seen and cut."""
from __future__ import annotations

import time
from contextlib import contextmanager


class Phases:
    """Adds up wall seconds by phase name, in the order the phases first ran."""

    def __init__(self):
        self._spent: dict[str, float] = {}

    def add(self, name: str, seconds: float) -> None:
        self._spent[name] = self._spent.get(name, 0.0) + max(0.0, seconds)

    @contextmanager
    def timed(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start)

    def items(self) -> tuple[tuple[str, float], ...]:
        return tuple(self._spent.items())


def run_phase(name: str) -> str:
    """The phase of a ladder run, from its name (``warm-up``, ``base0``, ``2-0``, ``1-again``, ``profile``)."""
    if name == "warm-up":
        return name
    if name == "profile":
        return "profile run"  # within the "profile" phase, which adds the profiler's reads
    if name.startswith("base"):
        return "near-empty"
    if name.endswith(("-again", "-recheck")):
        return "again"
    return "steps"
