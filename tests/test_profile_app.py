"""AppTest: the profile's result page draws a real report (counts side by side, findings, columns, details)."""
from __future__ import annotations

import pickle

from streamlit.testing.v1 import AppTest

from dcs_engine import registry
from tests import profile_data as D


def _page(path: str) -> None:
    import pickle
    import sys
    from pathlib import Path

    root = str(Path.cwd())
    if root not in sys.path:
        sys.path.insert(0, root)
    from app_pages import results

    with open(path, "rb") as f:
        results.render("profile", pickle.load(f))


def test_result_page_draws_a_real_profile(spark, tmp_path):
    frame = D.seattle_weather_raw()
    frame.loc[::50, "precipitation"] = float("nan")
    src = {"kind": "path", "path": D.write(frame, tmp_path, "weather", "parquet"), "format": "parquet",
           "where": "date > '2013-06-01'"}
    rep = registry.run_technique("profile", spark, {"source": src})
    path = tmp_path / "report.pkl"
    path.write_bytes(pickle.dumps(rep))
    at = AppTest.from_function(_page, args=(str(path),), default_timeout=120).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows without the filter"] == f"{len(frame):,}"
    assert metrics["where date > '2013-06-01' (as written)"] == f"{int((frame.date > '2013-06-01').sum()):,}"
    assert metrics["where date > '2013/06/01' (rewritten)"] == f"{rep.rows_by_meaning:,}"
    assert any("literal_mismatch" in e.value for e in at.error)
    nan = int(frame.precipitation.isna().sum())
    assert any("**nan** `precipitation`" in w.value and f"{nan:,} of {len(frame):,}" in w.value for w in at.warning)
    assert len(at.expander) == len(rep.columns)
    assert len(at.dataframe) >= 2 + len(rep.columns)
