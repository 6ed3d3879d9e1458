"""The profile on the standalone cluster (two executors in their own folders) gives the counts the
local session gives, on the same real files: the one pass's per-task partial counts add up."""
from __future__ import annotations

import pytest

from dcs_engine import registry
from tests import profile_data as D
from tests.test_profile_connect import _counts

pytestmark = pytest.mark.cluster


def test_cluster_counts_match_local(spark, standalone_cluster, tmp_path):
    runs = [
        ("profile", {"source": {"kind": "path", "path": D.write(D.penguins(), tmp_path, "penguins", "parquet"),
                                "format": "parquet", "where": "island = 'Biscoe'"}}),
        ("profile", {"source": {"kind": "path", "path": D.write(D.seattle_weather_raw(), tmp_path, "weather", "csv"),
                                "format": "csv", "where": "date > '2013-06-01'"}}),
    ]
    [(status, remote, _)] = standalone_cluster.call([("tests.remote_tasks:run_techniques", {"runs": runs})],
                                                    timeout=600)
    assert status == "ok", remote
    for (tech, params), got in zip(runs, remote):
        assert not isinstance(got, BaseException), got
        local = registry.run_technique(tech, spark, params)
        assert _counts(got) == _counts(local), params["source"]["path"]
    assert remote[0].finding("nan", "body_mass_g").count == int(D.penguins().body_mass_g.isna().sum())
    assert remote[1].outcome == "filter_mismatch" and remote[1].rows_in_filter != remote[1].rows_by_meaning
