"""Turn any failure text into plain lines, and find exception names wherever they sit.

Layout-independent rules (no format is assumed for the text as a whole):

* transport wrappers are peeled off each line: ANSI colours, Kubernetes/CRI and
  ``docker compose`` prefixes, ``kubectl --prefix`` tags, console progress bars;
* a JSON-encoded log line (Spark 4 structured logging, PySpark's JSON logger,
  fluentd/Kubernetes ``{"log": ...}``, cloud loggers) becomes the lines it encodes:
  ``LEVEL logger: msg``, then ``Class: message`` and its stack frames;
* a line that carries a whole traceback with literal ``\\n`` (a quoted or
  repr-ed string) is unescaped into its lines;
* a log record prefix (timestamp, thread, level in any case, logger) is recognised
  so that the message after it can be read like any other line;
* an exception is a dotted or bare class name ending in Error, Exception, Failure,
  ... followed by ``:``, the end, or a space: at the start of a message, after
  ``Caused by:`` and friends, or after ``: `` / a space inside a message (then
  only a dotted name, or a bare one right after ``: ``).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_TRANSPORT = re.compile(
    r"^(?:"
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})\s(?:(?:stdout|stderr)\s[FP]\s)?"  # k8s / CRI
    r"|\[pod/[^\]\s]+\]\s"  # kubectl logs --prefix
    r"|\[\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})\]\s"  # CI timestamper "[ISO] "
    r"|E(?: {3,}|\t)(?=\S|\t| )"  # pytest's failure marker "E   " before each line of the error
    r"|[A-Za-z0-9][\w.\-]*\s+\|\s?(?=\S|\t| {2})"  # docker compose "service-1  | "
    r"|(?:\[Stage \d+:[^\]]*\]\s*)+"  # console progress bar left on the line
    r"|>+ ?(?=\S)|> (?=\s)"  # a quoted reply (e-mail, Markdown "> "), also before an indented line
    r")")
_LEVELS_UP = "TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|SEVERE|FATAL|CRITICAL"
_TS = (r"(?:\d{2,4}[-/.]\d{2}[-/.]\d{2}(?:[ T]|, )\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:\s?(?:Z|[+-]\d{2}:?\d{2}|UTC))?"
       r"|[A-Z][a-z]{2}\s+\d{1,2}\s\d{2}:\d{2}:\d{2}|\d{2}:\d{2}:\d{2}(?:[.,]\d+)?)")
# timestamp (optional), thread in brackets (optional), the level, logger/thread, then the message
_RECORD = re.compile(
    rf"^\s*(?:\[?(?P<ts>{_TS})\]?[\s|]+)?(?:\[[^\]]{{1,80}}\]\s+)?(?:\{{[^}}]{{1,80}}\}}\s+)?"
    rf"(?:(?P<up>{_LEVELS_UP})\b|\[(?P<br>[A-Za-z]{{4,8}})\]|(?P<any>(?i:{_LEVELS_UP}))\b(?=.)(?(ts)|(?!)))"
    r"(?P<sep>:|\s+- |\s+)?"
    r"(?:\[[^\]]{1,80}\]\s*)?"
    r"(?:(?!(?:[\w$]+\.)*_?(?:[A-Z][\w$]*?)?(?:Error|Exception|Failure|Throwable)\b)"  # a class is no logger
    r"(?P<logger>[A-Za-z_][\w$.\-]*(?:\s?\[[^\]]{0,80}\])?)(?::\s?|\s+- |:(?=\S)))?")
LEVELS = {"TRACE": 0, "DEBUG": 0, "INFO": 1, "NOTICE": 1, "WARN": 2, "WARNING": 2, "ERROR": 3, "SEVERE": 3,
          "FATAL": 4, "CRITICAL": 4}

_SUFFIX = r"(?:Error|Exception|Exit|Interrupt|Failure|Throwable|Iteration|Fault)"
_NAME = rf"_?(?:[A-Z][\w$]*?)?{_SUFFIX}[\w$]*"
_DOTTED = rf"(?:[A-Za-z_][\w$]*\.)+{_NAME}"
# what may follow the class name: ': message', the end, or a space / punctuation (not '(' or '.')
_AFTER = r"(?=$|:|\s|[,;)\]>\"'])"
_AT_START = re.compile(
    rf"^(?P<lead>(?:Caused by|Suppressed|Wrapped by|Exception in thread \"[^\"]*\"|Uncaught exception)?:?\s*)"
    rf"(?P<cls>{_DOTTED}|{_NAME}){_AFTER}(?::[ \t]?(?P<msg>.*))?$")
_INSIDE = re.compile(rf"(?:(?<=: )|(?<=:)|(?<=\s)|(?<=\()|(?<=[\"'=]))(?P<cls>{_DOTTED}){_AFTER}"
                     rf"(?::[ \t]?(?P<msg>.*)|\s+\((?P<dparen>.*))?$"  # Spark's "Lost task ...: X (msg) [duplicate 1]"
                     rf"|(?<=: )(?P<bare>{_NAME}){_AFTER}(?::[ \t]?(?P<bmsg>.*)|\s+\((?P<paren>.*))?$")
_BARE_WORDS = re.compile(r"^(?:Exception|Error|Failure)\s+[a-z]")  # "Exception in task 1.0 ..." is prose
BASE_CLASSES = frozenset({"Error", "Exception", "RuntimeError", "BaseException"})  # bare, with no module
GRPC_RPC = re.compile(r"<(?P<cls>_\w+) of RPC that terminated with")


@dataclass(frozen=True)
class Record:
    level: str | None  # normalised upper-case level, if the line is a log record
    message_at: int  # offset where the message starts


def strip_transport(line: str) -> str:
    for _ in range(3):
        m = _TRANSPORT.match(line)
        if not m or m.end() == 0:
            break
        line = line[m.end():]
    if line.startswith("`") and not line.startswith("```"):
        line = line.strip("`")  # Markdown inline code around a pasted error line
    return line


def record_prefix(line: str) -> Record | None:
    """The log record prefix of ``line`` (level and where the message starts), if it has one."""
    m = _RECORD.match(line)
    if not m:
        return None
    level = (m.group("up") or m.group("br") or m.group("any") or "").upper()
    if level not in LEVELS:
        return None
    if m.group("up") and not m.group("ts") and not m.group("sep"):
        return None  # a bare word like "ERROR" starting prose
    return Record("WARN" if level == "WARNING" else level, m.end())


_ANY_CLASS = re.compile(r"^(?P<lead>(?:Caused by|Wrapped by): )?(?P<cls>(?:[A-Za-z_][\w$]*\.)*_?[A-Z][\w$]*)"
                        r"(?::[ \t]?(?P<msg>.*))?$")


def exception_at_start(text: str, closer: bool = False):
    """``(qualname, message, lead)`` if ``text`` (already stripped of indentation) starts with an exception.

    ``closer``: the line closes a Python traceback (or follows ``Caused by:``), where any class name
    counts, whatever it ends with (``pyarrow.lib.ArrowInvalid``, ``decimal.InvalidOperation``).
    """
    m = _AT_START.match(text)
    if m and not (_BARE_WORDS.match(text) and not m.group("lead")):
        return m.group("cls"), (m.group("msg") or "").strip(), m.group("lead").strip()
    if closer or text.startswith(("Caused by: ", "Wrapped by: ")):
        m = _ANY_CLASS.match(text)
        name = m.group("cls").rsplit(".", 1)[-1] if m else ""
        if m and name.lower() != name.upper() and not name.isupper() and (
                m.group("msg") is not None or "." in m.group("cls") or m.group("lead")):
            return m.group("cls"), (m.group("msg") or "").strip(), (m.group("lead") or "").strip()
    return None


def exception_inside(text: str):
    """``(offset, qualname, message)`` of the first exception named inside a message."""
    for m in _INSIDE.finditer(text):
        if m.group("cls"):
            msg = m.group("msg")
            if msg is None and m.group("dparen") is not None:
                msg = _paren_message(m.group("dparen"))
            return m.start("cls"), m.group("cls"), (msg or "").strip()
        if m.group("bare"):
            paren = m.group("paren")
            msg = m.group("bmsg") if m.group("bmsg") is not None else ("(" + paren if paren is not None else "")
            return m.start("bare"), m.group("bare"), msg.strip()
    return None


_GRPC_CODES = ("CANCELLED|UNKNOWN|INVALID_ARGUMENT|DEADLINE_EXCEEDED|NOT_FOUND|ALREADY_EXISTS|PERMISSION_DENIED"
               "|RESOURCE_EXHAUSTED|FAILED_PRECONDITION|ABORTED|OUT_OF_RANGE|UNIMPLEMENTED|INTERNAL|UNAVAILABLE"
               "|DATA_LOSS|UNAUTHENTICATED")
_GRPC_JAVA = re.compile(rf"^(?P<code>{_GRPC_CODES})\b")  # io.grpc.StatusRuntimeException: UNAVAILABLE: io exception
_GRPC_PY = re.compile(rf"\bStatusCode\.(?P<code>{_GRPC_CODES})\b")  # grpc-python's status in any message


def grpc_status(name: str, message: str) -> str | None:
    """The gRPC status code a level's own text names (Java's ``Status*Exception: CODE: ...``, or
    grpc-python's ``StatusCode.CODE``), if any."""
    if name in ("StatusRuntimeException", "StatusException"):
        m = _GRPC_JAVA.match(message)
        if m:
            return m.group("code")
    m = _GRPC_PY.search(message)
    return m.group("code") if m else None


