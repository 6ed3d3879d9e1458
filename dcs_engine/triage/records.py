"""Cut normalised lines into records, and read each record into one exception chain (see parse.py)."""
from __future__ import annotations

from . import lines as L
from .frames import Frame, code_line, parse_frame
from .model import (
    CHAIN_MARKS,
    IPY_HEADER,
    MAX_EXTRA,
    SECTION,
    SQLSTATE_RX,
    TRACEBACK,
    Chain,
    Level,
    conditions_in,
)


# ------------------------------------------------------------------ records
def split_records(lines: list[str], recs=None) -> list[tuple[int, int, str | None, bool]]:
    """``(start, end, level, uncaught)`` for each record of the normalised lines (``recs``: their prefixes)."""
    out: list[list] = []  # [start, end, level, uncaught]

    def begin(i, level, uncaught):
        if out and out[-1][1] is None:
            out[-1][1] = i
        out.append([i, None, level, uncaught])

    prev = ""
    for i, line in enumerate(lines):
        s = line.strip()
        if SECTION.match(s):  # a section marker of an aggregated log closes the record, and is none itself
            if out and out[-1][1] is None:
                out[-1][1] = i
            prev = ""
            continue
        rec = recs[i] if recs is not None else L.record_prefix(line)
        starts_tb = s.startswith(TRACEBACK) or bool(IPY_HEADER.match(s))
        if rec is not None:
            begin(i, rec.level, False)
        elif starts_tb and not line[:1].isspace() and not _continues(prev):
            begin(i, None, True)
        elif s.startswith('Exception in thread "'):
            begin(i, None, True)
        elif not out or out[-1][1] is not None:
            begin(i, None, False)
        if s:
            prev = s
    if out and out[-1][1] is None:
        out[-1][1] = len(lines)
    return [(a, b, lvl, unc) for a, b, lvl, unc in out if b > a]


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
        m = L.GRPC_RPC.search(message)
        if m and origin != "grpc":  # "X: <_MultiThreadedRendezvous of RPC that terminated with:"
            if lv.name == m.group("cls"):
                lv.origin, lv.message, self.grpc = "grpc", "", lv
            else:
                self.grpc = self.add(m.group("cls"), "", n, "grpc")
            self.cont = False
            return lv
        self._nested(lv, n)
        return lv

    def _nested(self, lv: Level, n: int) -> None:
        lv = self._label_or_wrapper(lv, n)
        for _ in range(6):
            hit = L.exception_inside(lv.message)
            if hit is None:
                return
            at, cls, msg = hit
            lv.message = lv.message[:at].rstrip(" :(")
            lv = Level(cls, msg, n, "jvm")
            self.segments[-1].append(lv)
            self.last = lv

    def _label_or_wrapper(self, lv: Level, n: int) -> Level:
        """A level whose message starts with a qualified exception: Java's ``new X(cause)`` prints
        ``X: <cause class>: <cause message>``, Python code re-raising a JVM failure as text prints
        ``Exception: java.lang.Y: ...`` -- the named one is a level under it.  R's and sbt's ``Error:``
        label is no class at all: the named exception replaces it."""
        if "." not in lv.message.split(":", 1)[0]:
            return lv
        tok = L.exception_at_start(lv.message)
        if tok is None or "." not in tok[0] or tok[2]:
            return lv
        if lv.qualname == "Error":
            lv.qualname, lv.message = tok[0], tok[1]
            return lv
        lv.message = ""
        inner = Level(tok[0], tok[1], n, "jvm")
        self.segments[-1].append(inner)
        self.last = inner
        return inner

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
            self.cont = False  # a message ends at a blank line
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
        tok = L.exception_at_start(s, closer=bool(self.py))  # after frames any class name closes the block
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
        m = IPY_HEADER.match(s)
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
        if TRACEBACK in s and not s.startswith(TRACEBACK) and not IPY_HEADER.match(s):
            tok = L.exception_at_start(s) or (L.exception_inside(s)[1:] if L.exception_inside(s) else None)
            if tok is not None:
                self.add(tok[0], tok[1], n, "log" if first else "jvm")
            elif self.cont and self.last is not None:
                self._continuation(s)  # "[PYTHON_EXCEPTION] An exception was thrown ...: Traceback ..."
            self._open_py(n, s, indent)
            return
        if s.startswith(TRACEBACK) or IPY_HEADER.match(s):
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
            else:
                self._repr(n, s)
            return
        if self.cont and self.last is not None and len(self.last.extra) < MAX_EXTRA:
            self._continuation(s)
            return
        hit = L.exception_inside(s)  # "<container id>: java.lang.X: ..." -- a prefix this reader does not know
        if hit is not None and "." in hit[1] and s[max(0, hit[0] - 2):hit[0]] in (": ", '="', "='", ' "', " '"):
            self.add(hit[1], hit[2].rstrip("\"'"), n, "log")
        elif not self.segments[-1]:
            self._repr(n, s)

    def _repr(self, n: int, s: str) -> None:
        found = L.exception_repr(s)
        if found is not None:
            self.add(found[0], found[1], n, "log")

    def _continuation(self, s: str) -> None:
        m = SQLSTATE_RX.fullmatch(s)
        if m:  # a lone " SQLSTATE: 38000" closes the message of the level that has the condition
            for lv in reversed([lv for seg in self.segments for lv in seg]):
                if conditions_in(lv.text) and not SQLSTATE_RX.search(lv.text):
                    lv.extra.append(s)
                    return
        self.last.extra.append(s)
        self.blank = 0

    def _grpc_line(self, n: int, s: str) -> bool:
        m = L.GRPC_RPC.search(s)
        if m and L.exception_at_start(s) is None:  # a bare "<_InactiveRpcError of RPC ...>" block
            self.grpc = self.add(m.group("cls"), "", n, "grpc")
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
        self.chain.levels = [lv for i, lv in enumerate(levels)  # keep each exception at its deepest place
                             if not any(_same(lv, later) for later in levels[i + 1:])]
        for lv in self.chain.levels:
            text = lv.text
            lv.conditions = conditions_in(text)
            m = SQLSTATE_RX.search(text)
            lv.sqlstate = m.group("state") if m else None
            lv.status = lv.status or L.grpc_status(lv.name, lv.message)
        return self.chain


def _same(a: Level, b: Level) -> bool:
    """The same exception printed twice -- also when one print was cut short or got a trailing
    artefact (a viewer's "+details", a truncated line): one message starts the other."""
    if a.name != b.name:
        return False
    x, y = (m[:300].rstrip(".\u2026 ") for m in (a.message, b.message))  # "...": a cut print
    return x == y or (bool(x) and bool(y) and (x.startswith(y) or y.startswith(x)))


# a record without one of these cannot hold an exception: it is not read at all
HINTS = ("rror", "xception", "Traceback", "ailure", "Throwable", "Exit", "Interrupt", "Iteration", "Fault",
         "RPC that terminated", "Caused by")


def read_record(lines: list[str], start: int, end: int, level, uncaught: bool) -> Chain:
    if not any(h in lines[n] for n in range(start, end) for h in HINTS):
        return Chain(start, level, uncaught, text="\n".join(lines[start:end]))
    r = _Reader(start, level, uncaught)
    for n in range(start, end):
        r.feed(n, lines[n], n == start and level is not None)
    chain = r.finish()
    chain.text = "\n".join(lines[start:end])
    return chain


