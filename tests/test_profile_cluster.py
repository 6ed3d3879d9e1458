"""The profile on the standalone cluster (two executors in their own folders) gives the counts the
local session gives, on the same real files: the one pass's per-task partial counts add up."""
from __future__ import annotations

import pytest

from tests import profile_data as D
from tests.test_profile_connect import real_file_runs, same_as_local

pytestmark = pytest.mark.cluster


def test_cluster_counts_match_local(spark, standalone_cluster, tmp_path):
    runs = real_file_runs(tmp_path, 2)
    [(status, remote, _)] = standalone_cluster.call([("tests.remote_tasks:run_techniques", {"runs": runs})],
                                                    timeout=600)
    same_as_local(spark, runs, status, remote)
    assert remote[0].finding("nan", "body_mass_g").count == int(D.penguins().body_mass_g.isna().sum())
    assert remote[1].outcome == "filter_mismatch" and remote[1].rows_in_filter != remote[1].rows_by_meaning
