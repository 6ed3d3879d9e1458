"""The curated catalog (catalog.yaml), a user's catalog that extends it, and the SQLSTATE classes (classes.yaml).

A user catalog is a YAML file like the built-in one; with ``extends: builtin`` its
entries come first and an entry with a built-in id replaces that entry, without it the
file replaces the built-in catalog.  ``$DCS_TRIAGE_CATALOG`` names one for the whole
process.  Every problem is reported as a :class:`CatalogError` with a breadcrumb
(``my.yaml → entry 'id' → key``), what was expected, what was found and the fix.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ..errors import DcsError

HERE = Path(__file__).parent
CATALOG_PATH = HERE / "catalog.yaml"
CLASSES_PATH = HERE / "classes.yaml"
ENV_VAR = "DCS_TRIAGE_CATALOG"
ROOT_CAUSES = ("data_variance", "framework_state", "control_flow", "exponential", "heavy_load",
               "toolchain_panic")
SYMPTOMS = ("crash", "slow", "wrong_results", "toolchain_panic")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_KEYS = {"id": str, "title": str, "family": str, "conditions": list, "exceptions": list, "text": list,
         "symptom": str, "root_cause": str, "node": str, "cause": str, "recovery": list, "conf": dict,
         "explained_by": list, "only_without_exception": bool}
_REQUIRED = ("id", "title", "symptom", "root_cause", "node", "cause", "recovery")


class CatalogError(DcsError):
    """A triage catalog file is malformed; ``where`` is the breadcrumb to the problem."""

    code = "DCS302"
    default_condition = "CATALOG_INVALID"

    def __init__(self, where: str, what: str, **kw):
        self.where = where
        super().__init__(what, **kw)

    def _prefix(self) -> str:
        return f"{self.where}: "


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
    family: str = ""
    explained_by: tuple[str, ...] = ()
    only_without_exception: bool = False
    source: str = "builtin"

    def text_hit(self, s: str) -> re.Match | None:
        for rx in self.text:
            m = rx.search(s)
            if m:
                return m
        return None

    def knows_class(self, qualname: str) -> bool:
        name = qualname.rsplit(".", 1)[-1]
        return name in self.exceptions or qualname in self.exceptions


def _err(where, what, expected, found, fix) -> CatalogError:
    return CatalogError(where, what, expected=expected, found=found, fix=fix, params={"where": where})


def _check_keys(raw, where: str) -> None:
    if not isinstance(raw, dict):
        raise _err(where, "wrong type", "a mapping (id, title, symptom, ...)", type(raw).__name__,
                   "write the entry as 'key: value' lines under '- '")
    for key, value in raw.items():
        if key not in _KEYS:
            raise _err(f"{where} → {key}", "unknown key", "one of " + ", ".join(_KEYS), repr(key),
                       "remove the key or correct its spelling")
        if value is not None and not isinstance(value, _KEYS[key]):
            raise _err(f"{where} → {key}", "wrong type", _KEYS[key].__name__, f"{type(value).__name__} {value!r}"[:80],
                       f"make '{key}' a {_KEYS[key].__name__} (quote strings YAML could read as numbers or booleans)")
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise _err(where, "missing key(s)", ", ".join(missing), "nothing", f"add {', '.join(missing)}")


def _entry(raw: dict, where: str, source: str) -> Entry:
    _check_keys(raw, where)
    for key, allowed in (("root_cause", ROOT_CAUSES), ("symptom", SYMPTOMS)):
        if raw[key] not in allowed:
            raise _err(f"{where} → {key}", "invalid value", "one of " + ", ".join(allowed), repr(raw[key]),
                       f"use one of the allowed values for '{key}'")
    if not _ID.match(str(raw["id"])):
        raise _err(f"{where} → id", "invalid id", "lower-case letters, digits and _", repr(raw["id"]),
                   "rename it, e.g. 'my_timeout'")
    text = []
    for i, pattern in enumerate(raw.get("text") or ()):
        try:
            text.append(re.compile(str(pattern)))
        except re.error as exc:
            raise _err(f"{where} → text[{i}]", "bad pattern", "a Python regular expression", f"{pattern!r}: {exc}",
                       "escape special characters such as ( ) [ ] . with a backslash") from None
    if not raw["recovery"]:
        raise _err(f"{where} → recovery", "empty list", "at least one recovery step", "[]", "add a step")
    return Entry(
        id=str(raw["id"]), title=str(raw["title"]), family=str(raw.get("family") or ""),
        conditions=tuple(str(c) for c in raw.get("conditions") or ()),
        exceptions=tuple(str(c) for c in raw.get("exceptions") or ()),
        text=tuple(text), symptom=raw["symptom"], root_cause=raw["root_cause"], node=str(raw["node"]),
        cause=" ".join(str(raw["cause"]).split()), recovery=tuple(str(r) for r in raw["recovery"]),
        conf=tuple((str(k), str(v)) for k, v in (raw.get("conf") or {}).items()),
        explained_by=tuple(str(x) for x in raw.get("explained_by") or ()),
        only_without_exception=bool(raw.get("only_without_exception", False)), source=source)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: the same safe subset, faster


def _load_yaml(text: str, name: str):
    try:
        return yaml.load(text, Loader=_LOADER)  # a safe loader (SafeLoader or its C twin)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name} line {mark.line + 1}, column {mark.column + 1}" if mark else name
        raise _err(where, "YAML syntax error", "valid YAML", getattr(exc, "problem", None) or str(exc).splitlines()[0],
                   "fix the indentation or quoting at that line") from None


def parse_catalog(text: str, name: str = "<catalog>", base: tuple[Entry, ...] | None = None,
                  source: str | None = None) -> tuple[Entry, ...]:
    """Entries of a catalog file; ``extends: builtin`` puts them before ``base`` (the built-in catalog)."""
    data = _load_yaml(text, name)
    raw = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise _err(name, "no entries", "a mapping with a non-empty 'entries' list", type(raw).__name__,
                   "start from dcs_engine/triage/catalog.yaml")
    extends = data.get("extends")
    if extends not in (None, "builtin"):
        raise _err(f"{name} → extends", "invalid value", "'builtin' or nothing", repr(extends),
                   "write 'extends: builtin' to add to the built-in catalog")
    source = source or name
    entries = []
    for i, r in enumerate(raw):
        label = f"entry {r['id']!r}" if isinstance(r, dict) and isinstance(r.get("id"), str) else f"entries[{i}]"
        entries.append(_entry(r, f"{name} → {label}", source))
    ids = [e.id for e in entries]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise _err(f"{name} → entry {dupes[0]!r}", "duplicate id", "unique ids", f"{ids.count(dupes[0])} entries",
                   "rename one of them")
    if extends == "builtin":
        own = set(ids)
        entries += [e for e in (base if base is not None else builtin_catalog()) if e.id not in own]
    known = {e.id for e in entries}
    for e in entries:
        for ref in e.explained_by:
            if ref not in known:
                raise _err(f"{name} → entry {e.id!r} → explained_by", "unknown entry", "the id of an entry",
                           repr(ref), "name an entry of this catalog or the built-in one")
    return tuple(entries)


def load_catalog_file(path: str | os.PathLike) -> tuple[Entry, ...]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _err(str(p), "file not found", "a readable catalog YAML file", "no such file",
                   f"check the path, or unset {ENV_VAR}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _err(str(p), "unreadable file", "a UTF-8 text file", exc.__class__.__name__,
                   "save the catalog as UTF-8 YAML") from None
    return parse_catalog(text, p.name)


@lru_cache(maxsize=1)
def builtin_catalog() -> tuple[Entry, ...]:
    return parse_catalog(CATALOG_PATH.read_text(encoding="utf-8"), CATALOG_PATH.name, source="builtin")


@lru_cache(maxsize=8)
def _from_env(path: str, mtime: float) -> tuple[Entry, ...]:
    return load_catalog_file(path)


def load_catalog(path: str | os.PathLike | None = None) -> tuple[Entry, ...]:
    """The catalog in use: ``path``, else ``$DCS_TRIAGE_CATALOG``, else the built-in one."""
    chosen = str(path) if path else os.environ.get(ENV_VAR, "").strip()
    if not chosen:
        return builtin_catalog()
    try:
        mtime = os.path.getmtime(chosen)
    except OSError:
        return load_catalog_file(chosen)  # raises the clear error
    return _from_env(chosen, mtime)


def check_nodes(entries: tuple[Entry, ...], node_ids, name: str = "catalog") -> None:
    """Every entry's node must exist in the runbook the app uses."""
    for e in entries:
        if e.node not in node_ids:
            raise _err(f"{name} → entry {e.id!r} → node", "unknown runbook node", "a node id of the runbook",
                       repr(e.node), "use an id from runbook/tree.yaml (or your runbook)")