_REPR = re.compile(rf"(?:<class '(?P<qual>(?:[A-Za-z_][\w]*\.)*{_NAME})'>,\s*)?(?<![\w.])(?P<cls>{_DOTTED}|{_NAME})"
                   r"\((?P<q>['\"])(?P<msg>(?:\\.|(?!(?P=q)).)*)")


def exception_repr(text: str):
    """``(qualname, message)`` of an exception printed as its Python repr -- ``ValueError('bad')``,
    or ``sys.exc_info()``'s ``(<class 'pkg.X'>, X('msg', ...)`` -- anywhere in a line."""
    m = _REPR.search(text)
    if m is None:
        return None
    qual = m.group("qual")
    cls = qual if qual and qual.rsplit(".", 1)[-1] == m.group("cls").rsplit(".", 1)[-1] else m.group("cls")
    return cls, m.group("msg")


def _paren_message(text: str) -> str:
    """The message of ``X (message) [duplicate N]``; a traceback that starts there is read as one."""
    text = re.sub(r"\)?\s*(?:\[duplicate \d+\])?\s*$", "", text)
    return "" if text.startswith("Traceback (most recent") else text


# ------------------------------------------------------------------ JSON and escaped lines
_MSG_KEYS = ("msg", "message", "log", "textPayload", "MESSAGE", "text")
_LEVEL_KEYS = ("level", "severity", "levelname", "log.level", "lvl")
_LOGGER_KEYS = ("logger", "logger_name", "loggerName", "name")
_EXC_KEYS = ("exception", "error", "exc_info", "stack_trace", "stacktrace", "throwable", "err")
_ESCAPED_MARKERS = ("\\tat ", "Traceback (most recent", "Caused by", "Error", "Exception", "File \\\"")


