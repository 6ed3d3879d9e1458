"""Real browser, real public data: one diagnosis on the Palmer penguins (shipped by the
``palmerpenguins`` package, written to parquet here), the data chosen once and carried through
three technique nodes; the tree's labels are measured where the browser draws them."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.test_browser import TIMEOUT, click, settle

pytestmark = pytest.mark.browser

RATIO = '''def mass_per_bill(row):
    return row['body_mass_g'] / row['bill_length_mm']
'''
WHERE = "island = 'Biscoe'"


@pytest.fixture
def penguins(tmp_path):
    import palmerpenguins

    frame = palmerpenguins.load_penguins()
    path = tmp_path / "penguins.parquet"
    frame.to_parquet(path)
    return path, frame


def label_sizes(page) -> list[tuple[str, float]]:
    """(text, rendered height in CSS px) of every text in the nodes of the tree Streamlit draws."""
    svg = page.locator('[data-testid="stGraphVizChart"] svg').first
    svg.wait_for()
    return svg.evaluate("""s => Array.from(s.querySelectorAll('g.node text'))
        .map(t => [t.textContent, t.getBoundingClientRect().height])""")


def assert_readable(page, must_show: str) -> None:
    sizes = label_sizes(page)
    assert any(must_show in text for text, _ in sizes), sizes
    small = [(t, h) for t, h in sizes if h < 11]
    assert not small, f"labels drawn under 11 px: {small}"


def carried(page, path) -> None:
    """The data is the one chosen at the start: in the link and at the top of the step."""
    page.wait_for_url(re.compile(r"data_path="))
    query = parse_qs(urlparse(page.url).query)
    assert query["data"] == ["path"] and query["data_path"] == [str(path)] and query["data_where"] == [WHERE]
    page.get_by_text(f"Data under investigation: parquet at {path} where {WHERE}").first.wait_for()
    assert page.locator('[class*="st-key-p_"][class*="_source_"]').count() == 0   # nothing to retype


def choose_once(page, app_server, path) -> None:
    """Choose the data at the start (the box is open before a symptom is picked)."""
    page.goto(app_server)
    page.locator(".st-key-data_kind").get_by_text("A path").click()
    settle(page)
    page.locator(".st-key-data_path input").fill(str(path))
    page.locator(".st-key-data_where input").fill(WHERE)
    click(page, "data_use")
    page.wait_for_url(re.compile(r"data_path="), timeout=TIMEOUT)
    page.get_by_text(re.compile(r"8 column\(s\): species \(string\), island \(string\)")).first.wait_for()
    assert_readable(page, "Crash (a traceback)")


def take(page, path, frame) -> None:
    click(page, "sym_crash")
    click(page, "edge_5")
    page.wait_for_url(re.compile(r"node=t_take"))
    carried(page, path)
    assert_readable(page, "Take a few rows")
    click(page, "run")
    page.get_by_text(f"First 10 row(s) of parquet at {path} where {WHERE} (8 columns)").wait_for(timeout=TIMEOUT)
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    schema = page.locator('[data-testid="stCode"]').filter(has_text="bill_length_mm").first.text_content()
    assert all(f"{c}:" in schema for c in frame.columns), schema


def naughty_rows(page, path, rows: int, broken: int) -> None:
    """The user's function, typed once, on the same data."""
    settle(page)
    click(page, "edge_1")
    page.wait_for_url(re.compile(r"node=t_naughty_rows"))
    carried(page, path)
    code = page.locator(".st-key-fn_function_code textarea")
    code.fill(RATIO)
    code.press("Control+Enter")
    settle(page)
    click(page, "run")
    page.get_by_text("Rows scanned").first.wait_for(timeout=TIMEOUT)
    settle(page)
    metrics = page.locator('[data-testid="stMetric"]')
    assert metrics.filter(has_text="Rows scanned").inner_text().split()[-1] == f"{rows:,}"
    assert metrics.filter(has_text="Rows that raised").inner_text().split()[-1] == f"{broken:,}"
    page.get_by_text(re.compile(r"TypeError: unsupported operand type\(s\) for /")).first.wait_for()
    assert "mass_per_bill" in parse_qs(urlparse(page.url).query)["code.function"][0]


def profile(page, path, total: int, in_filter: int) -> None:
    """The result suggests data variance; then profile the same data."""
    settle(page)
    suggested = page.locator(".st-key-edge_0 button").first
    assert "➜" in suggested.inner_text()
    suggested.click()
    page.wait_for_url(re.compile(r"node=c_data_variance"))
    click(page, "edge_0")
    page.wait_for_url(re.compile(r"node=t_profile"))
    carried(page, path)
    assert_readable(page, "Profile data variance")
    click(page, "run")
    page.get_by_text(re.compile(rf"Variance in {total} rows")).first.wait_for(timeout=TIMEOUT)
    settle(page)
    where_metric = page.locator('[data-testid="stMetric"]').filter(has_text=f"where {WHERE}")
    assert where_metric.inner_text().split()[-1] == f"{in_filter:,}"


def test_one_real_data_diagnosis_carries_its_source(app_server, page, penguins):
    path, frame = penguins
    biscoe = frame[frame.island == "Biscoe"]
    broken = int((biscoe.body_mass_g.isna() | biscoe.bill_length_mm.isna()).sum())   # counted by pandas
    page.set_default_timeout(60_000)
    choose_once(page, app_server, path)
    take(page, path, frame)
    naughty_rows(page, path, len(biscoe), broken)
    profile(page, path, len(frame), len(biscoe))
    # The whole tree is a click away, drawn on the server, zoomable, centred on the current step.
    settle(page)
    page.locator(".st-key-tree_all label").first.click()
    tree = page.frame_locator("iframe").first
    tree.locator("svg g#n-t_profile").wait_for()
    assert "current" in (tree.locator("svg g#n-t_profile").get_attribute("class") or "")
