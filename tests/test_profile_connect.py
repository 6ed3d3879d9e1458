"""The profile over Spark Connect gives the counts the local session gives, on the same real files."""
from __future__ import annotations

import pytest

from dcs_engine import registry
from tests import profile_data as D

pytestmark = pytest.mark.connect


def _counts(res) -> dict:
    cols = {c.name: (c.nulls, tuple((m.what, m.count) for m in c.missing), c.kinds,
                     c.outliers.count if c.outliers else None, tuple((lay.layout, lay.count) for lay in c.layouts))
            for c in res.columns}
    return {"rows": res.rows, "written": res.rows_in_filter, "rewritten": res.rows_in_rewritten,
            "meaning": res.rows_by_meaning, "outcome": res.outcome, "columns": cols,
            "findings": sorted((f.kind, f.column, f.count) for f in res.findings)}


def real_file_runs(tmp_path, n: int = 3) -> list:
    """Profile runs on real files: penguins parquet, seattle-weather CSV, stocks JSON lines (the first ``n``)."""
    def run(frame, name, fmt, where):
        return ("profile", {"source": {"kind": "path", "path": D.write(frame, tmp_path, name, fmt), "format": fmt,
                                       "where": where}})
    return [run(D.penguins(), "penguins", "parquet", "island = 'Biscoe'"),
            run(D.seattle_weather_raw(), "weather", "csv", "date > '2013-06-01'"),
            run(D.stocks(), "stocks", "jsonl", "date >= '2005/01/15'")][:n]


def same_as_local(spark, runs, status, remote) -> None:
    """Each remote result has the counts the local session gives for the same run."""
    assert status == "ok", remote
    for (tech, params), got in zip(runs, remote):
        assert not isinstance(got, BaseException), got
        local = registry.run_technique(tech, spark, params)
        assert _counts(got) == _counts(local), params["source"]["path"]


def test_connect_counts_match_local(spark, connect_server, tmp_path):
    runs = real_file_runs(tmp_path)
    [(status, remote, _)] = connect_server.call([("tests.remote_tasks:run_techniques", {"runs": runs})], timeout=480)
    same_as_local(spark, runs, status, remote)
    assert remote[0].finding("nan", "body_mass_g").count == int(D.penguins().body_mass_g.isna().sum())
    assert remote[1].outcome == "filter_mismatch"
