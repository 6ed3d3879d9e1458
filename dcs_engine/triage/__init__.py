"""Traceback triage: from any failure text to the innermost real error, its meaning and the runbook node.

``triage_text(text)`` reads a pasted traceback or log (any Spark version, platform and
log layout), ``triage_exception(exc)`` an exception raised in this process (its error
condition, SQLSTATE and JVM stack are taken from the object when it has them),
``triage_file(path)`` / ``triage_stream(fileobj)`` a log of any size in bounded memory.
All return a :class:`TriageReport`: the exception the driver surfaced and the innermost
one under it, every level of the chain with its error condition, documented meaning and
SQLSTATE (from Spark's own catalog in the pinned pyspark), the user's frame, the failing
stage/task/executor, and the decision: root cause in the talk's terms, runbook node,
recovery steps with the Spark settings they name -- and *why* (which entry, condition,
SQLSTATE class or pattern decided), so a wrong answer can be corrected in the catalog.
"""
from __future__ import annotations

import traceback
from collections import Counter
from typing import BinaryIO

from .catalog import ROOT_CAUSES, CatalogError, load_catalog, load_classes
from .decide import decide
from .parse import WRAPPERS, Extract, extract
from .report import UNKNOWN_NODE, UNKNOWN_RECOVERY, LevelInfo, TriageReport
from .sparkcat import spark_catalog

OUTCOMES = ROOT_CAUSES + ("unknown",)


class _LazyCatalog:
    """Spark's catalog, read from the jar only when a text has a condition or SQLSTATE to look up."""

    def __getattr__(self, name):
        return getattr(spark_catalog(), name)


_CATALOG = _LazyCatalog()


def _levels(ex: Extract, cat) -> tuple[LevelInfo, ...]:
    out = []
    for lv in ex.chain:
        infos = tuple(cat.describe(c, lv.sqlstate) for c in lv.conditions)
        state = lv.sqlstate or next((i.sqlstate for i in infos if i.sqlstate), None)
        out.append(LevelInfo(lv.qualname, lv.message or (lv.extra[0] if lv.extra else ""), lv.origin, infos,
                             state, cat.state_meaning(state), lv.status))
    return tuple(out)


def _message(ex: Extract) -> str:
    """The innermost message; a bare JVM twin of the surfaced class (Connect's server stack) borrows its text."""
    inner = ex.innermost
    if inner.message:
        return inner.message
    for lv in reversed(ex.chain[: ex.chain.index(inner)] if inner in ex.chain else ()):
        if lv.message and (inner.name.endswith(lv.name) or lv.name.endswith(inner.name)):
            return lv.message
    return inner.extra[0] if inner.extra else ""


def _report(text: str, *, condition: str | None = None, sqlstate: str | None = None, source: str = "text",
            line_no: int | None = None, also_seen=(), catalog=None, elsewhere=frozenset()) -> TriageReport:
    ex = extract(text)
    if condition and condition not in ex.conditions:
        ex.conditions.insert(0, condition)
        if ex.innermost is not None and not ex.innermost.conditions:
            ex.innermost.conditions = (condition,)
    if sqlstate and not ex.sqlstate:
        ex.sqlstate = sqlstate
    cat = _CATALOG
    entries = load_catalog(catalog)
    d = decide(ex, entries, load_classes(), cat, elsewhere)
    levels = _levels(ex, cat)
    conds, seen = [], set()
    for lv in reversed(levels):
        for info in lv.conditions:
            if info.condition not in seen:
                seen.add(info.condition)
                conds.append(info)
    inner, surf = ex.innermost, ex.surfaced
    if inner is not None:
        cls, msg, qual = inner.name, _message(ex), inner.qualname
    elif d.evidence:
        cls, msg, qual = "LogLine", _line_with(ex.text, d.evidence), None
    else:
        first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        cls, msg, qual = "UnknownError", first or "no error text", None
    state = ex.sqlstate or next((c.sqlstate for c in conds if c.sqlstate), None)
    common = dict(
        exception_class=cls, message=msg[:1000], exception_qualname=qual,
        error_condition=ex.conditions[0] if ex.conditions else None, sqlstate=state,
        user_frame=ex.user_frame, user_code=ex.user_code, kind=ex.kind,
        chain=tuple(f"{lv.qualname}: {lv.message}"[:300] for lv in ex.chain),
        stage=ex.stage, task=ex.task, executor=ex.executor, source=source, line_no=line_no,
        also_seen=tuple(also_seen), surfaced_class=surf.name if surf else None,
        surfaced_qualname=surf.qualname if surf else None, surfaced_message=(surf.message[:1000] if surf else None),
        levels=levels, conditions=tuple(conds), why=d.why, decided_by=d.decided_by)
    if d.root_cause is None:
        return TriageReport(symptom="crash", root_cause=None, node_id=UNKNOWN_NODE, recovery=UNKNOWN_RECOVERY,
                            catalog_id=None, title="Not in the catalog", **common)
    if d.entry is not None:
        e = d.entry
        return TriageReport(symptom=e.symptom, root_cause=e.root_cause, node_id=e.node, recovery=e.recovery,
                            catalog_id=e.id, title=e.title, cause=e.cause, conf=e.conf, matched_by=d.evidence,
                            family=e.family or None, **common)
    rule = d.rule
    return TriageReport(symptom=d.symptom, root_cause=rule.root_cause, node_id=rule.node,
                        recovery=(f"SQLSTATE class rule {rule.key}: {rule.reason}",) + UNKNOWN_RECOVERY[1:],
                        catalog_id=None, title=f"By its SQLSTATE class ({rule.key})", cause=rule.reason,
                        matched_by=d.evidence, family="sqlstate_class", **common)


