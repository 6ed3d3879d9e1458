"""Spark's own error catalog, read from the pinned pyspark at run time (no JVM).

The JVM catalog lives in ``pyspark/jars/spark-common-utils_2.13-<version>.jar``:
``error/error-conditions.json`` (every error condition with its message template,
sub-conditions and SQLSTATE) and ``error/error-states.json`` (every SQLSTATE with its
description).  PySpark's own conditions are in ``pyspark/errors/error-conditions.json``.
Both are read once with :mod:`zipfile` / :mod:`json` and cached.  If pyspark is not
installed the catalog is empty and triage still works from the curated entries.

``describe("UNRESOLVED_COLUMN.WITH_SUGGESTION")`` gives the documented meaning (the
message template with its ``<parameters>``, the sub-condition's text appended), the
SQLSTATE and that state's description.
"""
from __future__ import annotations

import glob
import json
import os
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache

_JAR_GLOB = "spark-common-utils_2.*.jar"
_PARAM = re.compile(r"\s+")


@dataclass(frozen=True)
class ConditionInfo:
    condition: str  # as written in the text, e.g. UNRESOLVED_COLUMN.WITH_SUGGESTION
    known: bool  # found in Spark's or PySpark's catalog
    source: str  # "spark" | "pyspark" | "unknown"
    meaning: str | None  # the documented message template
    sqlstate: str | None
    state_meaning: str | None  # error-states.json description of the SQLSTATE (or its class)

    def to_dict(self) -> dict:
        return {"condition": self.condition, "known": self.known, "source": self.source, "meaning": self.meaning,
                "sqlstate": self.sqlstate, "state_meaning": self.state_meaning}


@dataclass(frozen=True)
class SparkCatalog:
    conditions: dict  # name -> raw JSON entry (JVM)
    pyspark: dict  # name -> raw JSON entry (PySpark)
    states: dict  # SQLSTATE -> raw JSON entry
    origin: str  # where it was read from (for the UI / report)

    @property
    def size(self) -> int:
        return len(self.conditions) + len(self.pyspark)

    def knows(self, condition: str) -> bool:
        base = condition.split(".", 1)[0]
        return base in self.conditions or base in self.pyspark

    def state_meaning(self, state: str | None) -> str | None:
        if not state:
            return None
        for key in (state, state[:2] + "000"):
            if key in self.states:
                return str(self.states[key].get("description") or "") or None
        return None

    def describe(self, condition: str, sqlstate: str | None = None) -> ConditionInfo:
        base, _, sub = condition.partition(".")
        raw, source = self.conditions.get(base), "spark"
        if raw is None:
            raw, source = self.pyspark.get(base), "pyspark"
        if raw is None:
            return ConditionInfo(condition, False, "unknown", None, sqlstate, self.state_meaning(sqlstate))
        meaning = _text(raw.get("message"))
        if sub:
            sub_raw = (raw.get("subClass") or {}).get(sub) or {}
            extra = _text(sub_raw.get("message"))
            if extra:
                meaning = f"{meaning} {extra}".strip()
        state = raw.get("sqlState") or sqlstate
        return ConditionInfo(condition, True, source, meaning or None, state, self.state_meaning(state))


def _text(lines) -> str:
    if not lines:
        return ""
    if isinstance(lines, str):
        lines = [lines]
    return _PARAM.sub(" ", " ".join(str(x) for x in lines)).strip()


def _pyspark_dir() -> str | None:
    try:
        import importlib.util

        spec = importlib.util.find_spec("pyspark")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def read_catalog(pyspark_dir: str | None = None) -> SparkCatalog:
    """Read the catalog from a pyspark installation directory (default: the importable one)."""
    root = pyspark_dir or _pyspark_dir()
    conditions: dict = {}
    states: dict = {}
    pyspark: dict = {}
    origin = []
    if root:
        jars = sorted(glob.glob(os.path.join(root, "jars", _JAR_GLOB)))
        if jars:
            with zipfile.ZipFile(jars[-1]) as z:
                names = set(z.namelist())
                for member, target in (("error/error-conditions.json", conditions),
                                       ("error/error-states.json", states)):
                    if member in names:
                        target.update(json.loads(z.read(member)))
            origin.append(os.path.basename(jars[-1]))
        own = os.path.join(root, "errors", "error-conditions.json")
        if os.path.isfile(own):
            with open(own, encoding="utf-8") as fh:
                pyspark.update(json.load(fh))
            origin.append("pyspark/errors/error-conditions.json")
    return SparkCatalog(conditions, pyspark, states, " + ".join(origin) or "not found (pyspark missing)")


@lru_cache(maxsize=1)
def spark_catalog() -> SparkCatalog:
    return read_catalog()
