"""Errors of the event-log reader (part of the one :class:`~dcs_engine.errors.DcsError` tree)."""
from __future__ import annotations

from ..errors import DcsError, JobCancelled


class EventLogError(DcsError):
    """An event log, History Server or thresholds file that cannot be read as given."""

    code = "DCS110"
    default_condition = "EVENTLOG_UNREADABLE"


def cancelled(what: str) -> JobCancelled:
    return JobCancelled(what, found="cancelled by the user", fix="start it again when you are ready")


__all__ = ["EventLogError", "JobCancelled", "cancelled"]