def _frames(stack) -> list[str]:
    out = []
    for fr in stack if isinstance(stack, list) else ():
        if not isinstance(fr, dict):
            out.append(f"\tat {fr}")
            continue
        cls, meth, file, line = fr.get("class"), fr.get("method"), fr.get("file"), fr.get("line")
        if cls:
            out.append(f"\tat {cls}.{meth}({file}:{line})")
        else:
            out.append(f'  File "{file}", line {line}, in {meth}')
    return out


def _exception_lines(exc) -> list[str]:
    if isinstance(exc, str):
        return exc.splitlines()
    if not isinstance(exc, dict):
        return []
    cls = exc.get("class") or exc.get("type") or exc.get("className") or exc.get("name")
    msg = exc.get("msg") if "msg" in exc else exc.get("message")
    lines = []
    if cls:
        head = f"{cls}: {msg}" if msg else str(cls)
        lines.extend(head.splitlines() or [head])
    elif msg:
        lines.extend(str(msg).splitlines())
    stack = exc.get("stacktrace") or exc.get("stack_trace") or exc.get("stackTrace") or exc.get("frames")
    lines.extend(stack.splitlines() if isinstance(stack, str) else _frames(stack))
    cause = exc.get("cause")
    if cause:
        sub = _exception_lines(cause)
        if sub:
            lines.append("Caused by: " + sub[0])
            lines.extend(sub[1:])
    return lines


def _first(obj: dict, keys):
    for k in keys:
        v = obj.get(k)
        if v not in (None, ""):
            return v
    return None


def json_lines(line: str) -> list[str] | None:
    """The lines a JSON-encoded log line stands for, or None if it is not one."""
    s = line.strip()
    if len(s) < 2 or s[0] != "{" or s[-1] != "}":
        return None
    try:
        obj = json.loads(s)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    for nest in ("jsonPayload", "payload", "event"):
        if isinstance(obj.get(nest), dict):
            obj = {**obj, **obj[nest]}
    msg = _first(obj, _MSG_KEYS)
    level = _first(obj, _LEVEL_KEYS)
    logger = _first(obj, _LOGGER_KEYS)
    out: list[str] = []
    if isinstance(msg, str):
        body = msg.rstrip("\n").splitlines() or [""]
        if level:
            out.append(f"{str(level).upper()} {logger or 'log'}: {body[0]}")
            out.extend(body[1:])
        else:
            out.extend(body)
    elif level:
        out.append(f"{str(level).upper()} {logger or 'log'}: ")
    for key in _EXC_KEYS:
        if obj.get(key):
            out.extend(_exception_lines(obj[key]))
            break
    if not out:  # some other JSON document: keep its string values that look like errors
        out = [v for v in obj.values() if isinstance(v, str) and ("rror" in v or "xception" in v)]
    return out


