"""Shared fixtures: one real local SparkSession for the whole run.

When CI=true, a skipped test is turned into a failure: browser and cluster
tests must run there.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest_plugins = ["tests.cluster_fixture", "tests.connect_fixture"]  # standalone cluster; Spark Connect server

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
# Stored incidents of a test run go to a throw-away data dir, never the checkout's .dcs/; tests read their
# own files from the temp folder, so it is a path root besides the checkout (tests of the roots set their own).
# Under pytest-xdist each worker process gets its own data dir (a worker inherits the controller's environment).
if "DCS_DATA_DIR" not in os.environ or os.environ.get("DCS_TEST_DATA_OWNER") not in (None, str(os.getpid())):
    import tempfile

    os.environ["DCS_DATA_DIR"] = tempfile.mkdtemp(prefix="dcs-test-data-")
    os.environ["DCS_TEST_DATA_OWNER"] = str(os.getpid())
    os.environ.setdefault("DCS_PATH_ROOTS", f"{tempfile.gettempdir()},{ROOT}")
os.environ["PYSPARK_PYTHON"] = sys.executable
os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable


@pytest.fixture(scope="session")
def spark():
    """The one local SparkSession, also adopted by the engine's manager."""
    from dcs_engine.runtime.session import MANAGER, SparkSettings

    settings = SparkSettings(master="local[2]", app_name="dcs-doctor-tests",
                             conf=(("spark.sql.shuffle.partitions", "4"),))
    session = MANAGER.session(settings)
    yield session


SHARED_OWNER = "t-shared"


@pytest.fixture(scope="session")
def worker_owner():
    """A diagnosis whose worker process (local[2]) stays warm for the whole run: tests that only need
    *a* diagnosis share it (a worker costs a JVM start); tests about isolation make their own."""
    from dcs_engine import service
    from dcs_engine.runtime.session import SparkSettings

    service.connect(SHARED_OWNER, SparkSettings(master="local[2]", app_name="dcs-doctor-tests",
                                                conf=(("spark.sql.shuffle.partitions", "4"),)))
    return SHARED_OWNER


@pytest.fixture(scope="session", autouse=True)
def _end_workers():
    """No worker process (nor its JVM) outlives the test run."""
    yield
    from dcs_engine.runtime.workers import pool

    pool().shutdown()



# Tests that share one expensive session-scoped server run in one pytest-xdist worker (`--dist loadgroup`):
# one standalone cluster, one Spark Connect server, one `streamlit run` for the browser tests.
SHARED_SERVERS = (("standalone_cluster", "cluster"), ("connect_server", "connect"), ("app_server", "browser"))


def pytest_collection_modifyitems(config, items):
    for item in items:
        names = getattr(item, "fixturenames", ())
        group = next((g for fixture, g in SHARED_SERVERS if fixture in names), None)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI", "").lower() == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = ("skipped under CI=true, where every test (browser and cluster included) must run: "
                           f"{report.longrepr}")


# --- real browser (pytest-playwright + Debian's chromium) --------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost"]}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerURL(str):
    """The server's base URL, with the server's process id (``.pid``) for tests that look at it."""

    pid: int


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """`streamlit run app.py` on a free loopback port; yields its base URL (a :class:`ServerURL`).

    Every browser session is a diagnosis with a worker process (a JVM each): at most 4 at once here,
    idle ones ending after 2 minutes, so the browser tests do not pile up JVMs."""
    import subprocess
    import time
    import urllib.request

    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1",
           "DCS_MAX_WORKERS": "4", "DCS_WORKER_IDLE_S": "120"}
    env.pop("DCS_RUNBOOK", None)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = ServerURL(f"http://127.0.0.1:{port}")
    url.pid = proc.pid
    try:
        deadline = time.time() + 90
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"streamlit did not start: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()     # the server ends its workers on the way out; a worker also ends with its app
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
