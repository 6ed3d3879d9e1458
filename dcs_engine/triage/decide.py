"""Decide the root cause of a read failure, and say why.

In order, the first rule that applies decides:

1. a curated entry (catalog.yaml, or a user's catalog) on the levels of the exception
   chain, from the innermost outwards: one of its error conditions, then its exception
   classes or message patterns;
2. the SQLSTATE of an error condition (printed, or documented in Spark's catalog), the
   gRPC status of a Spark Connect call, or an exception class that stands for a SQLSTATE
   class -- mapped to a root cause by classes.yaml, innermost level first;
3. a curated pattern anywhere in the text (log lines without an exception; warnings
   that explain slowness only count when the text has no exception at all).

An entry or class marked ``explained_by`` (a toolchain panic that memory exhaustion
causes) yields to those entries when their patterns show anywhere in the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .catalog import Classes, ClassRule, Entry
from .parse import Extract, Level, condition_base
from .sparkcat import SparkCatalog

_WORDS = {"data_variance": "data variance", "framework_state": "heterogeneous framework state",
          "control_flow": "mental models of control flow", "exponential": "exponential behaviour",
          "heavy_load": "heavy load", "toolchain_panic": "toolchain panic"}


@dataclass(frozen=True)
class Decision:
    entry: Entry | None
    rule: ClassRule | None
    root_cause: str | None
    node: str | None
    symptom: str
    why: str
    decided_by: str  # condition | exception | pattern | sqlstate | grpc_status | exception_class | log | none
    evidence: str | None = None
    level: int | None = None  # index in the chain (0 = surfaced)


def _where(chain: list[Level], i: int) -> str:
    lv = chain[i]
    if i == len(chain) - 1:
        return f"the innermost exception ({lv.name})"
    if i == 0:
        return f"the surfaced exception ({lv.name})"
    return f"level {i + 1} of {len(chain)} ({lv.name})"


def _short(s: str, n: int = 80) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 3] + "..."


def _entry_on_level(lv: Level, entries) -> tuple[Entry, str, str] | None:
    for cond in lv.conditions:
        for e in entries:
            if cond in e.conditions or condition_base(cond) in e.conditions:
                return e, "condition", f"[{cond}]"
    for e in entries:
        if e.only_without_exception:
            continue
        if e.knows_class(lv.qualname):
            return e, "exception", lv.name
        hit = _wrapped_hit(e, lv.text)
        if hit:
            return e, "pattern", hit.group(0)
    return None


def _wrapped_hit(e: Entry, text: str):
    """A pattern hit in a level's message, also across a line wrap (a terminal, an issue page or a
    log viewer that cut the message inside a word or at a space)."""
    hit = e.text_hit(text)
    if hit or "\n" not in text:
        return hit
    return e.text_hit(text.replace("\n", "")) or e.text_hit(text.replace("\n", " "))


def _curated(ex: Extract, entries) -> Decision | None:
    for i in range(len(ex.chain) - 1, -1, -1):
        found = _entry_on_level(ex.chain[i], entries)
        if found:
            e, how, evidence = found
            what = {"condition": "the error condition", "exception": "the exception class",
                    "pattern": "the message pattern"}[how]
            why = (f"catalog entry '{e.id}' ({e.source}) matched {what} {_short(evidence)!r} of "
                   f"{_where(ex.chain, i)}")
            return Decision(e, None, e.root_cause, e.node, e.symptom, why, how, evidence, i)
    return None


def _state_rule(lv: Level, classes: Classes, cat: SparkCatalog):
    for cond in lv.conditions:
        info = cat.describe(cond, lv.sqlstate)
        state = lv.sqlstate or info.sqlstate
        rule = classes.for_state(state)
        if rule:
            desc = cat.state_meaning(state) or "no description"
            return rule, "sqlstate", f"[{cond}] has SQLSTATE {state} ({desc})"
    if lv.sqlstate and classes.for_state(lv.sqlstate):
        return classes.for_state(lv.sqlstate), "sqlstate", f"SQLSTATE {lv.sqlstate}"
    if lv.status and lv.status in classes.grpc:
        return classes.grpc[lv.status], "grpc_status", f"the gRPC status {lv.status}"
    cls = classes.exceptions.get(lv.name)
    if cls and classes.for_state(cls):
        return classes.for_state(cls), "exception_class", f"{lv.name} stands for SQLSTATE class {cls}"
    return None


def _by_state(ex: Extract, classes: Classes, cat: SparkCatalog) -> Decision | None:
    for i in range(len(ex.chain) - 1, -1, -1):
        found = _state_rule(ex.chain[i], classes, cat)
        if found:
            rule, how, evidence = found
            why = (f"{evidence} on {_where(ex.chain, i)}; {rule.key} -> {_WORDS[rule.root_cause]}: {rule.reason}")
            symptom = "toolchain_panic" if rule.root_cause == "toolchain_panic" else "crash"
            return Decision(None, rule, rule.root_cause, rule.node, symptom, why, how, evidence, i)
    return None


def _in_text(ex: Extract, entries) -> Decision | None:
    for e in entries:
        if e.only_without_exception and ex.chain:
            continue
        hit = e.text_hit(ex.text)
        if hit:
            alone = "; the text has no exception" if not ex.chain else ""
            why = f"catalog entry '{e.id}' ({e.source}) matched {_short(hit.group(0))!r} in the log text{alone}"
            return Decision(e, None, e.root_cause, e.node, e.symptom, why, "log", hit.group(0), None)
    return None


def _explained(d: Decision, ex: Extract, entries, elsewhere=frozenset()) -> Decision:
    ids = d.entry.explained_by if d.entry else d.rule.explained_by if d.rule else ()
    if not ids:
        return d
    by_id = {e.id: e for e in entries}
    for ref in ids:
        e = by_id.get(ref)
        if e is None:
            continue
        hit = e.text_hit(ex.text)
        names = [n for n in e.exceptions if re.search(rf"\b{re.escape(n)}\b", ex.text)]
        if hit or names or ref in elsewhere:
            seen = hit.group(0) if hit else names[0] if names else f"{e.title} (elsewhere in the log)"
            what = f"'{d.entry.title}'" if d.entry else "the failure"
            why = (f"{d.why}; but the text also shows {_short(seen)!r} (catalog entry '{e.id}'): that is the cause, "
                   f"and {what} is its symptom")
            return Decision(e, None, e.root_cause, e.node, e.symptom, why, "explained_by", seen, d.level)
    return d


def decide(ex: Extract, entries, classes: Classes, cat: SparkCatalog, elsewhere=frozenset()) -> Decision:
    """``elsewhere``: ids of entries that matched other blocks of a big log (for ``explained_by``)."""
    d = _curated(ex, entries) or _by_state(ex, classes, cat) or _in_text(ex, entries)
    if d is None:
        why = ("no catalog entry, error condition, SQLSTATE class or known pattern matched"
               if ex.chain else "the text holds no exception and no known pattern")
        return Decision(None, None, None, None, "crash", why, "none")
    return _explained(d, ex, entries, elsewhere)
