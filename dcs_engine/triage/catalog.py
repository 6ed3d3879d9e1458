"""The catalog of known errors (catalog.yaml) and the matcher.

Levels, best first: 1 an error condition of the chain (innermost first),
2 the innermost exception (class, or message against the entry's text),
3 any other link of the chain, 4 anywhere in the text.  Within a level the
first entry of the file wins, so the file lists specific entries first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .parse import Extract, condition_base

CATALOG_PATH = Path(__file__).with_name("catalog.yaml")
ROOT_CAUSES = ("data_variance", "framework_state", "control_flow", "exponential", "heavy_load",
               "toolchain_panic")
SYMPTOMS = ("crash", "slow", "wrong_results", "toolchain_panic")


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    conditions: tuple[str, ...]
    exceptions: tuple[str, ...]
    text: tuple[re.Pattern, ...]
    symptom: str
    root_cause: str
    node: str
    cause: str
    recovery: tuple[str, ...]
    conf: tuple[tuple[str, str], ...]

    def text_hit(self, s: str) -> re.Match | None:
        for rx in self.text:
            m = rx.search(s)
            if m:
                return m
        return None


def _entry(raw: dict, where: str) -> Entry:
    need = ("id", "title", "symptom", "root_cause", "node", "cause", "recovery")
    missing = [k for k in need if k not in raw]
    if missing:
        raise ValueError(f"{where}: missing key(s) {', '.join(missing)}")
    if raw["root_cause"] not in ROOT_CAUSES:
        raise ValueError(f"{where}: root_cause {raw['root_cause']!r} is not one of {', '.join(ROOT_CAUSES)}")
    if raw["symptom"] not in SYMPTOMS:
        raise ValueError(f"{where}: symptom {raw['symptom']!r} is not one of {', '.join(SYMPTOMS)}")
    try:
        text = tuple(re.compile(t) for t in raw.get("text") or ())
    except re.error as exc:
        raise ValueError(f"{where}: bad text pattern: {exc}") from None
    return Entry(
        id=str(raw["id"]), title=str(raw["title"]),
        conditions=tuple(raw.get("conditions") or ()), exceptions=tuple(raw.get("exceptions") or ()),
        text=text, symptom=raw["symptom"], root_cause=raw["root_cause"], node=str(raw["node"]),
        cause=" ".join(str(raw["cause"]).split()), recovery=tuple(str(r) for r in raw["recovery"]),
        conf=tuple((str(k), str(v)) for k, v in (raw.get("conf") or {}).items()))


def parse_catalog(text: str, name: str = "<catalog>") -> tuple[Entry, ...]:
    data = yaml.safe_load(text) or {}
    raw = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{name}: expected a mapping with a non-empty 'entries' list")
    entries = tuple(_entry(r, f"{name} → entry {r.get('id', i)!r}") for i, r in enumerate(raw))
    ids = [e.id for e in entries]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"{name}: duplicate entry id(s) {', '.join(dupes)}")
    return entries


@lru_cache(maxsize=1)
def load_catalog() -> tuple[Entry, ...]:
    return parse_catalog(CATALOG_PATH.read_text(encoding="utf-8"), str(CATALOG_PATH.name))


@dataclass(frozen=True)
class Match:
    entry: Entry
    level: int
    evidence: str  # what matched: the condition, class or text


def match(ex: Extract, text: str, entries: tuple[Entry, ...] | None = None) -> Match | None:
    entries = entries if entries is not None else load_catalog()
    for cond in ex.conditions:  # innermost first
        for e in entries:
            if cond in e.conditions or condition_base(cond) in e.conditions:
                return Match(e, 1, f"[{cond}]")
    inner = ex.innermost
    if inner is not None:
        for e in entries:
            if inner.name in e.exceptions:
                return Match(e, 2, inner.name)
            hit = e.text_hit(inner.message)
            if hit:
                return Match(e, 2, hit.group(0))
    for link in reversed(ex.chain):
        if link is inner:
            continue
        for e in entries:
            if link.name in e.exceptions:
                return Match(e, 3, link.name)
            hit = e.text_hit(link.message)
            if hit:
                return Match(e, 3, hit.group(0))
    for e in entries:
        hit = e.text_hit(text)
        if hit:
            return Match(e, 4, hit.group(0))
    return None
