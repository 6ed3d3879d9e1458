"""What the UI calls: start techniques, query their runs, manage the session.

Pages never touch Spark; they call these functions, which go through the
registry, the job runner and the Spark manager.
"""
from __future__ import annotations

from dcs_engine import registry
from dcs_engine.errors import DcsError
from dcs_engine.runtime.jobs import RUNNER, JobHandle
from dcs_engine.runtime.session import MANAGER, ConnectionInfo, SparkSettings, parse_conf


def start_run(owner: str, technique_id: str, raw_params: dict) -> JobHandle:
    """Check the parameters now (errors surface before any Spark work), then run."""
    tech = registry.get(technique_id)
    if not tech.runnable:
        from dcs_engine.errors import TechniqueUnavailable

        raise TechniqueUnavailable(f"technique '{technique_id}'", expected="an engine function",
                                   found="only a snippet so far", fix="run the snippet by hand on your cluster")
    params = registry.coerce_params(tech, raw_params)
    provider = MANAGER.session if tech.needs_spark else (lambda: None)
    return RUNNER.submit(owner, tech.title, provider, lambda ctx: registry.run_technique(tech, ctx, params))


def get_run(handle_id: str) -> JobHandle | None:
    return RUNNER.get(handle_id)


def settings_from(master: str, app_name: str, conf_text: str) -> SparkSettings:
    return SparkSettings(master=master.strip(), app_name=app_name.strip() or "dcs-doctor",
                         conf=parse_conf(conf_text))


def connect(settings: SparkSettings) -> ConnectionInfo:
    """Use these settings from now on (restarting Spark if they changed or it died) and describe the result."""
    if spark_state() == "dead":
        MANAGER.stop()
    MANAGER.session(settings)
    return MANAGER.info()


def current_settings() -> SparkSettings:
    return MANAGER.settings or SparkSettings()


def spark_state() -> str:
    """'not started', 'running' or 'dead' (a JVM/gateway that went away)."""
    if not MANAGER.is_started():
        return "not started"
    return "running" if MANAGER.is_alive() else "dead"


def restart_spark() -> None:
    """Stop (or forget a dead) session and start a new one with the same settings."""
    settings = current_settings()
    MANAGER.stop()
    MANAGER.session(settings)


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


def start_run_as(user, owner: str, technique_id: str, raw_params: dict) -> JobHandle:
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



__all__ = ["DcsError", "start_run", "start_run_as", "get_run", "connect", "settings_from", "current_settings",
           "spark_state", "restart_spark", "start_eventlog", "start_compare", "get_eventlog_run", "eventlog_apps",
           "save_eventlog_upload"]


# -- Added by the "ui" helper (issue 14/15): what the Diagnose and Lessons pages need, through this door.
# Minimal, in-process versions; the "server" helper routes describe_source to the user's worker.

def describe_source(owner: str, source: dict):
    """The columns and types of a data source (its where clause and columns applied): a SourceSchema.

    Raises SourceError naming the input (a missing path, a wrong format, a bad where clause)."""
    from dcs_engine.inputs.sources import SourceSpec, describe

    spec = SourceSpec.from_dict(source)
    return describe(MANAGER.session(), spec)


def parse_source(source: dict):
    """A source mapping (a form, a link) checked without Spark: the SourceSpec, or SourceError."""
    from dcs_engine.inputs.sources import SourceSpec

    return SourceSpec.from_dict(source)


def technique(technique_id: str):
    return registry.get(technique_id)


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
