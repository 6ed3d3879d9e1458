"""The server's limits, applied: uploads streamed to disk and removed after use, rows a technique
may bring to the driver, runs per session.  The numbers live in :mod:`dcs_engine.config`; the
runbook limits are applied by :mod:`runbook.loader`."""
from __future__ import annotations

import contextlib
import os
import threading
import uuid
from pathlib import Path

from dcs_engine import config
from dcs_engine.errors import LimitExceeded

CHUNK = 1 << 20


def exceeded(what: str, limit: str, value, maximum, fix: str, **params) -> LimitExceeded:
    var = f"DCS_{limit.upper()}"
    return LimitExceeded(what, expected=f"at most {maximum:,} ({limit} in the config file, or {var})",
                         found=f"{value:,}" if isinstance(value, int) else str(value),
                         fix=f"{fix}, or ask the operator to raise {var}",
                         params={"limit": limit, "value": value, "maximum": maximum, **params})


@contextlib.contextmanager
def saved_upload(fileobj, name: str):
    """Copy an uploaded file to ``<data dir>/uploads`` in chunks (never whole in memory), yield its path,
    and remove it afterwards, also when the limit is hit or the caller fails."""
    cap = config.limits().upload_mb * 1024 * 1024
    folder = config.current().data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(name).suffix[:16] if Path(name).suffix.isascii() else ""
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    try:
        size = 0
        with open(path, "wb") as out:
            while chunk := fileobj.read(CHUNK):
                size += len(chunk)
                if size > cap:
                    raise exceeded(f"the upload {name!r}", "upload_mb", f"more than {cap // (1024 * 1024)} MB",
                                   cap // (1024 * 1024), "upload a smaller file (cut the log to the failing part)")
                out.write(chunk)
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def check_upload_size(size: int, name: str) -> None:
    cap_mb = config.limits().upload_mb
    if size > cap_mb * 1024 * 1024:
        raise exceeded(f"the upload {name!r}", "upload_mb", f"{size / 1e6:.1f} MB", cap_mb,
                       "upload a smaller file (cut the log to the failing part)")


def check_driver_rows(tech, params: dict) -> None:
    """Refuse a parameter declared as rows brought to the driver (``Param(driver_rows=True)``) above the limit."""
    cap = config.limits().driver_rows
    for p in tech.params:
        if not getattr(p, "driver_rows", False):
            continue
        try:
            value = int(params.get(p.name, p.default) or 0)
        except (TypeError, ValueError):
            continue  # the registry's own check reports a malformed value
        if value > cap:
            raise exceeded(f"{tech.id} parameter '{p.name}'", "driver_rows", value, cap,
                           "ask for fewer rows (the driver keeps every one of them in memory)", param=p.name)


class RunBudget:
    """Runs started per browser session (its owner id), in this server process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def spend(self, owner: str) -> int:
        cap = config.limits().runs_per_session
        with self._lock:
            used = self._counts.get(owner, 0)
            if used >= cap:
                raise exceeded("runs in this session", "runs_per_session", used + 1, cap,
                               "start a new session (reload the page) to go on")
            self._counts[owner] = used + 1
            return used + 1

    def refund(self, owner: str) -> None:
        """A run that did not start (refused parameters) does not count."""
        with self._lock:
            self._counts[owner] = max(0, self._counts.get(owner, 0) - 1)


BUDGET = RunBudget()
