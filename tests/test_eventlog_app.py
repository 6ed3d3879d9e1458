"""AppTest: the Production evidence page reads real logs, shows failures and findings, and opens the runbook."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import eventlog_fixture

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "app_pages/eventlog.py"


@pytest.fixture(scope="session")
def eventlogs(tmp_path_factory) -> dict:
    return eventlog_fixture.produce(tmp_path_factory)


def page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def finish(at: AppTest, key: str) -> AppTest:
    """Wait for the page's background run (a busy machine can outlast one script run), then draw it."""
    from dcs_engine import service

    run = service.get_eventlog_run(at.session_state[key]) if key in at.session_state else None
    if run is not None:
        assert run.wait(400), f"{run.label} still running: {run.text}"
        at.run()
    assert not at.exception, at.exception
    return at


def read(at: AppTest, target: str, app: str = "") -> AppTest:
    at.text_input(key="eventlog_target").input(target)
    at.text_input(key="eventlog_app").input(app)
    at.button(key="eventlog_go").click().run()
    return finish(at, "eventlog_run_id")


def test_failed_run_opens_the_runbook_at_the_triaged_node(eventlogs):
    info = eventlogs["udf_fail"]
    at = read(page(), str(Path(info["dir"])), info["app_id"])
    assert any("AttributeError" in e.value for e in at.error), [e.value for e in at.error]
    assert any("first failure" in m.value for m in at.markdown)
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert charts, "the stage timeline and task distributions are drawn"
    logged = [e for e in at.session_state["evidence"] if e.node_id == "eventlog"]
    assert len(logged) == 1 and "AttributeError" in logged[0].result_md
    at.button(key="eventlog_fail_0").click().run()
    walk = at.session_state["walk"]
    assert walk.current == "c_data_variance" and walk.path[0] == "crash"


def test_finding_prefills_the_technique(eventlogs, tmp_path, monkeypatch):
    limits = tmp_path / "small.yaml"
    limits.write_text("data_skew:\n  min_max_bytes: {value: 65536}\n")
    monkeypatch.setenv("DCS_EVENTLOG_THRESHOLDS", str(limits))
    info = eventlogs["skew"]
    at = read(page(), info["dir"], "dcs-skew")
    from dcs_engine import service

    report = service.get_eventlog_run(at.session_state["eventlog_run_id"]).result
    i = next(i for i, f in enumerate(report.findings) if f.rule == "data_skew")
    assert any("far more data" in m.value for m in at.markdown)
    at.button(key=f"eventlog_open_{i}").click().run()
    assert at.session_state["walk"].current == "t_skew"
    form = at.session_state["forms"]["t_skew"]
    assert form["keys"].startswith("client_id") and form["source"]["path"].endswith("work/skew/hotkey")


def test_bad_input_and_a_directory_of_many(eventlogs):
    at = read(page(), "/nowhere/at/all")
    assert any("[DCS110]" in e.value for e in at.error)
    at = page()
    at.text_input(key="eventlog_target").input(str(Path(eventlogs["_root"]) / "apps")).run()
    at.button(key="eventlog_list").click().run()
    assert any("dcs-spill" in c.value for c in at.caption)
    assert at.text_input(key="eventlog_target").value.endswith("apps")   # nothing typed is lost


def test_compare_tab(eventlogs):
    at = page()
    at.text_input(key="cmp_a_target").input(eventlogs["compare_a"]["dir"])
    at.text_input(key="cmp_b_target").input(eventlogs["compare_b"]["dir"])
    at.button(key="compare_go").click().run()
    finish(at, "compare_run_id")
    shown = [w.value for w in at.warning] + [s.value for s in at.success] + [e.value for e in at.error]
    assert any("first stage whose cost grew more than its input" in w.value for w in at.warning), shown
    assert any(e.node_id == "compare" for e in at.session_state["evidence"])
