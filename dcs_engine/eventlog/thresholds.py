"""Thresholds of the findings, as data: ``thresholds.yaml`` plus the user's overrides.

An override file (or dict) has the same shape and names only what it changes;
unknown rules or limits and values of the wrong type are refused with the key
that is wrong.  ``DCS_EVENTLOG_THRESHOLDS`` names an override file for the CLI
and the app.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .errors import EventLogError

DEFAULTS = Path(__file__).with_name("thresholds.yaml")
ENV_VAR = "DCS_EVENTLOG_THRESHOLDS"
RULE_KEYS = ("title", "cause", "node", "technique")


@lru_cache(maxsize=1)
def _defaults() -> dict:
    with open(DEFAULTS, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _load_override(src) -> dict:
    if src is None or isinstance(src, dict):
        return dict(src or {})
    path = Path(src)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EventLogError(f"thresholds file {path}", expected="a readable YAML file",
                            found=exc.strerror or str(exc), fix="check the path",
                            condition="THRESHOLDS_INVALID",
                            params={"path": str(path), "reason": "unreadable"}) from None
    except yaml.YAMLError as exc:
        raise EventLogError(f"thresholds file {path}", expected="valid YAML", found=str(exc).splitlines()[0],
                            fix="fix the YAML syntax at the line shown",
                            condition="THRESHOLDS_INVALID", params={"path": str(path), "reason": "yaml"}) from None
    if not isinstance(data, dict):
        raise EventLogError(f"thresholds file {path}", expected="a mapping of rule names",
                            found=type(data).__name__, fix="write 'rule: {limit: {value: N}}' entries",
                            condition="THRESHOLDS_INVALID", params={"path": str(path), "reason": "not_a_mapping"})
    return data


def _merge(base: dict, over: dict, where: str) -> None:
    for rule, limits in over.items():
        if rule not in base:
            raise EventLogError(f"{where} → {rule}", expected="one of " + ", ".join(sorted(base)),
                                found=repr(rule), fix="correct the rule name or remove it",
                                condition="THRESHOLDS_INVALID", params={"where": where, "rule": rule,
                                                                        "reason": "unknown_rule"})
        if not isinstance(limits, dict):
            raise EventLogError(f"{where} → {rule}", expected="a mapping of limits", found=repr(limits),
                                fix="write 'limit: {value: N}' under the rule",
                                condition="THRESHOLDS_INVALID", params={"where": where, "rule": rule,
                                                                        "reason": "not_a_mapping"})
        for key, val in limits.items():
            _merge_one(base[rule], key, val, f"{where} → {rule}")


def _merge_one(rule: dict, key: str, val, where: str) -> None:
    if key not in rule:
        raise EventLogError(f"{where} → {key}", expected="one of " + ", ".join(sorted(rule)), found=repr(key),
                            fix="correct the limit name or remove it", condition="THRESHOLDS_INVALID",
                            params={"where": where, "limit": key, "reason": "unknown_limit"})
    if key in RULE_KEYS:
        rule[key] = None if val is None else str(val)
        return
    new = val.get("value") if isinstance(val, dict) else val
    old = rule[key]["value"]
    ok = isinstance(new, list) if isinstance(old, list) else (
        isinstance(new, (int, float)) and not isinstance(new, bool))
    if not ok:
        raise EventLogError(f"{where} → {key}", expected=f"a {'list' if isinstance(old, list) else 'number'}",
                            found=repr(new), fix=f"write '{key}: {{value: {old!r}}}' with your value",
                            condition="THRESHOLDS_INVALID", params={"where": where, "limit": key,
                                                                    "reason": "wrong_type"})
    rule[key] = {"value": new, "source": (val.get("source") if isinstance(val, dict) else None) or
                 f"your override (default {old!r}: {rule[key]['source']})"}


@dataclass(frozen=True)
class Thresholds:
    rules: dict

    def value(self, rule: str, limit: str):
        return self.rules[rule][limit]["value"]

    def source(self, rule: str, limit: str) -> str:
        return self.rules[rule][limit]["source"]

    def meta(self, rule: str) -> dict:
        r = self.rules[rule]
        return {k: r[k] for k in RULE_KEYS}

    def limits(self, rule: str) -> dict:
        return {k: v["value"] for k, v in self.rules[rule].items() if k not in RULE_KEYS}

    def cited(self, rule: str) -> tuple[tuple[str, object, str], ...]:
        return tuple((k, v["value"], v["source"]) for k, v in self.rules[rule].items() if k not in RULE_KEYS)


def load(override=None) -> Thresholds:
    """The defaults, then ``$DCS_EVENTLOG_THRESHOLDS``, then ``override`` (a path or a dict)."""
    rules = copy.deepcopy(_defaults())
    env = os.environ.get(ENV_VAR)
    if env:
        _merge(rules, _load_override(env), env)
    if override is not None:
        _merge(rules, _load_override(override), str(override) if not isinstance(override, dict) else "thresholds")
    return Thresholds(rules)
