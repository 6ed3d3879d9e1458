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


def describe_source(owner: str, source: dict):
    """The columns and types of a data source (its where clause and columns applied): a SourceSchema, read in
    the diagnosis' worker.  Raises SourceError naming the input (a missing path, a wrong format, a bad where)."""
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


def start_run_as(user, owner: str, technique_id: str, raw_params: dict) -> RemoteRun:
    """:func:`start_run` for a signed-in user: their role, the rows-to-driver limit and the session's run budget."""
    from dcs_engine import access, limits

    tech = registry.get(technique_id)
    access.authorize(user, access.action_for(tech))
    limits.check_driver_rows(tech, raw_params)
    limits.BUDGET.spend(owner)
    try:
        return start_run(owner, technique_id, raw_params)
    except Exception:
        limits.BUDGET.refund(owner)
        raise


# --- production evidence (event logs, History Server): no Spark needed, a plain background thread

def start_eventlog(owner: str, target: str, app: str | None = None):
    """Read one application's event log or History Server in the background (progress, Cancel)."""
    from . import eventlog
    from .eventlog import task

    return task.start(owner, f"event log {target}", lambda progress, cancel: eventlog.analyze(
        target, app=app or None, progress=progress, cancel=cancel))


def start_compare(owner: str, a: str, b: str, app_a: str | None = None, app_b: str | None = None):
    from . import eventlog
    from .eventlog import task

    return task.start(owner, f"compare {a} with {b}", lambda progress, cancel: eventlog.compare(
        a, b, app_a=app_a or None, app_b=app_b or None, progress=progress, cancel=cancel))


def get_eventlog_run(run_id: str | None):
    from .eventlog import task

    return task.get(run_id)


def eventlog_apps(target: str) -> list:
    from . import eventlog

    return eventlog.list_applications(target)


def save_eventlog_upload(files: list[tuple[str, bytes]]) -> str:
    from .eventlog import task

    return str(task.save_upload(files))


# -- the data under investigation and the forms (issue 14): checks without Spark run here, the schema in the worker

def parse_source(source: dict):
    """A source mapping (a form, a link) checked without Spark: the SourceSpec, or SourceError."""
    from dcs_engine.inputs.sources import SourceSpec

    return SourceSpec.from_dict(source)


def technique(technique_id: str):
    return registry.get(technique_id)


def triage_exception(exc: BaseException):
    """The triage of an exception the app itself met (no user code runs: the text is only read)."""
    from dcs_engine.triage import triage_exception as triage

    return triage(exc)


def techniques() -> dict:
    """Every registered technique by id (what the pages list; nothing runs)."""
    return registry.all_techniques()


def check_params(technique_id: str, raw: dict, columns=None) -> None:
    """Refuse bad parameters before any Spark job: types and ranges, and, given the source's
    columns, every column parameter (condition COLUMN_NOT_FOUND)."""
    params = registry.coerce_params(registry.get(technique_id), raw)
    if columns is not None:
        registry.check_columns(params, columns)


def demo_datasets() -> list[str]:
    from dcs_engine.inputs import demo

    return demo.names()


def source_formats() -> tuple[str, ...]:
    from dcs_engine.inputs.sources import FORMATS

    return FORMATS


__all__ = ["DcsError", "start_run", "start_run_as", "start_check", "get_run", "describe_source", "connect",
           "connection_info", "settings_from", "current_settings", "spark_state", "restart_spark", "worker_info",
           "start_eventlog", "start_compare", "get_eventlog_run", "eventlog_apps", "save_eventlog_upload",
           "parse_source", "technique", "techniques", "triage_exception", "check_params", "demo_datasets",
           "source_formats"]
