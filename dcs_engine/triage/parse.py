"""Read a failure text: its records, each record's exception chain, the surfaced and the innermost error.

Pure text work, no Spark.  The text is first normalised (:mod:`.lines`), then cut into
*records*: a log record (a line with a timestamp/level prefix and what follows it), a
section of an aggregated log, or an uncaught traceback.  Each record is read into one
chain of *levels*, outer to inner:

* a Java exception line, each ``: X`` (Py4J) and ``Caused by: X``; ``Suppressed:``
  subtrees, frames and ``... N more`` are skipped;
* an exception named inside a message (``Job aborted ... Lost task ...: X: msg``,
  ``User class threw exception: X``, ``failed to compile: X``) is a level under it;
* a Python traceback's closing line; chained tracebacks ("During handling of the above
  exception" / "The above exception was the direct cause") print the cause first, so
  the blocks are reversed: the first block is the innermost;
* an IPython header (``XError   Traceback (most recent call last)``) names the class
  when the closing line was cut off;
* a gRPC ``<_MultiThreadedRendezvous ...>`` with its ``status`` and ``details``.

The same exception printed twice (task failure, then ``Driver stacktrace`` or ``JVM
stacktrace``) is kept at its deepest place.  The record that decides is the last one of
the highest rank: an uncaught traceback, then ERROR/FATAL records, unprefixed text,
WARN, INFO.  The surfaced error is the outermost level of that chain, the innermost the
deepest one (a bare ``EOFException``-like link under a message says less than its parent).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import lines as L
from .context import locate
from .frames import Frame, code_line, parse_frame, user_frame

TRACEBACK = "Traceback (most recent call last)"
CHAIN_MARKS = ("During handling of the above exception", "The above exception was the direct cause")
_IPY_HEADER = re.compile(r"^(?P<cls>[A-Za-z_][\w.$]*)\s{2,}Traceback \(most recent call last\)")
_CONDITION = re.compile(r"\[(?P<cond>_?[A-Z][A-Z0-9_]{2,}(?:\.[A-Z0-9_]+)*)\]")
_SQLSTATE = re.compile(r"SQLSTATE:?\s*(?P<state>[0-9A-Z]{5})\b")
_SECTION = re.compile(r"^(?:LogType:|End of LogType:|Container: container_|={20,}|\*{20,}|LogLength:|LogContents:"
                      r"|LogLastModifiedTime:|LogAggregationType:)")
_NOT_CONDITIONS = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE", "FATAL", "WARNING", "SEVERE", "CRITICAL", "NOTICE"}
_QUIET_LEAVES = {"EOFException", "IOException", "SocketException", "ClosedChannelException", "InterruptedException",
                 "SocketTimeoutException", "Py4JJavaError"}
MAX_EXTRA = 40


@dataclass
class Level:
    qualname: str
    message: str
    line_no: int  # 0-based line of the normalised text
    origin: str  # python | jvm | log | grpc | header
    extra: list[str] = field(default_factory=list)  # continuation lines of the message
    frames: list[str] = field(default_factory=list)  # first Java frames
    status: str | None = None  # gRPC status code
    sqlstate: str | None = None
    conditions: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]

    @property
    def text(self) -> str:
        return "\n".join([self.message, *self.extra]) if self.extra else self.message

    def key(self) -> tuple[str, str]:
        return self.name, self.message[:300]


@dataclass
class Chain:
    start: int
    level: str | None  # the record's log level
    uncaught: bool
    levels: list[Level] = field(default_factory=list)  # outer -> inner
    blocks: list[list[Frame]] = field(default_factory=list)  # Python blocks, innermost first
    text: str = ""

    @property
    def rank(self) -> int:
        if not self.levels:
            return -1
        base = {None: 3, "FATAL": 4, "CRITICAL": 4, "ERROR": 4, "SEVERE": 4, "WARN": 2, "INFO": 1, "NOTICE": 1}
        r = base.get(self.level, 0)
        if self.uncaught:
            r += 2
        if any(lv.name == "Py4JJavaError" or lv.message.startswith("Job aborted") for lv in self.levels):
            r += 1
        return r


@dataclass
class Extract:
    innermost: Level | None = None
    surfaced: Level | None = None
    chain: list[Level] = field(default_factory=list)  # outer -> inner
    kind: str = "none"  # python | jvm | grpc | plain | none
    user_frame: str | None = None
    user_code: str | None = None
    conditions: list[str] = field(default_factory=list)  # innermost first
    sqlstate: str | None = None
    stage: str | None = None
    task: str | None = None
    executor: str | None = None
    records: int = 0
    text: str = ""  # the normalised text
    record_text: str = ""  # the deciding record's lines


def conditions_in(text: str) -> tuple[str, ...]:
    seen: list[str] = []
    for m in _CONDITION.finditer(text):
        c = m.group("cond")
        if c not in _NOT_CONDITIONS and c not in seen:
            seen.append(c)
    return tuple(seen)


# ------------------------------------------------------------------ records
def split_records(lines: list[str]) -> list[tuple[int, int, str | None, bool]]:
    """``(start, end, level, uncaught)`` for each record of the normalised lines."""
    out: list[list] = []
    prev = ""
    for i, line in enumerate(lines):
        s = line.strip()
        if _SECTION.match(s):
            out.append([i + 1, None, False])
            prev = ""
            continue
        rec = L.record_prefix(line)
        starts_tb = s.startswith(TRACEBACK) or bool(_IPY_HEADER.match(s))
        if rec is not None:
            out.append([i, rec.level, False])
        elif starts_tb and not line[:1].isspace() and not _continues(prev):
            out.append([i, None, True])
        elif s.startswith('Exception in thread "'):
            out.append([i, None, True])
        elif not out:
            out.append([i, None, False])
        if s:
            prev = s
    bounds = []
    for k, (start, level, uncaught) in enumerate(out):
        end = out[k + 1][0] if k + 1 < len(out) else len(lines)
        if end > start:
            bounds.append((start, end, level, uncaught))
    return bounds


def _continues(prev: str) -> bool:
    """True if a traceback after ``prev`` belongs to it (a chain, or a message announcing it)."""
    return (prev.endswith(":") or "stack trace below" in prev or prev.startswith(CHAIN_MARKS)
            or prev.endswith("Python worker"))


# ------------------------------------------------------------------ one record
class _Reader:
    def __init__(self, start: int, level: str | None, uncaught: bool):
        self.chain = Chain(start, level, uncaught)
        self.segments: list[list[Level]] = [[]]
        self.py: list[Frame] | None = None  # frames of the open Python block
        self.py_indent = 0
        self.py_line = start
        self.header: str | None = None
        self.last: Level | None = None
        self.cont = False
        self.blank = 0
        self.skip: int | None = None
        self.grpc: Level | None = None

    def add(self, qualname: str, message: str, n: int, origin: str) -> Level:
        lv = Level(qualname, message, n, origin)
        self.segments[-1].append(lv)
        self.last, self.cont, self.blank = lv, True, 0
        self._nested(lv, n)
        return lv

    def _nested(self, lv: Level, n: int) -> None:
        for _ in range(6):
            hit = L.exception_inside(lv.message)
            if hit is None:
                return
            at, cls, msg = hit
            lv.message = lv.message[:at].rstrip(" :(")
            lv = Level(cls, msg, n, "jvm")
            self.segments[-1].append(lv)
            self.last = lv

    def feed(self, n: int, line: str, first: bool) -> None:
        msg = line
        if first:
            rec = L.record_prefix(line)
            if rec is not None:
                msg = line[rec.message_at:]
        s = msg.strip()
        if s.startswith("# ") and "Error" in s:
            s = s[2:].strip()  # the JVM's "# java.lang.OutOfMemoryError: ..." banner
        indent = len(msg) - len(msg.lstrip())
        if self.skip is not None:
            if s and (indent > self.skip or s.startswith(("at ", "..."))):
                return
            self.skip = None
        if not s:
            self.blank += 1
            if self.blank > 2:
                self.cont = False
            return
        if s.startswith(CHAIN_MARKS):
            self._close_py()
            self.segments.append([])
            self.last, self.cont = None, False
            return
        if self.py is not None and self._python_line(n, msg, s, indent):
            return
        self._other_line(n, msg, s, indent, first)

    def _python_line(self, n: int, msg: str, s: str, indent: int) -> bool:
        fr = parse_frame(msg)
        if fr is not None:
            self.py.append(fr)
            return True
        if self.py and code_line(self.py[-1], msg):
            return True
        if indent > self.py_indent:
            return True
        tok = L.exception_at_start(s)
        if tok is None:
            return TRACEBACK not in s and not s.startswith(("at ", ":")) and "JVM stacktrace" not in s
        cls, text, _ = tok
        self._close_py(keep_header=False)
        self.add(cls, text, n, "python")
        return True

    def _close_py(self, keep_header: bool = True) -> None:
        if self.py is None:
            return
        self.chain.blocks.insert(0, self.py)
        if keep_header and self.header:
            self.add(self.header, "", self.py_line, "header")
        self.py, self.header = None, None

    def _open_py(self, n: int, s: str, indent: int) -> None:
        self._close_py()
        m = _IPY_HEADER.match(s)
        self.header = m.group("cls") if m else None
        self.py, self.py_indent, self.py_line = [], indent, n
        self.cont = False

    def _other_line(self, n: int, msg: str, s: str, indent: int, first: bool) -> None:
        if s.startswith("at ") and ("(" in s or "." in s[3:]):
            if self.last is not None and len(self.last.frames) < 60:
                self.last.frames.append(s[3:])
            self.cont = False
            return
        if s.startswith("...") and ("more" in s or "omitted" in s):
            return
        if s.startswith("Suppressed:"):
            self.skip = indent
            return
        if s.startswith(("JVM stacktrace:", "Driver stacktrace:")):
            self.cont = False
            return
        if self._grpc_line(n, s):
            return
        if TRACEBACK in s and not s.startswith(TRACEBACK) and not _IPY_HEADER.match(s):
            tok = L.exception_at_start(s) or (L.exception_inside(s)[1:] if L.exception_inside(s) else None)
            if tok is not None:
                self.add(tok[0], tok[1], n, "jvm")
            self._open_py(n, s, indent)
            return
        if s.startswith(TRACEBACK) or _IPY_HEADER.match(s):
            self._open_py(n, s, indent)
            return
        tok = L.exception_at_start(s)
        if tok is not None:
            self.add(tok[0], tok[1], n, "log" if first else "jvm")
            return
        if first:
            hit = L.exception_inside(s)
            if hit is not None:
                self.add(hit[1], hit[2], n, "log")
            return
        if self.cont and self.last is not None and len(self.last.extra) < MAX_EXTRA:
            self._continuation(s)

    def _continuation(self, s: str) -> None:
        m = _SQLSTATE.fullmatch(s)
        if m:  # a lone " SQLSTATE: 38000" closes the message of the level that has the condition
            for lv in reversed([lv for seg in self.segments for lv in seg]):
                if conditions_in(lv.text) and not _SQLSTATE.search(lv.text):
                    lv.extra.append(s)
                    return
        self.last.extra.append(s)
        self.blank = 0

    def _grpc_line(self, n: int, s: str) -> bool:
        m = L.GRPC_RPC.search(s)
        if m:
            tok = L.exception_at_start(s)
            qual = m.group("cls")
            if tok is not None and tok[0].rsplit(".", 1)[-1] == qual:
                qual = tok[0]
            elif tok is not None:
                self.add(tok[0], "", n, "jvm")
            self.grpc = self.add(qual, "", n, "grpc")
            self.cont = False
            return True
        if self.grpc is None:
            return False
        if s.startswith("status = "):
            self.grpc.status = s.split("StatusCode.", 1)[-1].strip()
        elif s.startswith("details = "):
            self.grpc.message = s[len("details = "):].strip().strip('"')
        elif s.startswith("debug_error_string"):
            self.grpc.extra.append(s)
        elif s == ">":
            self.grpc = None
        else:
            return False
        return True

    def finish(self) -> Chain:
        self._close_py()
        levels: list[Level] = [lv for seg in reversed(self.segments) for lv in seg]
        seen: dict = {}
        for i, lv in enumerate(levels):  # keep each exception at its deepest place
            seen[lv.key()] = i
        self.chain.levels = [lv for i, lv in enumerate(levels) if seen[lv.key()] == i]
        for lv in self.chain.levels:
            text = lv.text
            lv.conditions = conditions_in(text)
            m = _SQLSTATE.search(text)
            lv.sqlstate = m.group("state") if m else None
        return self.chain


def read_record(lines: list[str], start: int, end: int, level, uncaught: bool) -> Chain:
    r = _Reader(start, level, uncaught)
    for n in range(start, end):
        r.feed(n, lines[n], n == start and level is not None)
    chain = r.finish()
    chain.text = "\n".join(lines[start:end])
    return chain


# ------------------------------------------------------------------ the whole text
def _innermost(chain: list[Level]) -> Level | None:
    if not chain:
        return None
    inner = chain[-1]
    if not inner.message and inner.name in _QUIET_LEAVES and len(chain) > 1 and chain[-2].message:
        return chain[-2]
    return inner


def best_chain(chains: list[Chain]) -> Chain | None:
    best = None
    for c in chains:
        if c.rank >= 0 and (best is None or c.rank >= best.rank):
            best = c
    return best


def extract(text: str) -> Extract:
    lines = L.normalize(text)
    chains = [read_record(lines, *b) for b in split_records(lines)]
    out = Extract(records=len(chains), text="\n".join(lines))
    best = best_chain(chains)
    if best is not None:
        out.chain = best.levels
        out.surfaced = best.levels[0]
        out.innermost = _innermost(best.levels)
        out.record_text = best.text
        out.user_frame, out.user_code = user_frame(best.blocks)
        inner = out.innermost
        if any(lv.origin == "grpc" for lv in best.levels):
            out.kind = "grpc"
        elif inner.origin == "python" or inner.origin == "header":
            out.kind = "python"
        elif len(best.levels) > 1 or "." in inner.qualname:
            out.kind = "jvm"
        else:
            out.kind = "plain"
        for lv in reversed(out.chain):
            for c in lv.conditions:
                if c not in out.conditions:
                    out.conditions.append(c)
            out.sqlstate = out.sqlstate or lv.sqlstate
    out.stage, out.task, out.executor = locate(out.record_text, out.text)
    return out


def condition_base(cond: str) -> str:
    return cond.split(".", 1)[0]