def _line_with(text: str, needle: str) -> str:
    for ln in text.splitlines():
        if needle in ln:
            return ln.strip()
    return needle


def triage_text(text: str, source: str = "text", catalog=None) -> TriageReport:
    return _report(text or "", source=source, catalog=catalog)


def _exception_text(exc: BaseException) -> str:
    try:
        text = "".join(traceback.format_exception(exc))
    except Exception:  # an exception whose str() fails
        return f"{exc.__class__.__name__}: {exc!r}"
    jvm = getattr(exc, "_stackTrace", None)  # classic captured exceptions: the JVM side, already a string
    if not isinstance(jvm, str):
        get = getattr(exc, "getStackTrace", None)  # Spark Connect: the server's stack, when it was sent
        try:
            jvm = get() if callable(get) else None
        except Exception:
            jvm = None
    if isinstance(jvm, str) and jvm.strip() and "JVM stacktrace:" not in text:
        text += "\n\nJVM stacktrace:\n" + jvm
    return text


def _structured(exc: BaseException) -> tuple[str | None, str | None]:
    """Error condition and SQLSTATE from PySpark exception objects (innermost wins)."""
    cond = state = None
    seen = 0
    cur: BaseException | None = exc
    while cur is not None and seen < 8:
        for getter in ("getCondition", "getErrorClass"):
            fn = getattr(cur, getter, None)
            if callable(fn):
                try:
                    cond = fn() or cond
                except Exception:
                    pass
                break
        fn = getattr(cur, "getSqlState", None)
        if callable(fn):
            try:
                state = fn() or state
            except Exception:
                pass
        cur = cur.__cause__ or cur.__context__
        seen += 1
    return cond, state


def triage_exception(exc: BaseException, catalog=None) -> TriageReport:
    cond, state = _structured(exc)
    return _report(_exception_text(exc), condition=cond, sqlstate=state, source="exception", catalog=catalog)


def innermost_message(exc: BaseException) -> str:
    return triage_exception(exc).headline


def triage_stream(fileobj: BinaryIO, source: str = "stream", catalog=None) -> TriageReport:
    """Triage a binary stream of any size (bounded memory)."""
    from .stream import scan

    entries = load_catalog(catalog)
    seen: Counter = Counter()
    evidence: set = set()
    res = scan(fileobj, on_block=_counter(entries, seen, evidence))
    return _from_scan(res, seen, evidence, source, catalog)


def _counter(entries, seen: Counter, evidence: set):
    """Per block: count the first catalog entry it matches, and note every entry that matches it."""
    def on_block(block):
        text = block.text()
        first = True
        for e in entries:
            if e.text_hit(text):
                evidence.add(e.id)
                if first:
                    seen[e.id] += 1
                    block.severity = max(block.severity, 2)
                    first = False
    return on_block


def _from_scan(res, seen: Counter, evidence: set, source: str, catalog) -> TriageReport:
    if res.block is None:
        return TriageReport("NoError", f"no error lines in {res.lines} lines", symptom="crash", node_id=UNKNOWN_NODE,
                            recovery=UNKNOWN_RECOVERY, title="No error found", source=source, kind="none",
                            why="the log holds no error, exception or warning line", decided_by="none")
    text, line_no = _telling_block(res)
    return _report(text, source=source, line_no=line_no,
                   also_seen=sorted(seen.items(), key=lambda kv: (-kv[1], kv[0])), catalog=catalog,
                   elsewhere=frozenset(evidence))


def _telling_block(res):
    """The most severe block that names an exception: a traceback cut before its closing line (a
    truncated paste, a log that ends mid-trace) says less than an earlier block with the error itself."""
    for block in (res.block, *res.others):
        chain = extract(block.text()).chain
        before = block.before
        if chain and chain[-1].name in WRAPPERS and before is not None and \
                before.start_line + before.lines + 3 >= block.start_line:  # the cause logged right before
            return before.text() + "\n" + block.text(), before.start_line
        if chain:
            return block.text(), block.start_line
    return res.block.text(), res.block.start_line


def triage_file(path, catalog=None) -> TriageReport:
    from .stream import scan_file

    entries = load_catalog(catalog)
    seen: Counter = Counter()
    evidence: set = set()
    res = scan_file(path, on_block=_counter(entries, seen, evidence))
    return _from_scan(res, seen, evidence, str(path), catalog)


__all__ = ["TriageReport", "LevelInfo", "triage", "triage_text", "triage_exception", "innermost_message", "triage_file",
           "triage_stream", "load_catalog", "OUTCOMES", "CatalogError"]


def triage(error, catalog=None) -> TriageReport:
    """An exception (caught in a notebook) or a traceback/log text: its triage report."""
    if isinstance(error, BaseException):
        return triage_exception(error, catalog)
    return triage_text(str(error), source="text", catalog=catalog)


class _CallableModule(__import__("types").ModuleType):
    """``dcs.triage(exc)`` in a notebook: the package itself is callable (it is also
    ``dcs_engine.triage``, the module, once anything imports it)."""

    def __call__(self, error, catalog=None) -> TriageReport:
        return triage(error, catalog)


__import__("sys").modules[__name__].__class__ = _CallableModule
