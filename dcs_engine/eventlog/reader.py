"""Stream the lines of an application's event log, across rolled files and codecs, in bounded memory.

``lines(source, progress, cancel)`` yields each JSON line as bytes.  ``progress``
(if given) is called with ``(fraction, text)`` about every quarter second, from
the compressed bytes consumed; ``cancel`` (a ``threading.Event``) stops the read
with :class:`~dcs_engine.errors.JobCancelled` within a few thousand lines.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .codecs import decoded, detect, was_truncated
from .errors import cancelled
from .locate import LogSource

CHECK_EVERY = 4096
PROGRESS_EVERY_S = 0.25

Progress = Callable[[float, str], None]


@dataclass
class ReadState:
    files: list[str] = field(default_factory=list)
    codecs: set[str] = field(default_factory=set)
    bytes_done: int = 0
    lines: int = 0
    truncated: bool = False
    cut_files: list[str] = field(default_factory=list)   # files whose last line has no newline (cut mid-event)
    started: float = field(default_factory=time.perf_counter)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB" if n >= 2**20 else f"{n / 1024:,.0f} KB"


def lines(source: LogSource, state: ReadState, progress: Progress | None = None, cancel=None) -> Iterator[bytes]:
    total = max(1, source.total_bytes)
    last = 0.0
    for lf in source.files:
        with lf.open() as raw:
            codec = detect(lf.name, raw.read(8))
            raw.seek(0)
            state.files.append(lf.name)
            state.codecs.add(codec)
            stream = decoded(raw, codec)
            n, line = 0, b"\n"
            for line in stream:
                yield line
                n += 1
                if n % CHECK_EVERY == 0:
                    if cancel is not None and cancel.is_set():
                        raise cancelled(f"reading {source.label}")
                    now = time.perf_counter()
                    if progress is not None and now - last >= PROGRESS_EVERY_S:
                        last = now
                        done = state.bytes_done + _pos(raw)
                        progress(min(0.99, done / total), f"read {_mb(done)} of {_mb(total)} ({lf.name})")
            state.lines += n
            if not line.endswith(b"\n") and line.strip():
                state.cut_files.append(lf.name)
            state.truncated = state.truncated or was_truncated(stream)
            state.bytes_done += lf.size
    if cancel is not None and cancel.is_set():
        raise cancelled(f"reading {source.label}")


def _pos(raw) -> int:
    try:
        return raw.tell()
    except (OSError, ValueError, AttributeError):
        return 0
