"""Run an event-log analysis in the background with progress and a Cancel (for the app).

The analysis needs no Spark: a plain thread runs it, reporting ``(fraction, text)``
through the engine's progress callback and stopping at the next check when
``cancel()`` sets its event.  Finished runs keep their result, so a rerun of a
page reads it instead of reading the log again; the oldest finished runs are
forgotten beyond ``KEEP``.
"""
from __future__ import annotations

import itertools
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from dcs_engine.runtime.handle import RunState

from .errors import EventLogError

KEEP = 50
_ids = itertools.count(1)
_RUNS: dict[str, BackgroundRun] = {}
_LOCK = threading.Lock()


class BackgroundRun(RunState):
    def __init__(self, owner: str, label: str, work: Callable):
        self.id = f"{owner}-eventlog-{next(_ids)}"
        self.owner, self.label = owner, label
        self.started = time.time()
        self.finished: float | None = None
        self.fraction, self.text = 0.0, "starting…"
        self.result = None
        self.error: BaseException | None = None
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._main, args=(work,), name=self.id, daemon=True)

    def _progress(self, fraction: float, text: str) -> None:
        self.fraction, self.text = fraction, text

    def _main(self, work: Callable) -> None:
        try:
            self.result = work(self._progress, self._cancel)
        except BaseException as exc:  # noqa: BLE001 - kept for the page to show
            self.error = exc
        finally:
            self.finished = time.time()
            self._done.set()

    def cancel(self) -> None:
        self._cancel.set()


def start(owner: str, label: str, work: Callable) -> BackgroundRun:
    """``work(progress, cancel)`` in a thread; the handle is found again by :func:`get`."""
    run = BackgroundRun(owner, label, work)
    with _LOCK:
        _RUNS[run.id] = run
        done = [r for r in _RUNS.values() if r.done]
        for old in sorted(done, key=lambda r: r.finished or 0)[:-KEEP]:
            _RUNS.pop(old.id, None)
    run._thread.start()
    return run


def get(run_id: str | None) -> BackgroundRun | None:
    return _RUNS.get(run_id or "")


def save_upload(files: list[tuple[str, bytes]]) -> Path:
    """Uploaded files in a fresh directory, under their own names (a rolled log's files stay together).

    Returns the one file, or the directory when several were given (read as a rolled
    log when their names are ``events_<N>_<app>``, else as a directory of applications).
    """
    if not files:
        raise EventLogError("upload", expected="one event log, its rolled files, or a zip", found="no file",
                            fix="choose a file first", condition="PARAM_MISSING", params={"param": "upload"})
    folder = Path(tempfile.mkdtemp(prefix="dcs-eventlog-"))
    paths = []
    for name, data in files:
        safe = Path(name).name or "eventlog"
        p = folder / safe
        p.write_bytes(data)
        paths.append(p)
    return paths[0] if len(paths) == 1 else folder
