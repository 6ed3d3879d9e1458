"""A real Spark Connect server on 127.0.0.1, started from the pinned pyspark, for Connect tests.

The server jar ships in the pyspark wheel; ``bin/spark-submit --class ...SparkConnectServer`` runs it
with a ``local[2]`` backend.  Its Python workers use this interpreter (so UDFs see the venv's packages,
but not this checkout: the engine's code must travel with the tasks, as on a real server), and it binds
gRPC and its UI to loopback only.  Session-scoped: the first test that asks for ``connect_server``
starts it; it is stopped by its process group at the end.

Clients run in a subprocess (:meth:`ConnectServer.call`): once a process has a Connect session,
pyspark treats the whole process as a Connect client and the suite's classic session could no
longer be re-created there.
"""
from __future__ import annotations

import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cluster_fixture import free_port, spark_home

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"


@dataclass
class ConnectServer:
    url: str
    port: int
    ui_port: int
    log: Path
    proc: subprocess.Popen

    def call(self, calls: list[tuple[str, dict]], timeout: float = 300, conf: dict | None = None) -> list:
        """Run ``fn(spark, **kwargs)`` for each ``("module:function", kwargs)`` in one Connect client process.

        Returns ``[(status, value, seconds), ...]`` with status ``ok`` or ``error`` (value: the exception)."""
        return call_in_subprocess(self.url, calls, self.log.parent, timeout, conf)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def start_connect_server(base: Path, conf: dict[str, str] | None = None, timeout: float = 120) -> ConnectServer:
    """Start a Connect server and wait until its gRPC port accepts connections."""
    base.mkdir(parents=True, exist_ok=True)
    port, ui = free_port(), free_port()
    settings = {
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.port": str(ui),
        "spark.pyspark.python": sys.executable,
        "spark.sql.shuffle.partitions": "4",
        **(conf or {}),
    }
    args = [os.path.join(spark_home(), "bin", "spark-submit"), "--class", SERVER_CLASS, "--master", "local[2]"]
    for key, value in settings.items():
        args += ["--conf", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SPARK_REMOTE")}
    env.update(SPARK_HOME=spark_home(), SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable)
    log = base / "connect-server.log"
    proc = subprocess.Popen(args, cwd=base, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    server = ConnectServer(f"sc://127.0.0.1:{port}", port, ui, log, proc)
    deadline = time.time() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            server.stop()
            raise RuntimeError(f"Spark Connect server did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)


@pytest.fixture(scope="session")
def connect_server(tmp_path_factory):
    server = start_connect_server(tmp_path_factory.mktemp("spark-connect"))
    try:
        yield server
    finally:
        server.stop()


def call_in_subprocess(master: str, calls, workdir: Path, timeout: float = 300, conf: dict | None = None,
                       env: dict | None = None) -> list:
    """Run each ``(fn_ref, kwargs)`` as ``fn(spark, **kwargs)`` in a fresh driver/client process for ``master``."""
    import tempfile

    root = Path(__file__).resolve().parents[1]
    task = {"master": master, "conf": sorted((conf or {}).items()),
            "calls": [{"fn": fn, "kwargs": kwargs} for fn, kwargs in calls]}
    env = {k: v for k, v in (env or os.environ).items() if k not in ("SPARK_REMOTE", "SPARK_CONNECT_MODE_ENABLED")}
    env.update(PYTHONUNBUFFERED="1", SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable)
    fd, out = tempfile.mkstemp(suffix=".pickle", dir=workdir)
    os.close(fd)
    proc = subprocess.run([sys.executable, str(root / "tests" / "spark_call.py"), json.dumps(task), out],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)
    data = Path(out).read_bytes()
    os.unlink(out)
    if proc.returncode != 0 or not data:
        raise AssertionError(f"spark_call failed (rc {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    outcomes = pickle.loads(data)
    return outcomes[1:]
