"""Read a traceback or log excerpt: the exception chain, the innermost error, the user's frame.

Pure text work, no Spark.  The rules:

* Python worker failures: the innermost error is the exception line that ends
  the *last* ``Traceback (most recent call last)`` block, unless that line is a
  wrapper (``Py4JJavaError``, "An exception was thrown from the Python
  worker"): then the JVM chain below it decides.
* JVM failures: the chain is the top exception, the task failure nested in a
  ``Job aborted due to stage failure ... Lost task ...`` message, and every
  ``Caused by:``.  The innermost is the deepest link that has a message (a bare
  ``java.io.EOFException`` under "Python worker exited unexpectedly" says less
  than the link above it).
* The user's frame is the last traceback frame outside pyspark, py4j and
  installed packages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

TRACEBACK = "Traceback (most recent call last)"

# "pkg.mod.SomeError: message" or "SomeError" alone (Python and Java alike).
_EXC_LINE = re.compile(
    r"^(?:Caused by: |: |Exception in thread \"[^\"]*\" )?"
    r"(?P<cls>(?:[A-Za-z_][\w$]*\.)*[A-Z][\w$]*"
    r"(?:Error|Exception|Exit|Interrupt|Failure|Throwable|Iteration|Warning|NotFound)[\w$]*)"
    r"(?::[ \t]?(?P<msg>.*))?$")
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+))?')
_CONDITION = re.compile(r"\[(?P<cond>[A-Z][A-Z0-9_]{2,}(?:\.[A-Z0-9_]+)*)\]")
_SQLSTATE = re.compile(r"SQLSTATE:?\s*(?P<state>[0-9A-Z]{5})\b")
_LOST_TASK = re.compile(
    r"Lost task (?P<task>[\d.]+) in stage (?P<stage>[\d.]+) \(TID (?P<tid>\d+)"
    r"(?:, (?P<host2>[^,)]+)(?:, executor (?P<exec2>[^)]+))?)?\)"
    r"(?: \((?P<host>\S+) executor (?P<exec>[^)]+)\))?: (?P<rest>.*)$", re.M)
_STAGE = re.compile(r"(?:Task|task) (?P<task>[\d.]+) in stage (?P<stage>[\d.]+)")
_EXECUTOR = re.compile(r"\(executor (?P<exec>[\w.-]+) exited|[Ll]ost executor (?P<exec2>[\w.-]+)|"
                       r"executor with id (?P<exec3>[\w.-]+)")
_EXEC_LOST = re.compile(r"^(?P<cls>ExecutorLostFailure) (?P<msg>.*)$")
_WRAPPER_MSG = ("An exception was thrown from the Python worker",)
_WRAPPER_CLS = {"Py4JJavaError"}
_LIBRARY_PATHS = ("/pyspark/", "pyspark.zip", "/py4j/", "py4j-", "/site-packages/", "/dist-packages/",
                  "<frozen ", "/lib/python3")


@dataclass(frozen=True)
class Exc:
    qualname: str
    message: str
    line_no: int  # 0-based line of the text where it was read

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


@dataclass
class Extract:
    innermost: Exc | None = None
    chain: list[Exc] = field(default_factory=list)  # outer -> inner
    kind: str = "none"  # python | jvm | plain | none
    frames: list[tuple[str, int, str]] = field(default_factory=list)
    user_frame: str | None = None
    user_code: str | None = None
    conditions: list[str] = field(default_factory=list)  # innermost first
    sqlstate: str | None = None
    stage: str | None = None
    task: str | None = None
    executor: str | None = None


def _exc(line: str, n: int) -> Exc | None:
    s = line.strip()
    if not s or s.startswith(("at ", "File ", "...")):
        return None
    m = _EXC_LINE.match(s)
    if m:
        return Exc(m.group("cls"), (m.group("msg") or "").strip(), n)
    m = _EXEC_LOST.match(s)
    return Exc(m.group("cls"), m.group("msg").strip(), n) if m else None


def _is_library(path: str) -> bool:
    return any(p in path for p in _LIBRARY_PATHS)


def _python_block(lines: list[str], start: int):
    """Frames and the closing exception of the traceback starting at ``start``."""
    frames: list[tuple[str, int, str, str | None]] = []
    i = start + 1
    while i < len(lines):
        line = lines[i]
        fm = _FRAME.match(line)
        if fm:
            code = None
            if i + 1 < len(lines) and not _FRAME.match(lines[i + 1]) and lines[i + 1].startswith((" ", "\t")) \
                    and _exc(lines[i + 1], i + 1) is None:
                code = lines[i + 1].strip()
            frames.append((fm.group("file"), int(fm.group("line")), (fm.group("func") or "?").strip(), code))
            i += 1
            continue
        exc = _exc(line, i)
        if exc is not None:
            return frames, exc
        i += 1
        if i - start > 2000:
            break
    return frames, None


def _user_frame(frames):
    for path, line, func, code in reversed(frames):
        if not _is_library(path):
            return f"{path}:{line} in {func}", code
    return None, None


def _unnest(exc: Exc) -> Exc | None:
    """The task failure nested in 'Job aborted due to stage failure: ... Lost task ...: X: msg'."""
    m = _LOST_TASK.search(exc.message)
    if not m:
        return None
    return _exc(m.group("rest"), exc.line_no)


def _jvm_chain(lines: list[str], start: int) -> list[Exc]:
    chain: list[Exc] = []
    for n in range(start, len(lines)):
        s = lines[n].strip()
        if not s or s.startswith(("at ", "...")) or s == "Driver stacktrace:":
            continue
        first = not chain
        if not (first or s.startswith(("Caused by:", ": "))):
            continue
        exc = _exc(s, n)
        if exc is None:
            continue
        if exc in chain:
            continue
        chain.append(exc)
        inner = _unnest(exc)
        if inner is not None:
            chain.append(inner)
    # the same cause may be printed twice (task failure, then the driver stacktrace)
    out: list[Exc] = []
    for e in chain:
        if not any(o.qualname == e.qualname and o.message == e.message for o in out):
            out.append(e)
    return out


def _deepest_with_message(chain: list[Exc]) -> Exc | None:
    for e in reversed(chain):
        if e.message:
            return e
    return chain[-1] if chain else None


def extract(text: str) -> Extract:
    lines = text.splitlines()
    out = Extract()
    tb_starts = [n for n, ln in enumerate(lines) if TRACEBACK in ln]
    jvm_from = 0
    if tb_starts:
        frames, exc = _python_block(lines, tb_starts[-1])
        out.frames = [(f, ln, fn) for f, ln, fn, _ in frames]
        out.user_frame, out.user_code = _user_frame(frames)
        if exc is not None and exc.name not in _WRAPPER_CLS and not exc.message.startswith(_WRAPPER_MSG):
            out.kind = "python"
            out.innermost = exc
            # the JVM/driver context above it, for conditions and stage info
            out.chain = _jvm_chain(lines, 0)
            if not out.chain or out.chain[-1] != exc:
                out.chain = [e for e in out.chain if e.line_no < exc.line_no] + [exc]
        elif exc is not None:
            jvm_from = exc.line_no
            out.chain = [exc]
    if out.kind != "python":
        chain = _jvm_chain(lines, jvm_from + (1 if out.chain else 0))
        chain = out.chain + chain
        if chain:
            out.chain = chain
            inner = _deepest_with_message(chain[1:] if len(chain) > 1 and chain[0].name in _WRAPPER_CLS else chain)
            out.innermost = inner
            out.kind = "jvm" if len(chain) > 1 or "." in chain[0].qualname else "plain"
    if out.innermost is None:
        for n, ln in enumerate(lines):  # any exception-looking line at all: take the last
            exc = _exc(ln, n)
            if exc is not None:
                out.innermost = exc
                out.chain = [exc]
                out.kind = "plain"
    _context(out, text)
    return out


def _context(out: Extract, text: str) -> None:
    seen: list[str] = []
    for e in reversed(out.chain):
        for m in _CONDITION.finditer(e.message):
            if m.group("cond") not in seen:
                seen.append(m.group("cond"))
        if out.sqlstate is None:
            sm = _SQLSTATE.search(e.message)
            if sm:
                out.sqlstate = sm.group("state")
    out.conditions = seen
    if out.sqlstate is None and seen:
        sm = _SQLSTATE.search(text)
        if sm:
            out.sqlstate = sm.group("state")
    for e in out.chain:
        m = _LOST_TASK.search(e.message)
        if m:
            out.stage, out.task = m.group("stage"), m.group("task")
            out.executor = m.group("exec") or m.group("exec2")
            break
    if out.stage is None:
        m = _LOST_TASK.search(text)
        if m:
            out.stage, out.task = m.group("stage"), m.group("task")
            out.executor = out.executor or m.group("exec") or m.group("exec2")
    if out.stage is None:
        m = _STAGE.search(text)
        if m:
            out.stage, out.task = m.group("stage"), m.group("task")
    if out.executor is None:
        m = _EXECUTOR.search(text)
        if m:
            out.executor = next(g for g in m.groups() if g)


def condition_base(cond: str) -> str:
    return cond.split(".", 1)[0]
