"""The pieces a failure text is read into: levels of an exception chain, records, the extract."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .frames import Frame

TRACEBACK = "Traceback (most recent call last)"
CHAIN_MARKS = ("During handling of the above exception", "The above exception was the direct cause")
IPY_HEADER = re.compile(r"^(?P<cls>[A-Za-z_][\w.$]*)\s{2,}Traceback \(most recent call last\)")
CONDITION_RX = re.compile(r"\[(?P<cond>_?[A-Z][A-Z0-9_]{2,}(?:\.[A-Z0-9_]+)*)\]")
SQLSTATE_RX = re.compile(r"SQLSTATE:?\s*(?P<state>[0-9A-Z]{5})\b")
SECTION = re.compile(r"^(?:LogType:|End of LogType:|Container: container_|={20,}|\*{20,}|LogLength:|LogContents:"
                      r"|LogLastModifiedTime:|LogAggregationType:)")
NOT_CONDITIONS = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE", "FATAL", "WARNING", "SEVERE", "CRITICAL", "NOTICE"}
QUIET_LEAVES = {"EOFException", "IOException", "SocketException", "ClosedChannelException", "InterruptedException",
                 "SocketTimeoutException", "Py4JJavaError"}
MAX_EXTRA = 40
LOST_PEER = {"EOFError", "BrokenPipeError", "ConnectionResetError", "ConnectionAbortedError"}


@dataclass
class Level:
    qualname: str
    message: str
    line_no: int  # 0-based line of the normalised text
    origin: str  # python | jvm | log | grpc | header
    extra: list[str] = field(default_factory=list)  # continuation lines of the message
    frames: list[str] = field(default_factory=list)  # first Java frames
    status: str | None = None  # gRPC status code
    sqlstate: str | None = None
    conditions: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]

    @property
    def text(self) -> str:
        return "\n".join([self.message, *self.extra]) if self.extra else self.message

    def key(self) -> tuple[str, str]:
        return self.name, self.message[:300]


@dataclass
class Chain:
    start: int
    level: str | None  # the record's log level
    uncaught: bool
    levels: list[Level] = field(default_factory=list)  # outer -> inner
    blocks: list[list[Frame]] = field(default_factory=list)  # Python blocks, innermost first
    text: str = ""

    @property
    def rank(self) -> int:
        if not self.levels:
            return -1
        base = {None: 3, "FATAL": 4, "CRITICAL": 4, "ERROR": 4, "SEVERE": 4, "WARN": 2, "INFO": 1, "NOTICE": 1}
        r = base.get(self.level, 0)
        if self.levels[-1].name in LOST_PEER:
            return min(r, 1)  # a process that lost its peer (a worker whose JVM died) shows a symptom, not the cause
        if self.uncaught:
            r += 2
        if any(lv.name == "Py4JJavaError" or lv.message.startswith("Job aborted") for lv in self.levels):
            r += 1
        return r


@dataclass
class Extract:
    innermost: Level | None = None
    surfaced: Level | None = None
    chain: list[Level] = field(default_factory=list)  # outer -> inner
    kind: str = "none"  # python | jvm | grpc | plain | none
    user_frame: str | None = None
    user_code: str | None = None
    conditions: list[str] = field(default_factory=list)  # innermost first
    sqlstate: str | None = None
    stage: str | None = None
    task: str | None = None
    executor: str | None = None
    records: int = 0
    text: str = ""  # the normalised text
    record_text: str = ""  # the deciding record's lines


def conditions_in(text: str) -> tuple[str, ...]:
    seen: list[str] = []
    for m in CONDITION_RX.finditer(text):
        c = m.group("cond")
        if c not in NOT_CONDITIONS and c not in seen:
            seen.append(c)
    return tuple(seen)


