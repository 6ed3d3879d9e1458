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


def test_connect_counts_match_local(spark, connect_server, tmp_path):
    runs = [
        ("profile", {"source": {"kind": "path", "path": D.write(D.penguins(), tmp_path, "penguins", "parquet"),
                                "format": "parquet", "where": "island = 'Biscoe'"}}),
        ("profile", {"source": {"kind": "path", "path": D.write(D.seattle_weather_raw(), tmp_path, "weather", "csv"),
                                "format": "csv", "where": "date > '2013-06-01'"}}),
        ("profile", {"source": {"kind": "path", "path": D.write(D.stocks(), tmp_path, "stocks", "jsonl"),
                                "format": "jsonl", "where": "date >= '2005/01/15'"}}),
    ]
    [(status, remote, _)] = connect_server.call([("tests.remote_tasks:run_techniques", {"runs": runs})], timeout=480)
    assert status == "ok", remote
    for (tech, params), got in zip(runs, remote):
        assert not isinstance(got, BaseException), got
        local = registry.run_technique(tech, spark, params)
        assert _counts(got) == _counts(local), params["source"]["path"]
    assert remote[0].finding("nan", "body_mass_g").count == int(D.penguins().body_mass_g.isna().sum())
    assert remote[1].outcome == "filter_mismatch"
