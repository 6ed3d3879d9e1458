"""Functions the Connect and cluster fixtures call in their own client/driver process (tests/spark_call.py).

Each takes the process's session first; what it returns is pickled back to the test."""
from __future__ import annotations


def run_technique(spark, technique: str, params: dict):
    """The technique's frozen result, run the one way every caller runs it."""
    from dcs_engine import registry

    return registry.run_technique(technique, spark, params)


def run_techniques(spark, runs: list):
    """Several ``(technique, params)`` in one process; a list of results or the errors they raised."""
    out = []
    for technique, params in runs:
        try:
            out.append(run_technique(spark, technique, params))
        except Exception as exc:  # the test decides what an error means
            from tests.spark_call import _portable

            out.append(_portable(exc))
    return out