# ------------------------------------------------------------------ SQLSTATE classes
@dataclass(frozen=True)
class ClassRule:
    key: str  # the SQLSTATE, SQLSTATE class or gRPC status it is written for
    root_cause: str
    node: str
    reason: str
    explained_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Classes:
    sqlstate: dict  # "22" / "54001" -> ClassRule
    grpc: dict  # "UNAVAILABLE" -> ClassRule
    exceptions: dict  # simple class name -> SQLSTATE class

    def for_state(self, state: str | None) -> ClassRule | None:
        if not state:
            return None
        return self.sqlstate.get(state) or self.sqlstate.get(state[:2])


def _rules(raw: dict, where: str) -> dict:
    out = {}
    for key, r in (raw or {}).items():
        if r.get("root_cause") not in ROOT_CAUSES:
            raise _err(f"{where} → {key} → root_cause", "invalid value", ", ".join(ROOT_CAUSES),
                       repr(r.get("root_cause")), "use one of the root causes")
        out[str(key)] = ClassRule(str(key), r["root_cause"], str(r["node"]), " ".join(str(r["reason"]).split()),
                                  tuple(r.get("explained_by") or ()))
    return out


@lru_cache(maxsize=1)
def load_classes() -> Classes:
    data = _load_yaml(CLASSES_PATH.read_text(encoding="utf-8"), CLASSES_PATH.name)
    return Classes(_rules(data.get("sqlstate"), "classes.yaml → sqlstate"),
                   _rules(data.get("grpc_status"), "classes.yaml → grpc_status"),
                   {str(k): str(v) for k, v in (data.get("exceptions") or {}).items()})
