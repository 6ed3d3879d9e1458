"""Run in a Spark Connect client process by tests/test_sqlguard.py (no JVM on this side)."""
from __future__ import annotations


def check_clauses(spark, clauses: list[str]) -> list:
    """For each clause: None when allowed, else the refusal's (condition, params)."""
    from dcs_engine.errors import DcsError
    from dcs_engine.inputs import sqlguard

    out = []
    for clause in clauses:
        try:
            sqlguard.check_expression(spark, clause, "where clause")
            out.append(None)
        except DcsError as exc:
            out.append((exc.condition, dict(exc.params)))
    has_jvm = getattr(spark, "_jsparkSession", None) is not None
    return [out, has_jvm, spark.range(3).count()]
