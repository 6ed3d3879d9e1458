"""The engine's SparkSession: classic (a local or cluster driver) or a Spark Connect client.

``SparkSettings`` is what the Connection page edits.  ``SparkManager.session()`` starts Spark only
the first time a technique needs it.  A master URL is checked before Spark is asked to use it
(:mod:`dcs_engine.runtime.masters`: a dead endpoint is refused in seconds, not minutes); with no
master given, ``$SPARK_REMOTE`` is used when it is set.  A process is one kind of client at a
time: pyspark marks it as Connect once a remote session exists.
"""
from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass

from dcs_engine.errors import SparkConnectionError
from dcs_engine.runtime.masters import (  # noqa: F401  (re-exported: the session's callers use them)
    CONNECT_PARAMS,
    DEFAULT_CONNECT_PORT,
    ConnectURL,
    check_master,
    default_master,
    parse_connect_url,
)


@dataclass(frozen=True)
class SparkSettings:
    master: str = "local[*]"
    app_name: str = "dcs-doctor"
    conf: tuple[tuple[str, str], ...] = ()

    @property
    def is_local(self) -> bool:
        return self.master.startswith("local")

    @property
    def is_connect(self) -> bool:
        return self.master.startswith("sc://")

    @property
    def kind(self) -> str:
        return "connect" if self.is_connect else "classic"

    @property
    def shown_master(self) -> str:
        """The master as it may be shown or logged (a Connect token is masked)."""
        return parse_connect_url(self.master).redacted if self.is_connect else self.master


@dataclass(frozen=True)
class ConnectionInfo:
    spark_version: str
    master: str
    app_id: str
    app_name: str
    default_parallelism: int
    executors: tuple[str, ...]
    python_workers: str
    ui_url: str | None


def parse_conf(text: str) -> tuple[tuple[str, str], ...]:
    """Parse ``key=value`` lines (blank lines and ``#`` comments ignored)."""
    out = []
    for n, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise SparkConnectionError(
                f"extra Spark conf, line {n}", condition="SPARK_BAD_CONF", params={"line": n, "text": line},
                expected="key=value", found=repr(line),
                fix="write one setting per line, e.g. spark.sql.shuffle.partitions=8")
        key, value = (s.strip() for s in line.split("=", 1))
        if not key.startswith("spark."):
            raise SparkConnectionError(
                f"extra Spark conf, line {n}", condition="SPARK_BAD_CONF", params={"line": n, "key": key},
                expected="a key starting with 'spark.'", found=repr(key),
                fix="use a Spark configuration key such as spark.executor.memory")
        out.append((key, value))
    return tuple(out)


_ORIGINAL_PYSPARK_PYTHON = os.environ.get("PYSPARK_PYTHON")


def worker_python(settings: SparkSettings) -> str | None:
    """The interpreter Python workers will start: the conf's, the driver's for local mode, else the
    environment's (None: whatever ``python3`` is on the executors' PATH)."""
    explicit = dict(settings.conf).get("spark.pyspark.python")
    if explicit:
        return explicit
    if settings.is_local:
        return sys.executable
    return _ORIGINAL_PYSPARK_PYTHON


def _set_worker_python(settings: SparkSettings) -> None:
    # PySpark takes the workers' interpreter from $PYSPARK_PYTHON when a context is created from
    # Python; the conf key alone only works through spark-submit.  So mirror it into the environment.
    python = worker_python(settings)
    if python:
        os.environ["PYSPARK_PYTHON"] = python
    else:
        os.environ.pop("PYSPARK_PYTHON", None)
    if settings.is_local:
        os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable


def _builder_conf(settings: SparkSettings) -> dict[str, str]:
    conf = {
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.showConsoleProgress": "false",
        # a free port for the UI (and its REST API): each diagnosis' worker has a driver of its own, and
        # Spark tries only 16 ports from 4040 up -- too few on a shared server
        "spark.ui.port": "0",
        "spark.sql.shuffle.partitions": "8",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }
    if settings.is_local:
        # Without this, Python workers start whatever python3 is on PATH, which
        # may lack the driver's packages (pyarrow, the user's modules).
        conf["spark.pyspark.python"] = sys.executable
        conf["spark.pyspark.driver.python"] = sys.executable
    conf.update(dict(settings.conf))
    return conf


def is_connect_session(spark) -> bool:
    """Is ``spark`` a Spark Connect client session (no SparkContext, no RDDs)?"""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def _conf_get(spark, key: str, default: str = "") -> str:
    try:
        return spark.conf.get(key, default) or default
    except Exception:
        return default


