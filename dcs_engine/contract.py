"""The technique contract: what every technique declares, and what it is given when it runs.

A technique is a package under :mod:`dcs_engine.techniques` that exposes ``TECHNIQUE``, a
:class:`Technique`.  It declares its parameters once (:class:`Param`); from that declaration the
engine derives

- the form a page draws, and the checks a runbook's default parameters go through;
- a frozen, typed parameters object (:class:`Params` subclass made by :func:`params_type`), which
  :func:`dcs_engine.registry.coerce_params` returns with the data source already parsed into a
  :class:`~dcs_engine.inputs.sources.SourceSpec`;
- which parameters name columns of the source (kinds ``column`` and ``columns``), checked against
  the source's schema in one place (:func:`dcs_engine.registry.bind`) before any job runs.

``run(ctx, params)`` receives a :class:`dcs_engine.runtime.context.Context` (the session, code
shipping, per-task tallies, cancellation, job tagging and metrics, each written once for classic
Spark and once for Spark Connect) and returns a frozen result dataclass whose ``outcome`` is one of
the technique's declared ``outcomes`` (checked by :func:`check_outcome`; the runbook's edges key on
it).  A technique that cannot run on a kind of session says so in ``unsupported`` with what to run
instead; the registry refuses it before it starts.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dcs_engine.errors import TechniqueError

PARAM_KINDS = ("str", "text", "code", "int", "float", "bool", "choice", "source", "column", "columns")
COLUMN_KINDS = ("column", "columns")


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
    driver_rows: bool = False  # an int: rows brought to the driver (capped by the server's limits.driver_rows)

    def __post_init__(self):
        if self.kind not in PARAM_KINDS:
            raise ValueError(f"param {self.name}: unknown kind {self.kind!r}")

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    @property
    def names_columns(self) -> bool:
        return self.kind in COLUMN_KINDS


class Params:
    """Base of every technique's typed, frozen parameters (see :func:`params_type`)."""

    technique: str = ""

    def to_dict(self) -> dict:
        """Plain, JSON-friendly values (the source as a mapping), for reports, URLs and workers."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if hasattr(value, "to_dict"):
                value = value.to_dict()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    def replace(self, **changes) -> Params:
        return dataclasses.replace(self, **changes)

    def columns_named(self) -> dict[str, tuple[str, ...]]:
        """Parameter name -> the source columns it names (only non-empty column parameters)."""
        spec = TYPES_BY_PARAMS.get(type(self))
        out = {}
        for p in spec.params if spec else ():
            if p.names_columns:
                value = getattr(self, p.name)
                cols = (value,) if isinstance(value, str) else tuple(value)
                cols = tuple(c for c in cols if c)
                if cols:
                    out[p.name] = cols
        return out


_PY_TYPES = {"str": str, "text": str, "code": object, "choice": str, "column": str, "int": int, "float": float,
             "bool": bool, "columns": tuple, "source": object}
TYPES_BY_PARAMS: dict[type, Technique] = {}


def params_type(tech: Technique) -> type:
    """The frozen dataclass of ``tech``'s parameters (made once per technique)."""
    cls = _PARAMS_CACHE.get(tech.id)
    if cls is None:
        fields = [(p.name, _PY_TYPES[p.kind], field(default=None)) for p in tech.params]
        name = "".join(part.capitalize() for part in tech.id.split("_")) + "Params"
        cls = dataclasses.make_dataclass(name, fields, bases=(Params,), frozen=True,
                                         namespace={"technique": tech.id})
        cls.__module__ = __name__
        _PARAMS_CACHE[tech.id] = cls
        TYPES_BY_PARAMS[cls] = tech
    return cls


_PARAMS_CACHE: dict[str, type] = {}


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
    # session kind ("classic" or "connect") -> why it cannot run there and what to run instead
    unsupported: Mapping[str, str] = field(default_factory=dict)

    @property
    def runnable(self) -> bool:
        return self.run is not None

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


def check_outcome(tech: Technique, result: Any) -> Any:
    """Refuse a result whose ``outcome`` its technique does not declare (the tree's edges key on it)."""
    outcome = getattr(result, "outcome", None)
    if tech.outcomes and outcome not in tech.outcomes:
        raise TechniqueError(
            f"technique '{tech.id}' result", condition="UNDECLARED_OUTCOME",
            params={"technique": tech.id, "outcome": repr(outcome), "declared": ", ".join(tech.outcomes)},
            expected="an outcome among " + ", ".join(tech.outcomes), found=repr(outcome),
            fix="this is a bug in the technique: declare the outcome or return a declared one")
    return result
