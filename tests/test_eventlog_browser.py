"""Real browser: the Production evidence page draws a real log's report as charts and cards."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests import eventlog_fixture

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def eventlogs(tmp_path_factory) -> dict:
    return eventlog_fixture.produce(tmp_path_factory)


def settle(page):
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)


def test_report_is_drawn(app_server, page, eventlogs, tmp_path):
    page.set_default_timeout(60_000)
    page.goto(f"{app_server}/eventlog")
    box = page.locator(".st-key-eventlog_target input")
    box.fill(str(Path(eventlogs["_root"]) / "apps"))
    box.press("Enter")
    settle(page)
    app = page.locator(".st-key-eventlog_app input")
    app.fill("dcs-pairs")
    app.press("Enter")
    settle(page)
    page.locator(".st-key-eventlog_go button").click()
    page.get_by_text("A Cartesian product in the plan").first.wait_for(timeout=120_000)
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.first.wait_for()
    assert charts.count() == 2                     # the stage timeline and the task-time distributions
    charts.first.locator("canvas, svg").first.wait_for()
    page.screenshot(path=str(tmp_path / "eventlog.png"), full_page=True)
    assert (tmp_path / "eventlog.png").stat().st_size > 20_000
    card = page.locator('[class*="st-key-eventlog_finding_"]').filter(has_text="A Cartesian product in the plan")
    card.locator("button").first.click()          # open the runbook at the finding's node
    page.get_by_role("heading", name="Root cause: exponential behaviour").wait_for(timeout=60_000)
    page.locator('[data-testid="stGraphVizChart"] svg g#n-c_exponential').wait_for()