_KV = re.compile(r'^\s*"(?P<k>[\w.]+)"\s*:\s*"(?P<v>(?:\\.|[^"\\])*)"?\s*,?\s*$')
_CLASS_KEYS = ("class", "type", "className", "exception_class")
_CLASS_ONLY = re.compile(rf"(?:{_DOTTED}|{_NAME})")


def _pretty_json_field(line: str, pending: list) -> str | None:
    """A structured log record printed over many lines (``jq``, a pasted document): its exception's
    ``"class": "X"`` line is held back, and the ``"msg": "..."`` line after it reads as ``X: msg``."""
    if '":' not in line:
        return line
    m = _KV.match(line)
    if m is None:
        return line
    key, value = m.group("k"), m.group("v")
    if key in _CLASS_KEYS and _CLASS_ONLY.fullmatch(value):
        pending[0] = value
        return None
    if key in _MSG_KEYS and pending[0]:
        cls, pending[0] = pending[0], None
        return f"{cls}: " + (value if "\\n" in value else value.replace('\\"', '"'))
    return line


def unescape_lines(line: str) -> list[str] | None:
    """A line holding a whole traceback with literal \\n, split into its lines."""
    if line.count("\\n") < 2 or not any(m in line for m in _ESCAPED_MARKERS):
        return None
    text = line.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\\t", "\t")
    text = text.replace('\\"', '"').replace("\\'", "'")
    return text.splitlines()


_CONTINUES = re.compile(r"^(?:\s*at [\w$.<>/]+[.(]|\s*Caused by: |\s*\.\.\. \d+ more|\s+File \"|Traceback \(most recent"
                       r"|\s*Driver stacktrace:|: [\w$.]+(?:Error|Exception))")
_DIGITS = re.compile(r"\d")


def peel_relays(lines: list[str]) -> list[str]:
    return peel_relays_with_prefixes(lines)[0]


def peel_relays_with_prefixes(lines: list[str]) -> tuple[list[str], list[Record | None]]:
    """Strip a log prefix that a relay put on every line it passed on (Airflow, a wrapper script).

    A prefix shape (its digits aside) is a relay's when a line with it carries what only a
    stack trace continues with (``at ...``, ``Caused by:``, ``File "..."``) or another log
    record; then every line with that shape loses it.
    """
    relays = set()
    recs = [record_prefix(line) for line in lines]
    for line, rec in zip(lines, recs):
        if rec is not None and rec.message_at < len(line):
            msg = line[rec.message_at:]
            nested = msg[:1].isdigit() or msg[:1] == "["  # another record inside starts with a timestamp
            if _CONTINUES.match(msg) or (nested and record_prefix(msg) is not None):
                relays.add(_DIGITS.sub("0", line[:rec.message_at]))
    if not relays:
        return lines, recs
    out, out_recs = [], []
    for line, rec in zip(lines, recs):
        if rec is not None and _DIGITS.sub("0", line[:rec.message_at]) in relays:
            line = line[rec.message_at:]
            rec = record_prefix(line)
        out.append(line)
        out_recs.append(rec)
    return out, out_recs


def normalize(text: str) -> list[str]:
    """Every line of ``text``, wrappers peeled off, JSON and escaped tracebacks expanded."""
    return normalize_with_prefixes(text)[0]


def normalize_with_prefixes(text: str) -> tuple[list[str], list[Record | None]]:
    """:func:`normalize`, and each line's log record prefix (or None)."""
    if "\x1b" in text:
        text = ANSI.sub("", text)
    out: list[str] = []
    pending: list[str | None] = [None]
    for raw in text.splitlines():
        line = _pretty_json_field(strip_transport(raw), pending)
        if line is None:
            continue
        if "{" in line:
            expanded = json_lines(line)
            if expanded is not None:
                for sub in expanded:
                    sub = strip_transport(sub)
                    inner = json_lines(sub) if "{" in sub else None  # fluentd {"log": "<a JSON line>"}
                    out.extend(inner if inner is not None else [sub])
                continue
        if "\\n" in line:
            expanded = unescape_lines(line)
            if expanded is not None:
                out.extend(expanded)
                continue
        out.append(line)
    return peel_relays_with_prefixes(out)
