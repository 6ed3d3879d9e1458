"""Find the error blocks of a log of any size in bounded memory, fast.

Between errors nothing but a byte search runs over the text.  A *hit* is a line holding one
of :data:`NEEDLES` (error/exception words, WARN and ERROR, "Traceback", "killed").  At a hit
the scanner reads lines and collects the *block*: the hit line and every following line until
a new log record starts (a record with a needle opens the next block at once), or 50 quiet
lines in a row.  A block keeps at most ``HEAD + TAIL`` lines of at most ``MAX_LINE`` bytes, and
only the last block of each severity is kept, so memory stays bounded whatever the file's size.

Severity: 3 = a traceback, a Py4J error, an aborted job or a killed container; 2 = a
``Caused by`` or a line a catalog entry knows (set by the ``on_block`` callback); 1 = any
other block.  The block to triage is the last one of the highest severity seen.

Two engines find the hits and give the same blocks: for a file, a search tool -- ripgrep
(``rg``, pinned in requirements.txt: its SIMD literal search scans at several GB/s), else
``grep -F`` -- reports the byte offset of every hit and Python reads only the blocks; for a
stream (stdin, an upload) or where neither tool is there, Python scans the chunks itself with
``bytes.find``.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import BinaryIO

CHUNK = 8 << 20
# Every grep pattern costs time on each byte: these few cover error and exception words (any case but
# all-caps, which ERROR covers), warnings from WARN up, tracebacks, and killed processes/containers.
NEEDLES = (b"rror", b"xception", b"Traceback", b"ERROR", b"WARN", b"illed")
HEAD, TAIL, MAX_LINE = 3000, 2000, 8000
QUIET_LIMIT = 50
# The same transport prefixes as lines.py (k8s/CRI, CI timestampers, pytest's "E   ", docker compose).
_TRANSPORT = re.compile(rb"^(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}) "
                        rb"(?:(?:stdout|stderr) [FP] )?"
                        rb"|\[\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})\]\s"
                        rb"|E(?: {3,}|\t)(?=\S|\t| )"
                        rb"|[A-Za-z0-9][\w.\-]*\s+\| ?)+")
_RECORD = re.compile(rb"^\[?(?:\d{2,4}[-/]\d{2}[-/]\d{2}[ T]\d{2}:\d{2}|(?:INFO|DEBUG|TRACE|WARN|ERROR|FATAL)\b)")
_CONTINUED = (b" ", b"\t", b"Caused by", b"...", b"Traceback", b"Driver stacktrace", b"JVM stacktrace")
_SEVERE = (b"Traceback (most recent call last)", b"Py4J", b"Job aborted", b'Exception in thread "',
           b"Container killed", b"OOMKilled", b"exit code 137", b"Uncaught exception")


def _is_record(body: bytes) -> bool:
    """The line starts a log record: a timestamp or level, or a structured (JSON) record with a level."""
    if body.startswith(b'{"'):
        return b'"level"' in body[:200] or b'"severity"' in body[:200]
    return bool(_RECORD.match(body)) and not body.startswith(_CONTINUED)


@dataclass
class Block:
    start_line: int  # 1-based
    head: list[bytes] = field(default_factory=list)
    tail: deque = field(default_factory=lambda: deque(maxlen=TAIL))
    lines: int = 0
    severity: int = 1
    before: Block | None = None  # the block closed just before this one (a cause logged apart)

    def add(self, line: bytes) -> None:
        line = line[:MAX_LINE]
        self.lines += 1
        if len(self.head) < HEAD:
            self.head.append(line)
        else:
            self.tail.append(line)
        if self.severity < 3 and any(s in line for s in _SEVERE):
            self.severity = 3
        elif self.severity < 2 and b"Caused by:" in line:
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
    engine: str = "python"
    others: tuple = ()  # the last block of each lower severity, most severe first (fallbacks)


def has_needle(line: bytes) -> bool:
    return any(n in line for n in NEEDLES)


class Collector:
    """The block rules, line by line; both engines feed it the same lines."""

    def __init__(self, on_block=None):
        self.block: Block | None = None
        self.quiet = 0
        self.best: dict[int, Block] = {}
        self.blocks = 0
        self.severities: Counter = Counter()
        self.on_block = on_block
        self.prev: Block | None = None

    def start(self, line_no: int) -> None:
        self.block = Block(start_line=line_no)
        self.quiet = 0

    def close(self) -> None:
        b = self.block
        if b is None:
            return
        self.block = None
        if self.on_block is not None:
            self.on_block(b)
        if self.prev is not None and all(self.prev is not k for k in self.best.values()):
            self.prev.before = None  # one block back, for the kept blocks only: memory stays bounded
        b.before, self.prev = self.prev, b
        self.blocks += 1
        self.severities[b.severity] += 1
        self.best[b.severity] = b

    def line(self, line: bytes, line_no: int) -> bool:
        """Add ``line`` (number ``line_no``) to the open block.

        A new log record ends the block: with a needle it opens the next block at once, without
        one the block is closed and False says the line was not consumed.
        """
        needle = has_needle(line)
        body = line
        m = _TRANSPORT.match(line)
        if m:
            body = line[m.end():]
        if self.block.lines and _is_record(body):
            self.close()
            if not needle:
                return False
            self.start(line_no)
        if needle or body.startswith(_CONTINUED) or b"\\tat " in body or b"\\n" in body:
            self.quiet = 0
        else:
            self.quiet += 1
        self.block.add(line)
        if self.quiet >= QUIET_LIMIT:
            self.close()
        return True

    def result(self, lines: int, nbytes: int, engine: str) -> ScanResult:
        self.close()
        order = [self.best[k] for k in sorted(self.best, reverse=True)]
        best = order[0] if order else None
        return ScanResult(best, self.blocks, lines, nbytes, self.severities, engine, tuple(order[1:]))


# ------------------------------------------------------------------ engine 1: Python, any stream
class _Scanner:
    def __init__(self, on_block=None):
        self.c = Collector(on_block)
        self.line_no = 0  # lines consumed so far

    def _next_hit(self, work: bytes, pos: int, nxt: dict) -> int:
        hit = -1
        for n in NEEDLES:
            p = nxt.get(n, -2)
            if p == -2 or (p != -1 and p < pos):
                p = work.find(n, pos)
                nxt[n] = p
            if p != -1 and (hit == -1 or p < hit):
                hit = p
        return hit

    def feed(self, work: bytes) -> None:
        """``work`` holds whole lines only (ends with a newline, or is the file's end)."""
        pos, end = 0, len(work)
        nxt: dict[bytes, int] = {}
        while pos < end:
            if self.c.block is None:
                hit = self._next_hit(work, pos, nxt)
                if hit == -1:
                    self.line_no += work.count(b"\n", pos, end)
                    return
                start = max(pos, work.rfind(b"\n", pos, hit) + 1)
                self.line_no += work.count(b"\n", pos, start)
                pos = start
                self.c.start(self.line_no + 1)
            nl = work.find(b"\n", pos)
            stop = end if nl == -1 else nl
            if not self.c.line(work[pos:stop].rstrip(b"\r"), self.line_no + 1):
                continue  # the line starts a new record: look at it again between blocks
            self.line_no += 1
            pos = stop + 1


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
            if len(leftover) > max(4 * chunk, 8 * MAX_LINE):  # a giant line: cut it, do not grow without bound
                sc.feed(leftover + b"\n")
                leftover = b""
            continue
        work, leftover = buf[:cut], buf[cut:]
        sc.feed(work)
    if leftover:
        sc.feed(leftover + b"\n")
    return sc.c.result(sc.line_no, total, "python")


# ------------------------------------------------------------------ engine 2: a search tool for files
def searchers() -> list[tuple[str, list[str]]]:
    """The hit finders installed here, fastest first, as ``(name, command)``: ripgrep (pinned in
    requirements.txt; several GB/s for a few literals), then grep."""
    here = os.path.dirname(sys.executable)  # a venv's own bin/ need not be on PATH
    path = os.pathsep.join([here, os.environ.get("PATH", os.defpath)])
    out = []
    rg, grep = shutil.which("rg", path=path), shutil.which("grep", path=path)
    if rg:
        out.append(("rg", [rg, "--no-config", "--text", "--byte-offset", "--line-number", "--only-matching",
                           "--fixed-strings", "--no-filename", "--no-heading", "--threads", "1", "--no-mmap"]))
    if grep:
        out.append(("grep", [grep, "-a", "-b", "-n", "-o", "-F"]))
    return out


def _searcher() -> tuple[str, list[str]] | None:
    found = searchers()
    return found[0] if found else None


def _hits(command: list[str], path: str):
    """``(line_no, byte offset of the match)`` for every needle hit, in file order."""
    args = list(command)
    for n in NEEDLES:
        args += ["-e", n.decode()]
    proc = subprocess.Popen(args + ["--", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env={**os.environ, "LC_ALL": "C"}, bufsize=1 << 16)
    try:
        for raw in proc.stdout:
            line_no, offset, _ = raw.split(b":", 2)
            yield int(line_no), int(offset)
    finally:
        proc.stdout.close()
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _line_start(f: BinaryIO, offset: int) -> int:
    back = min(offset, MAX_LINE * 8)
    f.seek(offset - back)
    cut = f.read(back).rfind(b"\n")
    return offset - back + cut + 1 if cut != -1 else offset - back


def scan_file(path, on_block=None) -> ScanResult:
    """Scan a file; ripgrep or grep finds the hits when one is there, else the Python engine scans it."""
    searcher = _searcher()
    path = os.fspath(path)
    size = os.path.getsize(path)
    if searcher is None:
        with open(path, "rb") as f:
            return scan(f, on_block=on_block)
    engine, command = searcher
    c = Collector(on_block)
    done_line = 0  # the last line a block has consumed (1-based)
    with open(path, "rb", buffering=1 << 16) as f:
        for line_no, offset in _hits(command, path):
            if line_no <= done_line:
                continue
            f.seek(_line_start(f, offset))
            c.start(line_no)
            n, done_line = line_no, line_no - 1
            for raw in f:
                if not c.line(raw.rstrip(b"\n").rstrip(b"\r"), n):
                    break  # that line starts a new record; a later hit (if it has a needle) opens it
                done_line = n
                if c.block is None:
                    break
                n += 1
            c.close()
    # the line count is only shown when nothing was found; counting costs a pass over the file
    return c.result(count_lines(path) if c.blocks == 0 else done_line, size, engine)


def count_lines(path: str) -> int:
    """Lines as the Python engine counts them (a last line without a newline counts)."""
    n, last = 0, b"\n"
    with open(path, "rb") as f:
        while True:
            data = f.read(CHUNK)
            if not data:
                return n + (last != b"\n")
            n += data.count(b"\n")
            last = data[-1:]
