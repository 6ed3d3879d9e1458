"""The one registry of techniques, and the one way to run them.

Each technique is a package under :mod:`dcs_engine.techniques` exposing ``TECHNIQUE`` (a
:class:`~dcs_engine.contract.Technique`); the registry discovers them, so adding a technique
means adding a package -- nothing else is edited.

Running one goes through three steps, each written once:

1. :func:`coerce_params` -- no Spark: raw values (a form, a runbook, a URL) become the technique's
   frozen, typed parameters object; unknown keys, wrong types and out-of-range numbers are
   refused with the parameter named; the data source is parsed into a ``SourceSpec``.
2. :func:`bind` -- with the source's DataFrame: every column parameter is checked against its
   schema before any job runs.
3. :func:`run_technique` -- the kind of session is checked against what the technique supports,
   it runs under one :class:`~dcs_engine.runtime.context.Context`, and its result's ``outcome``
   is checked against the declared ones.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from dcs_engine.contract import PARAM_KINDS, Param, Params, Technique, check_outcome, params_type
from dcs_engine.errors import ParameterError, TechniqueUnavailable

__all__ = ["PARAM_KINDS", "Param", "Params", "Technique", "all_techniques", "bind", "coerce_params", "get",
           "run_technique", "technique_ids"]

_REGISTRY: dict[str, Technique] = {}


def _discover() -> dict[str, Technique]:
    if _REGISTRY:
        return _REGISTRY
    from dcs_engine import techniques

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
            f"technique {technique_id!r}", condition="TECHNIQUE_UNKNOWN", params={"technique": technique_id},
            expected="one of " + ", ".join(sorted(reg)), found=repr(technique_id),
            fix="use a technique id from the engine registry (see the Runbook page)")
    return reg[technique_id]


# -- 1. coerce ---------------------------------------------------------------------------------

_KIND_WORDS = {"int": "a whole number", "float": "a number", "bool": "true or false",
               "source": "a data source mapping", "columns": "column names separated by commas"}


def _bad(p: Param, condition: str, expected: str, found: Any, fix: str, **extra) -> ParameterError:
    return ParameterError(f"parameter '{p.name}'", condition=condition,
                          params={"param": p.name, "found": found, **extra},
                          expected=expected, found=repr(found) if not isinstance(found, str) or found else "nothing",
                          fix=fix)


def _convert(p: Param, value: Any) -> Any:
    if p.kind == "int":
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        return int(str(value).strip()) if not isinstance(value, int) else value
    if p.kind == "float":
        if isinstance(value, bool):
            raise ValueError
        return float(value)
    if p.kind == "bool":
        if isinstance(value, str):
            low = value.strip().lower()
            if low not in ("true", "false", "yes", "no", "1", "0"):
                raise ValueError
            return low in ("true", "yes", "1")
        if not isinstance(value, (bool, int)):
            raise ValueError
        return bool(value)
    if p.kind == "source":
        from dcs_engine.inputs.sources import FrameSource, SourceSpec

        if isinstance(value, (SourceSpec, FrameSource)):
            return value
        if hasattr(value, "sparkSession") and hasattr(value, "schema"):  # a DataFrame (notebooks)
            return FrameSource(value)
        if not isinstance(value, dict):
            raise ValueError
        return SourceSpec.from_dict(value)
    if p.kind == "code" and callable(value):  # a function handed over in a notebook
        return value
    if p.kind == "columns":
        if isinstance(value, str):
            return tuple(c.strip() for c in value.split(",") if c.strip())
        if not isinstance(value, (list, tuple)) or not all(isinstance(c, str) for c in value):
            raise ValueError
        return tuple(c.strip() for c in value if c.strip())
    if isinstance(value, (dict, list, tuple)):
        raise ValueError
    return str(value).strip() if p.kind == "column" else str(value)


def _coerce_one(p: Param, value: Any) -> Any:
    blank = value is None or (isinstance(value, str) and not value.strip() and p.kind not in ("str", "text", "code"))
    if blank:
        if p.required:
            raise _bad(p, "PARAM_MISSING", "a value", "", f"fill in '{p.title}'")
        value = p.default
        if value is None:
            return () if p.kind == "columns" else None
    try:
        out = _convert(p, value)
    except (TypeError, ValueError):
        kind = _KIND_WORDS.get(p.kind, p.kind)
        raise _bad(p, "PARAM_INVALID", kind, value, f"enter {kind} for '{p.title}'", kind=p.kind) from None
    if p.kind == "choice" and out not in p.choices:
        raise _bad(p, "PARAM_NOT_A_CHOICE", "one of " + ", ".join(map(str, p.choices)), value,
                   f"pick one of the listed values for '{p.title}'", choices=list(p.choices))
    if p.kind in ("int", "float"):
        if p.min is not None and out < p.min:
            raise _bad(p, "PARAM_OUT_OF_RANGE", f"at least {p.min:g}", out,
                       f"raise '{p.title}' to {p.min:g} or more", min=p.min)
        if p.max is not None and out > p.max:
            raise _bad(p, "PARAM_OUT_OF_RANGE", f"at most {p.max:g}", out,
                       f"lower '{p.title}' to {p.max:g} or less", max=p.max)
    return out


def coerce_params(tech: Technique, raw: dict | Params | None) -> Params:
    """Check ``raw`` against the technique's declared parameters; the frozen, typed parameters.

    Unknown keys are refused (a typo in a runbook's default parameters should not pass silently);
    missing ones take their defaults.  No Spark is needed or touched."""
    cls = params_type(tech)
    if isinstance(raw, cls):
        return raw
    raw = dict(raw.to_dict() if isinstance(raw, Params) else (raw or {}))
    known = {p.name for p in tech.params}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ParameterError(
            f"technique '{tech.id}' parameter '{unknown[0]}'", condition="PARAM_UNKNOWN",
            params={"technique": tech.id, "param": unknown[0], "known": sorted(known)},
            expected="one of " + (", ".join(sorted(known)) or "no parameters"),
            found=repr(unknown[0]), fix="remove it or correct its spelling")
    return cls(**{p.name: _coerce_one(p, raw.get(p.name, p.default)) for p in tech.params})


# -- 2. bind -----------------------------------------------------------------------------------

def check_columns(params: Params, columns) -> None:
    """Refuse a column parameter that names a column the source does not have (no job is run)."""
    have = list(columns)
    for name, wanted in params.columns_named().items():
        for col in wanted:
            if col not in have:
                from dcs_engine.errors import SourceError

                raise SourceError(
                    f"parameter '{name}' column {col!r}", condition="COLUMN_NOT_FOUND",
                    params={"param": name, "column": col, "available": have},
                    expected="one of " + ", ".join(have), found=repr(col),
                    fix=f"pick a column of the data source for '{name}'")


def bind(ctx, params: Params):
    """The source's DataFrame (with where/columns applied), after checking column parameters against it."""
    from dcs_engine.inputs.sources import load

    df = load(ctx.spark, params.source)
    check_columns(params, df.columns)
    return df


# -- 3. run ------------------------------------------------------------------------------------

def check_supported(tech: Technique, kind: str) -> None:
    why = tech.unsupported.get(kind)
    if why:
        raise TechniqueUnavailable(
            f"technique '{tech.id}' on {kind} Spark", condition="TECHNIQUE_NOT_SUPPORTED",
            params={"technique": tech.id, "kind": kind}, expected="a session this technique runs on",
            found=f"a {kind} session", fix=why)


def run_technique(technique: str | Technique, spark_or_ctx, raw: dict | Params | None = None, **kw):
    """Coerce, check, run and check the outcome: the one way any caller runs a technique.

    ``spark_or_ctx``: a SparkSession (classic or Connect), a ready ``Context``, or None for
    techniques that need no Spark.  Extra keyword arguments are parameters too."""
    from dcs_engine.runtime.context import Context, context_for

    tech = get(technique) if isinstance(technique, str) else technique
    if not tech.runnable:
        raise TechniqueUnavailable(
            f"technique '{tech.id}'", condition="TECHNIQUE_NOT_RUNNABLE", params={"technique": tech.id},
            expected="an engine function", found="only a snippet so far",
            fix="run the snippet by hand on your cluster")
    params = coerce_params(tech, {**(raw.to_dict() if isinstance(raw, Params) else (raw or {})), **kw})
    if spark_or_ctx is None or isinstance(spark_or_ctx, Context):
        ctx = spark_or_ctx
    else:
        ctx = context_for(spark_or_ctx, label=tech.title)
    if ctx is not None:
        check_supported(tech, ctx.kind)
        with ctx.scope():
            return check_outcome(tech, tech.run(ctx, params))
    return check_outcome(tech, tech.run(None, params))
