"""dcs-doctor's engine: plain Python, no UI.  ``import dcs_engine as dcs`` gives the notebook API
(:mod:`dcs_engine.api`); the app reaches the engine through :mod:`dcs_engine.service`.

Rooms: ``contract``/``registry`` (what a technique is and how it runs), ``techniques/<id>/`` (one
package per technique with its own helpers), ``runtime/`` (sessions, contexts, jobs, metrics),
``inputs/`` (data sources, the user's code, demo data), ``triage/`` (reading failure texts),
``errors`` (the one error tree), ``results`` (what results share)."""

_API = ("branch_count", "divide_conquer", "env_check", "naughty_rows", "params", "profile", "repartition", "run",
        "sample", "scale_out", "scale_steps", "skew", "spend", "take", "triage")

__all__ = list(_API)


def __getattr__(name: str):
    # lazy, so `python -m dcs_engine triage` and the pages do not import pyspark for nothing
    if name in _API:
        from dcs_engine import api

        return getattr(api, name)
    raise AttributeError(f"module 'dcs_engine' has no attribute {name!r}")
