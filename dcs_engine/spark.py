"""The app's one SparkSession: created lazily, once per process, replaced on demand.

``SparkSettings`` is what the Connection page edits.  ``SparkManager.session()``
starts Spark only the first time a technique needs it.  A master URL is checked
before a JVM is asked to use it, so a typo or a dead standalone master gives a
clear :class:`SparkConnectionError` in seconds rather than a minute of retries.
"""
from __future__ import annotations

import os
import re
import socket
import sys
import threading
from dataclasses import dataclass

from .errors import SparkConnectionError

_MASTER_RE = re.compile(
    r"^(local(\[(\*|\d+)(,\s*\d+)?\])?|local-cluster\[\d+,\s*\d+,\s*\d+\]|yarn|"
    r"spark://[^\s/]+(,[^\s/]+)*|k8s://\S+|mesos://\S+|sc://\S+)$")


@dataclass(frozen=True)
class SparkSettings:
    master: str = "local[*]"
    app_name: str = "dcs-doctor"
    conf: tuple[tuple[str, str], ...] = ()

    @property
    def is_local(self) -> bool:
        return self.master.startswith("local")


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
                f"extra Spark conf, line {n}", expected="key=value", found=repr(line),
                fix="write one setting per line, e.g. spark.sql.shuffle.partitions=8")
        key, value = (s.strip() for s in line.split("=", 1))
        if not key.startswith("spark."):
            raise SparkConnectionError(
                f"extra Spark conf, line {n}", expected="a key starting with 'spark.'", found=repr(key),
                fix="use a Spark configuration key such as spark.executor.memory")
        out.append((key, value))
    return tuple(out)


def check_master(master: str, timeout: float = 3.0) -> None:
    """Refuse master URLs that cannot work, before the JVM tries them."""
    master = (master or "").strip()
    if not _MASTER_RE.match(master):
        raise SparkConnectionError(
            "Spark master URL", expected="local[*], local[N], spark://HOST:PORT, yarn or k8s://URL",
            found=repr(master), fix="correct the master URL on the Connection page")
    if master.startswith("spark://"):
        for hostport in master[len("spark://"):].split(","):
            host, _, port = hostport.rpartition(":")
            if not port.isdigit():
                raise SparkConnectionError(
                    "Spark master URL", expected="spark://HOST:PORT with a numeric port",
                    found=repr(master), fix="add the master's port, usually 7077")
            try:
                with socket.create_connection((host, int(port)), timeout=timeout):
                    return
            except OSError as exc:
                last = exc
        raise SparkConnectionError(
            "Spark master", expected=f"a standalone master listening at {master}",
            found=f"no answer ({last.__class__.__name__}: {last})",
            fix="start the master (see README: 'A local cluster') or correct host and port")


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


class SparkManager:
    """Process-wide owner of the SparkSession."""

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
            jsc = spark.sparkContext._jsc
            return jsc is not None and not jsc.sc().isStopped()
        except Exception:
            return False

    def session(self, settings: SparkSettings | None = None):
        """Return the running session, starting (or restarting) it as needed."""
        with self._lock:
            wanted = settings or self._settings or SparkSettings()
            if self._spark is not None and wanted == self._settings:
                if self.is_alive():
                    return self._spark
                raise SparkConnectionError(
                    "the Spark session", expected="a live JVM behind the Py4J gateway",
                    found="it stopped (the driver JVM died or was shut down; often memory)",
                    fix="start a new Spark session (button on the technique panel or the Connection page); "
                        "your evidence log is kept")
            check_master(wanted.master)  # refuse a bad URL before stopping a working session
            if self._spark is not None:
                self.stop()
            self._spark = self._start(wanted)
            self._settings = wanted
            return self._spark

    def adopt(self, spark, settings: SparkSettings | None = None) -> None:
        """Use a session created elsewhere (tests share one session-wide)."""
        with self._lock:
            self._spark = spark
            self._settings = settings or SparkSettings(master=spark.sparkContext.master,
                                                       app_name=spark.sparkContext.appName)

    def _start(self, settings: SparkSettings):
        check_master(settings.master)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        _set_worker_python(settings)
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.master(settings.master).appName(settings.app_name)
        for key, value in _builder_conf(settings).items():
            builder = builder.config(key, value)
        try:
            spark = builder.getOrCreate()
        except Exception as exc:  # the JVM refused: wrong master, bad conf, no Java
            from .triage import innermost_message

            raise SparkConnectionError(
                f"starting Spark at {settings.master}", expected="a running SparkSession",
                found=innermost_message(exc),
                fix="check the master URL and the extra conf on the Connection page") from exc
        spark.sparkContext.setLogLevel("ERROR")
        from .metrics import prime

        prime(spark.sparkContext)
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
            if spark is not None and not alive:
                _forget_dead_gateway()


    def info(self) -> ConnectionInfo:
        spark = self.session()
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
