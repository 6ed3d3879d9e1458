"""What every run handle answers the same way (a job in this process, a run in a worker, an event-log read)."""
from __future__ import annotations

import time


class RunState:
    """Mixin for a handle that sets ``self._done`` (a threading.Event), ``self.started`` and ``self.finished``."""

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def elapsed(self) -> float:
        return (self.finished or time.time()) - self.started

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)
