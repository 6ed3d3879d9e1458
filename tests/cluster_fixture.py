"""A real Spark standalone cluster on 127.0.0.1 for ``@pytest.mark.cluster`` tests.

One master and two workers (1 core, 1g each) started from the pip package's
``bin/spark-class``, with their work directories under a tmp dir (never the
driver's cwd) and without the test process's PYTHONPATH/PYSPARK_PYTHON, so the
executors see only what a real cluster would.  Session-scoped: started by the
first test that asks for ``standalone_cluster``, stopped by PID at the end.

The shared local SparkSession cannot talk to it (one SparkContext per JVM), so
tests run their driver in a subprocess: :meth:`Cluster.call`.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spark_home() -> str:
    import pyspark

    return os.path.dirname(pyspark.__file__)


def cluster_env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON", "SPARK_HOME")}
    env.update(SPARK_HOME=spark_home(), SPARK_LOCAL_IP="127.0.0.1")
    return env


@dataclass
class Cluster:
    master_url: str
    ui_url: str
    base: Path
    procs: list = field(default_factory=list)

    def workers_alive(self) -> int:
        try:
            with urllib.request.urlopen(f"{self.ui_url}/json", timeout=3) as r:
                state = json.load(r)
        except (OSError, ValueError):  # not up yet, or still serving its HTML page while it starts
            return 0
        return sum(1 for w in state.get("workers", []) if w.get("state") == "ALIVE")

    def call(self, calls: list[tuple[str, dict]], timeout: float = 400) -> list:
        """Run ``fn(spark, **kwargs)`` for each ``("module:function", kwargs)`` in one driver process on this
        cluster (see tests/spark_call.py); ``[(status, value, seconds), ...]``."""
        from tests.connect_fixture import call_in_subprocess

        conf = {"spark.executor.memory": "512m", "spark.pyspark.python": sys.executable, "spark.cores.max": "2",
                "spark.task.maxFailures": "2"}
        cwd = self.base / f"driver-{len(list(self.base.glob('driver-*')))}"
        cwd.mkdir()
        return call_in_subprocess(self.master_url, calls, cwd, timeout, conf, env=cluster_env())

    def stop(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in reversed(self.procs):
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)


def start_cluster(base: Path, workers: int = 2, master_port: int | None = None, ui_port: int | None = None,
                  timeout: float = 120) -> Cluster:
    base.mkdir(parents=True, exist_ok=True)
    cls = os.path.join(spark_home(), "bin", "spark-class")
    env = cluster_env()
    port, ui = master_port or free_port(), ui_port or free_port()
    cluster = Cluster(f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{ui}", base)

    def launch(args, name):
        log = open(base / f"{name}.log", "w")
        proc = subprocess.Popen([cls, *args], cwd=base, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        cluster.procs.append(proc)
        return proc

    try:
        launch(["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
                "--webui-port", str(ui)], "master")
        for i in range(workers):
            work = base / f"worker-{i}"
            work.mkdir(exist_ok=True)
            launch(["org.apache.spark.deploy.worker.Worker", cluster.master_url, "--cores", "1", "--memory", "1g",
                    "--work-dir", str(work), "--webui-port", str(free_port()), "--host", "127.0.0.1"], f"worker-{i}")
        deadline = time.time() + timeout
        while cluster.workers_alive() < workers:
            dead = [p for p in cluster.procs if p.poll() is not None]
            if dead or time.time() > deadline:
                logs = "\n".join((base / f).read_text()[-2000:] for f in os.listdir(base) if f.endswith(".log"))
                raise RuntimeError(f"standalone cluster did not come up ({cluster.workers_alive()} worker(s) "
                                   f"alive):\n{logs}")
            time.sleep(1)
    except BaseException:
        cluster.stop()
        raise
    return cluster


@pytest.fixture(scope="session")
def standalone_cluster(tmp_path_factory):
    cluster = start_cluster(tmp_path_factory.mktemp("spark-cluster"))
    try:
        yield cluster
    finally:
        cluster.stop()
