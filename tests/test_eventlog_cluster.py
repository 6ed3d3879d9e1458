"""A standalone-cluster application whose executor is killed: the log shows the loss and the recovery."""
from __future__ import annotations

import pytest

from dcs_engine.eventlog import analyze
from tests import eventlog_fixture

pytestmark = pytest.mark.cluster


def test_killed_executor(standalone_cluster, tmp_path):
    got = eventlog_fixture.run_driver(tmp_path, ["executor_kill"], master=standalone_cluster.master_url)
    info = got["executor_kill"]
    assert info["note"] == 2000                          # the job still counted every row
    r = analyze(info["dir"], app=info["app_id"])
    assert r.app.master.startswith("spark://") and r.read.codec == "zstd"
    lost = [g for g in r.failures if g.reason == "ExecutorLostFailure"]
    removed = [g for g in r.failures if g.kind == "executor"]
    assert lost and removed, [(g.kind, g.reason, g.headline) for g in r.failures]
    assert r.first_failure in lost + removed and not r.failed and "recovered" in r.headline
    gone = next(e for e in r.executors if e.removed_reason)
    assert gone.executor_id in removed[0].executors and gone.removed_ms is not None
    assert all(j.status == "succeeded" for j in r.jobs)
    assert len({e.executor_id for e in r.executors}) >= 3   # two at the start, one relaunched by the worker
