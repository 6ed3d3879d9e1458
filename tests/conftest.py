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

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ["PYSPARK_PYTHON"] = sys.executable
os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable


@pytest.fixture(scope="session")
def spark():
    """The one local SparkSession, also adopted by the engine's manager."""
    from dcs_engine.spark import MANAGER, SparkSettings

    settings = SparkSettings(master="local[2]", app_name="dcs-doctor-tests",
                             conf=(("spark.sql.shuffle.partitions", "4"),))
    session = MANAGER.session(settings)
    yield session




@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI", "").lower() == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where every test (browser and cluster included) must run: {report.longrepr}"
