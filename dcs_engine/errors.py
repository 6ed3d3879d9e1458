"""One exception tree for everything the engine refuses or fails at.

Every error carries

- a stable ``code`` per class (``DCS1xx`` inputs, ``DCS2xx`` Spark, ``DCS3xx`` runbooks, ...),
- a stable ``condition`` (``COLUMN_NOT_FOUND``, ``PARAM_OUT_OF_RANGE``...) with its ``params``, the
  values that fill it in (as :mod:`pyspark.errors` does with error classes and message parameters),
- a message that says what was expected, what was found, and how to fix it.

Tests and runbooks match on the condition and its parameters; pages and reports show the message.
Every condition is declared once in :data:`CONDITIONS` with what it means.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

CONDITIONS: dict[str, str] = {
    # inputs: parameters, sources, the user's code
    "PARAM_UNKNOWN": "a parameter the technique does not declare",
    "PARAM_MISSING": "a required parameter has no value",
    "PARAM_INVALID": "a value of the wrong type or form",
    "PARAM_NOT_A_CHOICE": "a value outside the parameter's choices",
    "PARAM_OUT_OF_RANGE": "a number below the parameter's minimum or above its maximum",
    "COLUMN_NOT_FOUND": "a parameter names a column the data source does not have",
    "SOURCE_INVALID": "a data source mapping with a wrong kind, key or value",
    "SOURCE_NOT_FOUND": "a path, table or dataset that does not exist",
    "SOURCE_UNREADABLE": "data that cannot be read in the format given",
    "SOURCE_BAD_FILTER": "a where clause that Spark cannot analyse on the source",
    "SOURCE_REFUSED": "an input the server's limits refuse (a root, a SQL function, a size)",
    "USER_CODE_SYNTAX": "the user's code does not compile",
    "USER_CODE_IMPORT": "the user's code or file cannot be imported",
    "USER_CODE_NO_FUNCTION": "the named function is not in the user's code",
    "USER_CODE_FAILED": "the user's function raised on the driver",
    "USER_CODE_MISSING_COLUMN": "the user's function reads a column the data does not have (it raised on every row)",
    "USER_MODULE_NOT_ON_EXECUTORS": "executors cannot import the module the user's function comes from",
    "INSTRUMENT_REFUSED": "a function the branch counter cannot rewrite (lambda, closure, async, global, a hiding "
                          "decorator)",
    "EXPECTATION_INVALID": "a branch-count expectation that does not parse or names no line of the function",
    # techniques and their contract
    "TECHNIQUE_UNKNOWN": "no technique has this id",
    "TECHNIQUE_NOT_RUNNABLE": "the technique exists only as a snippet",
    "TECHNIQUE_NOT_SUPPORTED": "the technique cannot run on this kind of session",
    "UNDECLARED_OUTCOME": "a technique returned an outcome it does not declare (a bug)",
    "TECHNIQUE_FAILED": "a technique could not reach a verdict",
    # Spark
    "SPARK_BAD_MASTER": "a master URL that cannot work",
    "SPARK_BAD_CONF": "extra conf that is not key=value with a spark. key",
    "SPARK_UNREACHABLE": "nothing answers at the master or Connect endpoint",
    "SPARK_START_FAILED": "Spark refused to start with these settings",
    "SPARK_SESSION_DEAD": "the session's JVM or Connect channel went away",
    "SPARK_JOB_FAILED": "a Spark job failed (its triage says why)",
    "RUN_CANCELLED": "the user cancelled the run",
    "METRICS_UNAVAILABLE": "Spark did not give the metrics a verdict needs",
    # the worker process that runs a diagnosis (its Spark session and the user's code)
    "WORKER_ENDED": "the diagnosis' worker process ended while it had work (a crash, os._exit, a kill)",
    "WORKER_START_FAILED": "a worker process could not be started or did not answer",
    "WORKER_LIMIT": "every worker process the server allows is busy",
    "WORKER_NO_ANSWER": "the worker did not answer a request in time",
    "WORKER_OP_UNKNOWN": "a request names an operation the worker does not offer",
    # slowness and shape techniques (scale_steps, skew, sample, divide_conquer)
    "LADDER_TOO_FEW_FILES": "fractions by whole files asked of a source with fewer than two local files",
    "FIT_TOO_FEW_STEPS": "too few ladder steps with measurable, distinct work to fit a growth",
    "MEASURE_INVALID": "a rate measure that is not a true/false SQL expression on the source",
    "TOO_FEW_VALUES": "a column with too few distinct non-null values to check a combining function on",
    # production evidence
    "EVENTLOG_UNREADABLE": "an event log, History Server answer or thresholds file that cannot be read as given",
    "EVENTLOG_NOT_FOUND": "no event log at the path given (nothing there, or a folder without Spark's log files)",
    "HISTORY_UNREACHABLE": "a History Server or driver UI URL that does not answer, answers an error, or not JSON",
    "APP_NOT_FOUND": "no application with this id or name in the logs or at the server",
    "APP_AMBIGUOUS": "several applications and none picked (pass an id or name)",
    "THRESHOLDS_INVALID": "a thresholds file that cannot be read or names an unknown rule, limit or type",
    # runbooks, lessons, catalogs
    "RUNBOOK_INVALID": "a runbook file that does not follow the schema",
    "LESSON_INVALID": "a lesson folder that does not follow the course's layout",
    "CATALOG_INVALID": "a triage catalog file that does not follow its schema",
    # a shared server: configuration, logins and roles, limits, stored incidents
    "CONFIG_INVALID": "a setting in the config file or a DCS_* variable that cannot be used",
    "LOGIN_REQUIRED": "the app is served beyond 127.0.0.1 and no login is configured",
    "ACCESS_DENIED": "the user's role does not allow this action",
    "LIMIT_EXCEEDED": "an input or a use above one of the server's configured limits",
    "INCIDENT_NOT_FOUND": "no stored incident has this id",
    "INCIDENT_STORE_UNAVAILABLE": "the incident database cannot be opened or migrated",
}


class DcsError(Exception):
    """Base of all dcs-doctor errors."""

    code = "DCS000"
    default_condition = "DCS_ERROR"

    def __init__(self, what: str, *, expected: str | None = None, found: str | None = None,
                 fix: str | None = None, condition: str | None = None, params: Mapping[str, Any] | None = None):
        self.what = what
        self.expected = expected
        self.found = found
        self.fix = fix
        self.condition = condition or self.default_condition
        self.params = MappingProxyType(dict(params or {}))
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [self.what]
        if self.expected is not None:
            parts.append(f"expected {self.expected}")
        if self.found is not None:
            parts.append(f"found {self.found}")
        text = "; ".join(parts)
        if self.fix:
            text += f". Fix: {self.fix}"
        return f"[{self.code}] {self._prefix()}{text}"

    def _prefix(self) -> str:
        return ""

    def to_dict(self) -> dict:
        return {"code": self.code, "condition": self.condition, "params": dict(self.params),
                "message": self.message, "what": self.what, "expected": self.expected, "found": self.found,
                "fix": self.fix}

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message

    def __reduce__(self):  # crosses process boundaries (the worker) intact
        return (_rebuild, (type(self), _state(self)))


def _state(err) -> dict:
    state = err.__dict__.copy()
    state["params"] = dict(state.get("params") or {})
    return state


def _rebuild(cls, state):
    err = cls.__new__(cls)
    state = dict(state)
    state["params"] = MappingProxyType(dict(state.get("params") or {}))
    err.__dict__.update(state)
    Exception.__init__(err, err.message)
    return err


class ParameterError(DcsError):
    code = "DCS101"
    default_condition = "PARAM_INVALID"


class SourceError(DcsError):
    code = "DCS102"
    default_condition = "SOURCE_INVALID"


class TechniqueUnavailable(DcsError):
    code = "DCS103"
    default_condition = "TECHNIQUE_NOT_SUPPORTED"


class UserCodeError(DcsError):
    code = "DCS104"
    default_condition = "USER_CODE_FAILED"


class TechniqueError(DcsError):
    """A technique could not reach a verdict, or broke its contract."""

    code = "DCS105"
    default_condition = "TECHNIQUE_FAILED"


class SparkConnectionError(DcsError):
    code = "DCS201"
    default_condition = "SPARK_START_FAILED"


class SparkJobError(DcsError):
    """A Spark job failed; ``triage`` holds the engine's reading of the error."""

    code = "DCS202"
    default_condition = "SPARK_JOB_FAILED"

    def __init__(self, what: str, *, triage=None, cause: BaseException | None = None, **kw):
        self.triage = triage
        self.cause = cause
        super().__init__(what, **kw)

    def __reduce__(self):
        state = _state(self)
        cause = state.get("cause")
        if cause is not None and not isinstance(cause, DcsError):
            # JVM-backed exceptions do not pickle; keep their text
            state["cause"] = None
            state["cause_text"] = f"{cause.__class__.__name__}: {cause}"
        return (_rebuild, (type(self), state))


