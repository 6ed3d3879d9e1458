"""Find the error blocks of a log of any size in bounded memory.

The file is read in chunks.  Between errors only a few byte searches run over
each chunk (no per-line Python work); at a hit the scanner switches to reading
lines and collects the error block: the hit line and every following line until
an ordinary timestamped log line without any error word comes back (or 50
quiet lines in a row).  A block keeps at most ``HEAD + TAIL`` lines of at most
``MAX_LINE`` characters, and only the last block of each severity is kept, so
memory stays bounded whatever the file's size.

Severity: 3 = a traceback, a Py4J error or an aborted job; 2 = a ``Caused by``
or a line a catalog entry knows; 1 = any other line with an error word.
The block to triage is the last one of the highest severity seen.
"""
from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import BinaryIO

CHUNK = 8 << 20
NEEDLES = (b"rror", b"xception", b"Traceback", b"illed", b"ailure", b"exit code")
HEAD, TAIL, MAX_LINE = 3000, 2000, 8000
QUIET_LIMIT = 50
_TIMESTAMP = re.compile(rb"^\[?(?:\d{2,4}[-/]\d{2}[-/]\d{2}[ T]\d{2}:\d{2}|(?:INFO|WARN|DEBUG|TRACE)\b)")
_SEVERE = (b"Traceback (most recent call last)", b"Py4J", b"Job aborted", b'Exception in thread "main"',
           b"Container killed", b"OOMKilled")


@dataclass
class Block:
    start_line: int  # 1-based
    head: list[bytes] = field(default_factory=list)
    tail: deque = field(default_factory=lambda: deque(maxlen=TAIL))
    lines: int = 0
    severity: int = 1

    def add(self, line: bytes) -> None:
        line = line[:MAX_LINE]
        self.lines += 1
        if len(self.head) < HEAD:
            self.head.append(line)
        else:
            self.tail.append(line)
        if self.severity < 3 and any(s in line for s in _SEVERE):
            self.severity = 3
        elif self.severity < 2 and line.lstrip().startswith(b"Caused by:"):
            self.severity = 2

    def text(self) -> str:
        parts = list(self.head)
        if self.lines > len(self.head) + len(self.tail):
            parts.append(b"... (%d lines omitted) ..." % (self.lines - len(self.head) - len(self.tail)))
        parts.extend(self.tail)
        return b"\n".join(parts).decode("utf-8", "replace")


@dataclass
class ScanResult:
    block: Block | None
    blocks: int
    lines: int
    bytes: int
    severities: Counter


def _has_needle(line: bytes) -> bool:
    return any(n in line for n in NEEDLES)


class _Scanner:
    def __init__(self, on_block=None):
        self.line_no = 0  # lines consumed so far
        self.block: Block | None = None
        self.quiet = 0
        self.best: dict[int, Block] = {}
        self.blocks = 0
        self.severities: Counter = Counter()
        self.on_block = on_block

    def _close(self) -> None:
        b = self.block
        if b is None:
            return
        self.block = None
        if self.on_block is not None:
            self.on_block(b)
        self.blocks += 1
        self.severities[b.severity] += 1
        self.best[b.severity] = b

    def feed(self, work: bytes) -> None:
        """``work`` holds whole lines only (ends with a newline, or is the file's end)."""
        pos, end = 0, len(work)
        nxt: dict[bytes, int] = {}
        while pos < end:
            if self.block is None:
                hit = -1
                for n in NEEDLES:
                    p = nxt.get(n, -2)
                    if p == -2 or (p != -1 and p < pos):
                        p = work.find(n, pos)
                        nxt[n] = p
                    if p != -1 and (hit == -1 or p < hit):
                        hit = p
                if hit == -1:
                    self.line_no += work.count(b"\n", pos, end)
                    return
                start = work.rfind(b"\n", pos, hit) + 1
                self.line_no += work.count(b"\n", pos, start)
                pos = start
                self.block = Block(start_line=self.line_no + 1)
                self.quiet = 0
            # line mode inside a block
            nl = work.find(b"\n", pos)
            stop = end if nl == -1 else nl
            line = work[pos:stop].rstrip(b"\r")
            needle = _has_needle(line)
            if not needle and self.block.lines and _TIMESTAMP.match(line):
                self._close()
                continue  # rescan this line in chunk mode (it has no needle: skipped fast)
            if needle or line[:1] in (b" ", b"\t") or line.startswith((b"Caused by", b"...")):
                self.quiet = 0
            else:
                self.quiet += 1
            self.block.add(line)
            self.line_no += 1
            pos = stop + 1
            if self.quiet >= QUIET_LIMIT:
                self._close()

    def finish(self) -> ScanResult:
        self._close()
        best = self.best[max(self.best)] if self.best else None
        return ScanResult(best, self.blocks, self.line_no, 0, self.severities)


def scan(fileobj: BinaryIO, on_block=None, chunk: int = CHUNK) -> ScanResult:
    """Scan a binary stream; ``on_block(block)`` sees every closed block (optional)."""
    sc = _Scanner(on_block)
    leftover = b""
    total = 0
    while True:
        data = fileobj.read(chunk)
        if not data:
            break
        total += len(data)
        buf = leftover + data if leftover else data
        cut = buf.rfind(b"\n") + 1
        if cut == 0:
            leftover = buf
            if len(leftover) > 4 * chunk:  # a giant line: cut it rather than grow without bound
                sc.feed(leftover + b"\n")
                leftover = b""
            continue
        work, leftover = buf[:cut], buf[cut:]
        sc.feed(work)
    if leftover:
        sc.feed(leftover + b"\n")
    res = sc.finish()
    res.bytes = total
    return res


def scan_file(path, on_block=None) -> ScanResult:
    with open(path, "rb") as f:
        return scan(f, on_block=on_block)
