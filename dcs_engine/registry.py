"""The one registry of techniques.

Each technique lives in its own module under :mod:`dcs_engine.techniques` and
exposes a module-level ``TECHNIQUE``.  The registry discovers them, so adding a
technique means adding a module -- nothing else is edited.

A technique has declared parameters (rendered as a form by the UI, checked by
:func:`coerce_params`), a copy-paste PySpark snippet that does the technique by
hand, and -- once implemented -- a ``run(spark, params, ctx)`` function that
returns a frozen result dataclass with an ``outcome`` field.  ``run is None``
means the app offers only the snippet and its explanation for now.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable

from .errors import ParameterError, TechniqueUnavailable

PARAM_KINDS = ("str", "text", "code", "int", "float", "bool", "choice", "source")


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    default: Any = None
    help: str = ""
    label: str = ""
    choices: tuple = ()
    min: float | None = None
    max: float | None = None
    required: bool = False

    def __post_init__(self):
        if self.kind not in PARAM_KINDS:
            raise ValueError(f"param {self.name}: unknown kind {self.kind!r}")

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Technique:
    id: str
    title: str
    summary: str
    snippet: str
    params: tuple[Param, ...] = ()
    outcomes: tuple[str, ...] = ()
    run: Callable | None = None
    needs_spark: bool = True

    @property
    def runnable(self) -> bool:
        return self.run is not None

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


_REGISTRY: dict[str, Technique] = {}


def _discover() -> dict[str, Technique]:
    if _REGISTRY:
        return _REGISTRY
    from . import techniques

    found: dict[str, Technique] = {}
    for mod in sorted(pkgutil.iter_modules(techniques.__path__), key=lambda m: m.name):
        if mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"{techniques.__name__}.{mod.name}")
        tech = getattr(module, "TECHNIQUE", None)
        if not isinstance(tech, Technique):
            continue
        if tech.id in found:
            raise RuntimeError(f"technique id {tech.id!r} declared twice")
        found[tech.id] = tech
    _REGISTRY.update(found)
    return _REGISTRY


def all_techniques() -> dict[str, Technique]:
    return dict(_discover())


def technique_ids() -> frozenset[str]:
    return frozenset(_discover())


def get(technique_id: str) -> Technique:
    reg = _discover()
    if technique_id not in reg:
        raise TechniqueUnavailable(
            f"technique {technique_id!r}",
            expected="one of " + ", ".join(sorted(reg)),
            found=repr(technique_id),
            fix="use a technique id from the engine registry (see the Runbook page)",
        )
    return reg[technique_id]


def _coerce_one(p: Param, value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip() == "" and p.kind not in ("str", "text", "code")):
        if p.required:
            raise ParameterError(f"parameter '{p.name}'", expected="a value", found="nothing",
                                 fix=f"fill in '{p.title}'")
        return p.default
    try:
        if p.kind == "int":
            if isinstance(value, bool):
                raise ValueError
            out: Any = int(str(value).strip()) if not isinstance(value, int) else value
        elif p.kind == "float":
            out = float(value)
        elif p.kind == "bool":
            if isinstance(value, str):
                low = value.strip().lower()
                if low not in ("true", "false", "yes", "no", "1", "0"):
                    raise ValueError
                out = low in ("true", "yes", "1")
            else:
                out = bool(value)
        elif p.kind == "choice":
            out = str(value)
            if out not in p.choices:
                raise ParameterError(f"parameter '{p.name}'", expected="one of " + ", ".join(map(str, p.choices)),
                                     found=repr(value), fix=f"pick one of the listed values for '{p.title}'")
        elif p.kind == "source":
            if not isinstance(value, dict):
                raise ValueError
            out = dict(value)
        else:
            out = str(value)
    except (TypeError, ValueError):
        kind = {"int": "a whole number", "float": "a number", "bool": "true or false",
                "source": "a data source mapping"}.get(p.kind, p.kind)
        raise ParameterError(f"parameter '{p.name}'", expected=kind, found=repr(value),
                             fix=f"enter {kind} for '{p.title}'") from None
    if p.kind in ("int", "float"):
        if p.min is not None and out < p.min:
            raise ParameterError(f"parameter '{p.name}'", expected=f"at least {p.min:g}", found=repr(out),
                                 fix=f"raise '{p.title}' to {p.min:g} or more")
        if p.max is not None and out > p.max:
            raise ParameterError(f"parameter '{p.name}'", expected=f"at most {p.max:g}", found=repr(out),
                                 fix=f"lower '{p.title}' to {p.max:g} or less")
    return out


def coerce_params(tech: Technique, raw: dict | None) -> dict:
    """Check ``raw`` against the technique's declared parameters.

    Unknown keys are refused (a typo in a runbook's default parameters should
    not pass silently); missing ones take their defaults.
    """
    raw = dict(raw or {})
    known = {p.name for p in tech.params}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ParameterError(
            f"technique '{tech.id}' parameter '{unknown[0]}'",
            expected="one of " + (", ".join(sorted(known)) or "no parameters"),
            found=repr(unknown[0]),
            fix="remove it or correct its spelling",
        )
    return {p.name: _coerce_one(p, raw.get(p.name, p.default)) for p in tech.params}