class SparkManager:
    """Owner of the process's SparkSession (classic driver or Connect client)."""

    def __init__(self):
        self._lock = threading.RLock()
        self._spark = None
        self._settings: SparkSettings | None = None

    @property
    def settings(self) -> SparkSettings | None:
        return self._settings

    def is_started(self) -> bool:
        return self._spark is not None

    def is_alive(self) -> bool:
        spark = self._spark
        if spark is None:
            return False
        try:
            if is_connect_session(spark):
                return not spark.is_stopped
            jsc = spark.sparkContext._jsc
            return jsc is not None and not jsc.sc().isStopped()
        except Exception:
            return False

    def session(self, settings: SparkSettings | None = None):
        """Return the running session, starting (or restarting) it as needed."""
        with self._lock:
            wanted = settings or self._settings or SparkSettings(master=default_master())
            if self._spark is not None and wanted == self._settings:
                if self.is_alive():
                    return self._spark
                raise SparkConnectionError(
                    "the Spark session", condition="SPARK_SESSION_DEAD", params={"master": wanted.shown_master},
                    expected="a live JVM behind the Py4J gateway" if not wanted.is_connect
                    else "an open channel to the Spark Connect server",
                    found="it stopped (the driver JVM died or was shut down; often memory)" if not wanted.is_connect
                    else "the client session was stopped",
                    fix="start a new Spark session (button on the technique panel or the Connection page); "
                        "your evidence log is kept")
            check_master(wanted.master)  # refuse a bad URL before stopping a working session
            if self._spark is not None:
                self.stop()
            self._spark = self._start_connect(wanted) if wanted.is_connect else self._start(wanted)
            self._settings = wanted
            return self._spark

    def adopt(self, spark, settings: SparkSettings | None = None) -> None:
        """Use a session created elsewhere (tests share one session-wide)."""
        with self._lock:
            self._spark = spark
            if settings is None and not is_connect_session(spark):
                settings = SparkSettings(master=spark.sparkContext.master, app_name=spark.sparkContext.appName)
            self._settings = settings or SparkSettings(master="sc://adopted")

    def _start(self, settings: SparkSettings):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        for var in ("SPARK_CONNECT_MODE_ENABLED", "SPARK_REMOTE"):  # this process becomes a classic driver
            os.environ.pop(var, None)
        _set_worker_python(settings)
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.master(settings.master).appName(settings.app_name)
        for key, value in _builder_conf(settings).items():
            builder = builder.config(key, value)
        try:
            spark = builder.getOrCreate()
        except Exception as exc:  # the JVM refused: wrong master, bad conf, no Java
            raise _start_failed(settings, exc) from exc
        spark.sparkContext.setLogLevel("ERROR")
        from dcs_engine.runtime.metrics import prime

        prime(spark.sparkContext)
        return spark

    def _start_connect(self, settings: SparkSettings):
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.remote(settings.master)
        for key, value in settings.conf:
            builder = builder.config(key, value)
        try:
            spark = builder.create()
            spark.version  # noqa: B018 - one round trip: fail here, with the settings named
        except Exception as exc:
            raise _start_failed(settings, exc) from exc
        return spark

    def stop(self) -> None:
        with self._lock:
            alive = self.is_alive()
            spark, self._spark = self._spark, None
            if spark is not None and alive:
                try:
                    spark.stop()
                except Exception:
                    pass
            if spark is not None and not alive and not is_connect_session(spark):
                _forget_dead_gateway()

    def info(self) -> ConnectionInfo:
        spark = self.session()
        if is_connect_session(spark):
            return _connect_info(spark, self._settings)
        sc = spark.sparkContext
        try:
            infos = sc.statusTracker()._jtracker.getExecutorInfos()
            executors = tuple(f"{e.host()}:{e.port()}" for e in infos)
        except Exception:
            executors = ()
        return ConnectionInfo(
            spark_version=spark.version,
            master=sc.master,
            app_id=sc.applicationId,
            app_name=sc.appName,
            default_parallelism=sc.defaultParallelism,
            executors=executors,
            python_workers=sc.pythonExec if sc.pythonExec != "python3" else "python3 on the executors' PATH",
            ui_url=sc.uiWebUrl,
        )


def _start_failed(settings: SparkSettings, exc: BaseException) -> SparkConnectionError:
    from dcs_engine.triage import innermost_message

    return SparkConnectionError(
        f"starting Spark at {settings.shown_master}", condition="SPARK_START_FAILED",
        params={"master": settings.shown_master}, expected="a running SparkSession",
        found=innermost_message(exc), fix="check the master URL and the extra conf on the Connection page")


def _connect_info(spark, settings: SparkSettings | None) -> ConnectionInfo:
    """What a Connect client can learn about the server it talks to."""
    parallelism = _conf_get(spark, "spark.default.parallelism") or _conf_get(spark, "spark.sql.shuffle.partitions")
    return ConnectionInfo(
        spark_version=spark.version,
        master=settings.shown_master if settings else "sc://",
        app_id=_conf_get(spark, "spark.app.id", "(on the server)"),
        app_name=_conf_get(spark, "spark.app.name", "Spark Connect server"),
        default_parallelism=int(parallelism) if parallelism.isdigit() else 0,
        executors=(),
        python_workers="the server's spark.pyspark.python",
        ui_url=None,
    )


def _forget_dead_gateway() -> None:
    """After the JVM died, drop PySpark's cached gateway so a new session starts a new JVM."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    gateway = SparkContext._gateway
    try:
        if gateway is not None:
            gateway.shutdown()
    except Exception:
        pass
    SparkContext._gateway = None
    SparkContext._jvm = None
    SparkContext._active_spark_context = None
    SparkSession._instantiatedSession = None
    SparkSession._activeSession = None
    try:
        SparkSession._active_session = None  # name used by some versions
    except Exception:
        pass


MANAGER = SparkManager()
