"""The triage result: a frozen dataclass that pages, reports, the CLI and tests all read."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from ..results import Reportable, md_table
from .catalog import ROOT_CAUSES
from .sparkcat import ConditionInfo

UNKNOWN_NODE = "t_take"
UNKNOWN_RECOVERY = (
    "Not in the catalog: read the innermost error above; it is the one that matters.",
    "Display the program state; take a few rows of the input of the failing step and compare them with what "
    "the code assumes.",
    "Scale out and up in steps (a small local sample, then distributed, then 1%, 10%, 20%, 40%) to see where it "
    "starts failing.",
)


@dataclass(frozen=True)
class LevelInfo:
    """One level of the exception chain (outer to inner), with its conditions' documented meaning."""

    qualname: str
    message: str
    origin: str  # python | jvm | log | grpc | header
    conditions: tuple[ConditionInfo, ...] = ()
    sqlstate: str | None = None
    state_meaning: str | None = None
    status: str | None = None  # gRPC status code (Spark Connect)

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class TriageReport(Reportable):
    exception_class: str  # the innermost exception (simple name)
    message: str
    error_condition: str | None = None  # innermost first
    sqlstate: str | None = None
    user_frame: str | None = None
    symptom: str = "crash"
    root_cause: str | None = None
    node_id: str | None = None
    recovery: tuple[str, ...] = ()
    catalog_id: str | None = None
    title: str | None = None
    cause: str | None = None
    conf: tuple[tuple[str, str], ...] = ()
    exception_qualname: str | None = None
    chain: tuple[str, ...] = ()
    kind: str = "none"
    user_code: str | None = None
    stage: str | None = None
    task: str | None = None
    executor: str | None = None
    matched_by: str | None = None
    source: str = "text"
    line_no: int | None = None
    also_seen: tuple[tuple[str, int], ...] = ()
    # issue 12: surfaced vs innermost, every level's conditions, and why
    surfaced_class: str | None = None
    surfaced_qualname: str | None = None
    surfaced_message: str | None = None
    levels: tuple[LevelInfo, ...] = ()
    conditions: tuple[ConditionInfo, ...] = ()  # every condition in the chain, innermost first
    why: str = ""
    decided_by: str = "none"
    family: str | None = None

    @property
    def headline(self) -> str:
        text = f"{self.exception_class}: {self.message}" if self.message else self.exception_class
        if self.error_condition and f"[{self.error_condition}]" not in text:
            text = f"[{self.error_condition}] {text}"
        return text

    @property
    def innermost_class(self) -> str:
        return self.exception_class

    @property
    def first_fix(self) -> str:
        return self.recovery[0] if self.recovery else "open the traceback triage technique with this error"

    @property
    def outcome(self) -> str:
        return self.root_cause if self.root_cause in ROOT_CAUSES else "unknown"

    @property
    def in_catalog(self) -> bool:
        return self.catalog_id is not None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["outcome"] = self.outcome
        d["headline"] = self.headline
        d["conf"] = dict(self.conf)
        d["also_seen"] = dict(self.also_seen)
        for k in ("recovery", "chain"):
            d[k] = list(d[k])
        return d

    def to_markdown(self) -> str:
        surfaced = self.surfaced_qualname or "-"
        rows = [("surfaced exception", surfaced), ("innermost error", self.headline),
                ("error condition", self.error_condition or "-"), ("SQLSTATE", self.sqlstate or "-"),
                ("your code", self.user_frame or "-"),
                ("stage / task / executor", " / ".join(v or "-" for v in (self.stage, self.task, self.executor))),
                ("root cause", self.outcome), ("runbook node", self.node_id or "-"),
                ("catalog entry", self.catalog_id or "not in the catalog"), ("why", self.why or "-")]
        body = md_table(["", ""], rows, width=200)
        conds = ""
        if self.conditions:
            conds = "\n\n**Error conditions:**\n\n" + "\n".join(
                f"- `{c.condition}` (SQLSTATE {c.sqlstate or '-'}{': ' + c.state_meaning if c.state_meaning else ''})"
                f" — {c.meaning or 'not in Spark’s catalog'}" for c in self.conditions)
        steps = "\n".join(f"{i}. {s}" for i, s in enumerate(self.recovery, 1))
        cause = f"\n\n**Cause:** {self.cause}" if self.cause else ""
        return f"**Triage:** {self.headline}\n\n{body}{cause}{conds}\n\n**Recovery:**\n\n{steps}"