class JobCancelled(DcsError):
    code = "DCS203"
    default_condition = "RUN_CANCELLED"


class MetricsUnavailable(DcsError):
    """Spark did not give the metrics a verdict needs (never read as 'all is well')."""

    code = "DCS204"
    default_condition = "METRICS_UNAVAILABLE"


class WorkerError(DcsError):
    """The worker process of a diagnosis failed as a process: never a verdict on the user's data."""

    code = "DCS205"
    default_condition = "WORKER_ENDED"


class RunbookError(DcsError):
    """A runbook file is malformed; ``where`` is the breadcrumb to the problem."""

    code = "DCS301"
    default_condition = "RUNBOOK_INVALID"

    def __init__(self, where: str, what: str, **kw):
        self.where = where
        super().__init__(what, **kw)

    def _prefix(self) -> str:
        return f"{self.where}: "


class LessonError(DcsError):
    code = "DCS401"
    default_condition = "LESSON_INVALID"


class ConfigError(DcsError):
    """A setting (config file or DCS_* variable) that cannot be used."""

    code = "DCS501"
    default_condition = "CONFIG_INVALID"


class LoginRequired(DcsError):
    """Served beyond loopback with no login configured: the app refuses to serve."""

    code = "DCS502"
    default_condition = "LOGIN_REQUIRED"


class AccessDenied(DcsError):
    code = "DCS503"
    default_condition = "ACCESS_DENIED"


class LimitExceeded(DcsError):
    code = "DCS504"
    default_condition = "LIMIT_EXCEEDED"


class IncidentError(DcsError):
    code = "DCS505"
    default_condition = "INCIDENT_NOT_FOUND"
