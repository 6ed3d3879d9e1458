"""What the UI calls: start techniques, query their runs, manage a diagnosis' Spark session.

Pages never touch Spark and never run the user's code: every call here names the diagnosis it is
for (``owner``: a browser session's id, later an incident's) and goes to that diagnosis' worker
process (:mod:`dcs_engine.runtime.workers`), which owns its Spark session and its settings.  Only
checks that need neither Spark nor the user's code (parameters, master URLs) run in the app.
"""
from __future__ import annotations

from dcs_engine import registry
from dcs_engine.errors import DcsError, TechniqueUnavailable
from dcs_engine.runtime.session import ConnectionInfo, SparkSettings, parse_conf
from dcs_engine.runtime.workers import RemoteRun, pool


def start_run(owner: str, technique_id: str, raw_params: dict) -> RemoteRun:
    """Check the parameters now (errors surface before any Spark work), then run in the worker."""
    tech = registry.get(technique_id)
    if not tech.runnable:
        raise TechniqueUnavailable(f"technique '{technique_id}'", condition="TECHNIQUE_NOT_RUNNABLE",
                                   params={"technique": technique_id}, expected="an engine function",
                                   found="only a snippet so far", fix="run the snippet by hand on your cluster")
    registry.coerce_params(tech, raw_params)
    return pool().submit(owner, "run_technique", {"technique": tech.id, "params": dict(raw_params or {})},
                         tech.title)


def start_check(owner: str, lesson_id: str, code: str) -> RemoteRun:
    """Check a student's fix for a lesson, in the diagnosis' worker."""
    return pool().submit(owner, "check_lesson", {"lesson": lesson_id, "code": code}, f"Check lesson {lesson_id}")


def get_run(run_id: str) -> RemoteRun | None:
    """A run by id; None once it was released (its evidence entry keeps the result's Markdown)."""
    return pool().get(run_id)


def describe_source(owner: str, source: dict) -> tuple[tuple[str, str], ...]:
    """``((column, type), ...)`` of a data source, for the forms' pick-lists (runs in the worker)."""
    from dcs_engine.inputs.sources import SourceSpec

    SourceSpec.from_dict(source)  # a malformed mapping is refused here, without a worker
    return pool().call(owner, "describe_source", {"source": dict(source)}, "describe the data source")


def settings_from(master: str, app_name: str, conf_text: str) -> SparkSettings:
    return SparkSettings(master=master.strip(), app_name=app_name.strip() or "dcs-doctor",
                         conf=parse_conf(conf_text))


def connect(owner: str, settings: SparkSettings) -> ConnectionInfo:
    """Use these settings for this diagnosis from now on (a bad URL is refused first) and describe the session."""
    return pool().connect(owner, settings)


def connection_info(owner: str) -> ConnectionInfo | None:
    """The running session's description, or None when this diagnosis has none running."""
    if spark_state(owner) != "running":
        return None
    return pool().call(owner, "connection_info", {}, "describe the Spark session")


def current_settings(owner: str) -> SparkSettings:
    return pool().settings(owner)


def spark_state(owner: str) -> str:
    """'not started', 'starting', 'running' or 'dead' (a JVM, gateway or worker that went away)."""
    return pool().state(owner)


def restart_spark(owner: str) -> ConnectionInfo:
    """A fresh worker process and Spark session for this diagnosis, with the same settings."""
    return pool().restart(owner)


def worker_info(owner: str) -> dict | None:
    """What the Connection page shows about this diagnosis' worker process (None: none running)."""
    worker = pool().worker(owner)
    if worker is None:
        return None
    return {"pid": worker.pid, "started": worker.started, "idle_s": pool().config.idle_s,
            "last_used": worker.last_used, "busy": worker.busy, "jvm_pid": worker.status.jvm_pid}


__all__ = ["DcsError", "start_run", "start_check", "get_run", "describe_source", "connect", "connection_info",
           "settings_from", "current_settings", "spark_state", "restart_spark", "worker_info"]
