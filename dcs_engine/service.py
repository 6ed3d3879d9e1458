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
           "spark_state", "restart_spark"]
