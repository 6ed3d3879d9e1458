"""What the app and a diagnosis' worker process say to each other.

Every message is a frozen dataclass sent pickled over a private socket pair (a
``multiprocessing.connection.Connection``); nothing listens on a port.  The app sends
:class:`Init` once, then :class:`Request` / :class:`Cancel` / :class:`Shutdown`; the worker
answers with :class:`Ready`, then :class:`Update` (progress) and one :class:`Done` or
:class:`Failed` per request, and a :class:`Status` whenever its Spark session changes state.

A request names one operation of the allow-list :data:`OPS`; nothing else can be called.
Values and errors travel pickled inside the message (``blob``), so a value the app cannot
read fails its own request with a clear error instead of breaking the channel.
"""
from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from typing import Any

from dcs_engine.errors import ParameterError, TechniqueError, WorkerError
from dcs_engine.runtime.context import Progress
from dcs_engine.runtime.session import SparkSettings

#: The operations a worker offers, with what each needs and returns.
OPS: dict[str, str] = {
    "run_technique": "{technique, params} -> the technique's result (its frozen dataclass)",
    "check_lesson": "{lesson, code} -> the lesson's CheckResult",
    "connection_info": "{} -> ConnectionInfo of the diagnosis' Spark session (started if needed)",
    "describe_source": "{source} -> the SourceSchema (columns, types) of the data source, for pick-lists",
    "spark_state": "{} -> 'not started', 'starting', 'running' or 'dead'",
}

SPARK_STATES = ("not started", "starting", "running", "dead")


# -- app -> worker -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Init:
    owner: str
    settings: SparkSettings
    nice: int = 0          # added to the worker's niceness (its JVM inherits it): the pages stay responsive


@dataclass(frozen=True)
class Request:
    id: str
    op: str
    args: dict
    label: str


@dataclass(frozen=True)
class Cancel:
    id: str


@dataclass(frozen=True)
class Shutdown:
    reason: str = ""


# -- worker -> app -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Ready:
    pid: int
    python: str


@dataclass(frozen=True)
class Update:
    id: str
    progress: Progress
    phase: str  # "spark" (starting the session) or "run"


@dataclass(frozen=True)
class Done:
    id: str
    blob: bytes            # the pickled value
    elapsed_s: float
    spark_start_s: float | None = None  # set when this request started the session


@dataclass(frozen=True)
class Failed:
    id: str
    blob: bytes            # the pickled DcsError
    elapsed_s: float
    spark_start_s: float | None = None


@dataclass(frozen=True)
class Status:
    spark: str             # one of SPARK_STATES
    master: str            # as shown (a Connect token masked)
    jvm_pid: int | None = None


def pack(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def unpack(blob: bytes, what: str) -> Any:
    """The value in ``blob``; a :class:`TechniqueError` naming ``what`` when it cannot be read here."""
    try:
        return pickle.loads(blob)
    except Exception as exc:  # a class the app does not have, a broken reduce...
        raise TechniqueError(f"the answer to {what}", condition="TECHNIQUE_FAILED", params={"what": what},
                              expected="a value the app can read", found=f"{exc.__class__.__name__}: {exc}",
                              fix="report this: the result type does not travel between processes") from None


def check_op(op: str) -> None:
    if op not in OPS:
        raise WorkerError(f"worker operation {op!r}", condition="WORKER_OP_UNKNOWN", params={"op": op},
                          expected="one of " + ", ".join(OPS), found=repr(op),
                          fix="call one of the operations the worker offers")


# -- configuration (environment variables, with safe defaults) ---------------------------------

@dataclass(frozen=True)
class WorkerConfig:
    idle_s: float = 1800.0       # DCS_WORKER_IDLE_S: a warm worker with no work ends after this
    cancel_grace_s: float = 4.0  # DCS_CANCEL_GRACE_S: a run not stopped this long after Cancel ends its worker
    max_workers: int = 8         # DCS_MAX_WORKERS: worker processes at once (idle ones make room)
    runs_kept: int = 20          # DCS_RUNS_KEPT: finished runs kept per diagnosis for the pages
    start_timeout_s: float = 120.0  # DCS_WORKER_START_S: a new worker must say Ready within this
    nice: int = 5                # DCS_WORKER_NICE: workers (and their JVMs) yield the CPU to the app server

    ENV = {"idle_s": "DCS_WORKER_IDLE_S", "cancel_grace_s": "DCS_CANCEL_GRACE_S",
           "max_workers": "DCS_MAX_WORKERS", "runs_kept": "DCS_RUNS_KEPT",
           "start_timeout_s": "DCS_WORKER_START_S", "nice": "DCS_WORKER_NICE"}
    WHOLE = ("max_workers", "runs_kept", "nice")

    @classmethod
    def from_env(cls, env: dict | None = None) -> WorkerConfig:
        env = os.environ if env is None else env
        values = {}
        for name, var in cls.ENV.items():
            raw = str(env.get(var, "")).strip()
            if not raw:
                continue
            kind = int if name in cls.WHOLE else float
            try:
                value = kind(raw)
            except ValueError:
                value = None
            least = 0 if name == "nice" else 1e-9
            if value is None or value < least:
                what = "a whole number of 0 or more" if name == "nice" else \
                    f"a positive {'whole ' if kind is int else ''}number"
                raise ParameterError(f"environment variable {var}", condition="PARAM_INVALID",
                                     params={"param": var, "found": raw}, expected=what,
                                     found=repr(raw), fix=f"set {var} to e.g. {getattr(cls, name):g} or unset it")
            values[name] = value
        return cls(**values)
