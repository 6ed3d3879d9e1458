"""One exception tree for everything the engine refuses or fails at.

Every message says what was expected, what was found, and how to fix it, so a
page, a report and a test can show the same text.  Each class carries a stable
code (``DCS1xx`` ...) that tests and runbooks can match on.
"""
from __future__ import annotations


class DcsError(Exception):
    """Base of all dcs-doctor errors."""

    code = "DCS000"

    def __init__(self, what: str, *, expected: str | None = None,
                 found: str | None = None, fix: str | None = None):
        self.what = what
        self.expected = expected
        self.found = found
        self.fix = fix
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

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class ParameterError(DcsError):
    code = "DCS101"


class SourceError(DcsError):
    code = "DCS102"


class TechniqueUnavailable(DcsError):
    code = "DCS103"


class UserCodeError(DcsError):
    code = "DCS104"


class SparkConnectionError(DcsError):
    code = "DCS201"


class SparkJobError(DcsError):
    """A Spark job failed; ``triage`` holds the engine's reading of the error."""

    code = "DCS202"

    def __init__(self, what: str, *, triage=None, cause: BaseException | None = None, **kw):
        self.triage = triage
        self.cause = cause
        super().__init__(what, **kw)


class JobCancelled(DcsError):
    code = "DCS203"


class RunbookError(DcsError):
    """A runbook file is malformed; ``where`` is the breadcrumb to the problem."""

    code = "DCS301"

    def __init__(self, where: str, what: str, **kw):
        self.where = where
        super().__init__(what, **kw)

    def _prefix(self) -> str:
        return f"{self.where}: "


class LessonError(DcsError):
    code = "DCS401"
