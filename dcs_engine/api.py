"""The engine from a notebook (Jupyter, Databricks) or a script: your session, your DataFrame.

    import dcs_engine as dcs

    dcs.take(df, n=5)
    dcs.profile(df)
    dcs.naughty_rows(df, is_e10s_experiment, examples=3)
    dcs.branch_count(df, to_sessions, group_by="client_id")
    dcs.skew(df, keys="client_id")
    dcs.triage(exc)                 # an exception you caught, or a pasted traceback / log text

Each call runs the same technique code as the app (through :func:`dcs_engine.registry.run_technique`)
on the DataFrame's own session, classic or Spark Connect, and returns the technique's frozen result,
which shows itself as a table in the notebook (``_repr_html_``) and as Markdown in text
(``result.to_markdown()``).  Keyword arguments are the technique's parameters, as listed by
``dcs.params("profile")``.
"""
from __future__ import annotations

from dcs_engine import registry

__all__ = ["branch_count", "divide_conquer", "env_check", "naughty_rows", "params", "profile", "repartition",
           "run", "sample", "scale_out", "scale_steps", "skew", "spend", "take", "triage"]


def run(technique: str, df_or_spark=None, func=None, **params):
    """Run any technique: ``df_or_spark`` is a DataFrame (the data) or a SparkSession (then name the
    source with ``source=``); ``func`` is your function where the technique takes one."""
    spark = df_or_spark
    if df_or_spark is not None and hasattr(df_or_spark, "sparkSession") and hasattr(df_or_spark, "schema"):
        spark = df_or_spark.sparkSession
        params.setdefault("source", df_or_spark)
    if func is not None:
        params["code"] = func
    tech = registry.get(technique)
    return registry.run_technique(tech, spark if tech.needs_spark else None, params)


def params(technique: str) -> dict[str, str]:
    """The parameters a technique takes, with their kind, default and help."""
    return {p.name: f"{p.kind}, default {p.default!r}: {p.help or p.title}" for p in registry.get(technique).params}


def take(df, n: int = 10, **kw):
    """The DCS prompt: the first ``n`` rows and the schema."""
    return run("take", df, n=n, **kw)


def profile(df, **kw):
    """Data variance: nulls, NaN, sentinels, types and value shapes per column; outliers."""
    return run("profile", df, **kw)


def naughty_rows(df, func, **kw):
    """Run ``func`` on every row; keep only the rows where it raises, grouped by signature."""
    return run("naughty_rows", df, func, **kw)


def branch_count(df, func, **kw):
    """How often each branch of ``func`` runs over the whole data."""
    return run("branch_count", df, func, **kw)


def env_check(spark_or_df, func=None, **kw):
    """The driver's Python and packages against every executor's."""
    return run("env_check", spark_or_df, func, **kw)


def scale_out(df, func, **kw):
    """``func`` on a small sample locally, then the same sample distributed; compared."""
    return run("scale_out", df, func, **kw)


def scale_steps(df, job, **kw):
    """``job(df)`` on 1 %, 10 %, 20 %, 40 % of the data; how its work grows with rows."""
    return run("scale_steps", df, job, **kw)


def skew(df, keys: str, **kw):
    """Rows per key (top and bottom), rows per partition, and task skew of this run's stages."""
    return run("skew", df, keys=keys, **kw)


def repartition(df, func, key: str, **kw):
    """The talk's repartition-by-key recipe against a plain group-by, timed."""
    return run("repartition", df, func, key=key, **kw)


def divide_conquer(df, combine, column: str, **kw):
    """Is ``combine`` associative (and commutative) on the column's own values?"""
    return run("divide_conquer", df, combine, column=column, **kw)


def sample(df, column: str, **kw):
    """Stratified sampling with a minimum per stratum, against a simple random sample."""
    return run("sample", df, column=column, **kw)


def spend(df, **kw):
    """Resources in use against the input size."""
    return run("spend", df, **kw)


def triage(error, catalog=None):
    """An exception (caught in your notebook) or a traceback/log text: the innermost error, its
    condition and SQLSTATE, the root cause, recovery steps and the runbook node to continue from."""
    from dcs_engine.triage import triage as _triage

    return _triage(error, catalog)
