"""Real browser: Debian chromium driven by Playwright against `streamlit run`."""
import re

import pytest

pytestmark = pytest.mark.browser

TIMEOUT = 300_000  # each browser session starts its own worker process and Spark session (a JVM) on its first run


def settle(page):
    """Wait until the app has finished its current rerun."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)


def click(page, key: str):
    settle(page)
    page.locator(f".st-key-{key} button").first.click()


def type_into(page, key: str, text: str):
    box = page.locator(f".st-key-{key} input")
    box.fill(text)
    box.press("Enter")
    settle(page)


def test_crash_to_take_on_demo_data(app_server, page, tmp_path):
    page.set_default_timeout(60_000)
    page.goto(app_server)
    click(page, "sym_crash")
    page.wait_for_url(re.compile(r"path=crash"))
    click(page, "edge_5")            # → "I want to look at the data first": take a few rows
    page.wait_for_url(re.compile(r"node=t_take"))
    type_into(page, "p_t_take_source_rows", "2000")
    type_into(page, "p_t_take_source_where", "active_experiment_id is not null")
    click(page, "run")
    table = page.locator('[data-testid="stDataFrame"]')
    table.wait_for(timeout=TIMEOUT)
    page.get_by_text(re.compile(r"First 10 row\(s\) of demo dataset 'telemetry' \(2,000 rows")).wait_for()
    # The tree is drawn in the browser: the current node and the taken path are in the SVG.
    svg = page.locator('[data-testid="stGraphVizChart"] svg')
    svg.wait_for()
    assert svg.locator("g#n-t_take").count() == 1
    assert "current" in (svg.locator("g#n-t_take").get_attribute("class") or "")
    assert svg.locator("g.node.visited").count() == 1
    page.screenshot(path=str(tmp_path / "take.png"), full_page=True)
    assert (tmp_path / "take.png").stat().st_size > 10_000
    # A link to this step reopens it in a fresh browser session.
    url = page.url
    other = page.context.browser.new_page()
    other.goto(url)
    other.locator(".st-key-run button").wait_for(timeout=60_000)
    assert other.get_by_role("heading", name="Take a few rows").count() == 1
    other.close()


def test_runbook_upload_refuses_bad_file_and_keeps_tree(app_server, page, tmp_path):
    page.set_default_timeout(60_000)
    bad = tmp_path / "team.yaml"
    bad.write_text("title: team\nnodes:\n  - {id: a, kind: symptom, title: A, text: t, edges: [{to: zz, label: go}]}\n")
    page.goto(f"{app_server}/runbook")
    page.locator(".st-key-rb_upload input[type=file]").set_input_files(str(bad))
    click(page, "rb_load")
    page.get_by_text("team.yaml → node 'a' → edges[0] → to: unknown target").wait_for()
    page.get_by_text("Loaded: dcs-doctor built-in runbook").wait_for()
    good = tmp_path / "team2.yaml"
    good.write_text("title: team tree\nextends: builtin\nnodes:\n"
                    "  - {id: crash, kind: symptom, title: Team crash, text: ours, "
                    "edges: [{to: oncall, label: page}]}\n"
                    "  - {id: oncall, kind: fix, title: Page on-call, text: call}\n")
    page.locator(".st-key-rb_upload input[type=file]").set_input_files(str(good))
    click(page, "rb_load")
    page.get_by_text("Loaded team tree").wait_for()


def test_triage_page_pasted_py4j_error_jumps_into_the_tree(app_server, page):
    from pathlib import Path

    page.set_default_timeout(60_000)
    text = (Path(__file__).parent / "fixtures" / "tracebacks" / "spark2_ipython_attribute_error.txt").read_text()
    page.goto(f"{app_server}/triage")
    box = page.locator(".st-key-triage_text textarea")
    box.fill(text)
    box.press("Control+Enter")
    click(page, "triage_go")
    page.get_by_text("AttributeError: 'NoneType' object has no attribute 'startswith'").first.wait_for()
    page.get_by_text(re.compile("data variance")).first.wait_for()
    page.get_by_text(re.compile("Find the rows that break the function")).first.wait_for()
    click(page, "triage_to_tree")
    page.wait_for_url(re.compile(r"node=c_data_variance"))
    page.get_by_role("heading", name="Root cause: data variance").wait_for()


def test_branch_counting_on_the_sessionisation_demo(app_server, page):
    page.set_default_timeout(60_000)
    page.goto(f"{app_server}/?node=t_branch_count&path=wrong_results.q_unexpected.c_control_flow.t_branch_count")
    page.get_by_role("heading", name="Count branches").wait_for()
    type_into(page, "p_t_branch_count_source_rows", "1000")
    click(page, "run")
    page.get_by_text("Annotated source").wait_for(timeout=TIMEOUT)
    page.get_by_text(re.compile(r"Surprise: 1 expectation\(s\) failed")).wait_for()
    code = page.locator('[data-testid="stCode"]').filter(has_text="def to_sessions(client_pings)")
    assert re.search(r"\d+\s+\d+\.\d%\s+\|\s+except Exception:", code.inner_text())
    # the result suggests the edge to the control-flow fix
    settle(page)
    assert "➜" in page.locator(".st-key-edge_0 button").first.inner_text()


E10S = '''def is_e10s_experiment(row):
    return row['active_experiment_id'].startswith('e10s')
'''


def test_naughty_rows_finds_the_e10s_none_and_the_tree_moves_to_data_variance(app_server, page):
    page.set_default_timeout(60_000)
    page.goto(app_server)
    click(page, "sym_crash")
    click(page, "edge_0")            # → "in my own row-level code": filter for naughty rows
    page.wait_for_url(re.compile(r"node=t_naughty_rows"))
    type_into(page, "p_t_naughty_rows_source_rows", "3000")
    code = page.locator(".st-key-p_t_naughty_rows_code textarea")
    code.fill("")
    code.fill(E10S)
    code.press("Control+Enter")
    settle(page)
    click(page, "run")
    page.get_by_text(re.compile(r"Rows scanned")).first.wait_for(timeout=TIMEOUT)
    settle(page)
    page.get_by_text(re.compile(r"AttributeError: 'NoneType' object has no attribute 'startswith'")).first.wait_for()
    assert page.locator('[data-testid="stDataFrame"]').count() >= 2   # signature table + example rows
    settle(page)
    suggested = page.locator(".st-key-edge_0 button").first
    assert "➜" in suggested.inner_text() and "Problem rows found" in suggested.inner_text()
    suggested.click()
    page.wait_for_url(re.compile(r"node=c_data_variance"))
    page.get_by_role("heading", name="Root cause: data variance").wait_for()


SLOW = '''def slow_but_fine(row):
    import time
    time.sleep(0.001)
    return True
'''


NEVER_ENDS = '''def waits_forever_on_executors(row):
    from pyspark import TaskContext
    if TaskContext.get() is not None:
        import time
        time.sleep(3600)
    return True
'''


def _start_slow_run(page, app_server, rows: str, source: str = SLOW):
    page.set_default_timeout(60_000)
    page.goto(f"{app_server}/?node=t_naughty_rows&path=crash.t_naughty_rows")
    type_into(page, "p_t_naughty_rows_source_rows", rows)
    code = page.locator(".st-key-p_t_naughty_rows_code textarea")
    code.fill(source)
    code.press("Control+Enter")
    settle(page)
    page.locator(".st-key-run button").first.click()
    page.locator('[data-testid="stProgress"]').first.wait_for(timeout=TIMEOUT)


def test_cancel_in_one_browser_session_leaves_the_other_running(app_server, browser):
    a = browser.new_context().new_page()
    b = browser.new_context().new_page()
    _start_slow_run(a, app_server, "12000", NEVER_ENDS)   # it cannot finish before Cancel, however slow B's start
    _start_slow_run(b, app_server, "12000")
    # Cancel once A's run works on Spark: a Cancel while its worker or session still starts is another case
    # ("cancelled before it started", or its worker ended after the grace time), not the one tested here.
    a.get_by_text(re.compile(r"· Running: ")).first.wait_for(timeout=TIMEOUT)
    a.locator(".st-key-cancel button").first.click()
    a.get_by_text("cancelled by the user").first.wait_for(timeout=TIMEOUT)
    b.get_by_text(re.compile(r"Rows scanned")).first.wait_for(timeout=TIMEOUT)
    b.get_by_text("12,000").first.wait_for()
    assert a.get_by_text("Rows scanned").count() == 0
    a.context.close()
    b.context.close()


def test_scale_steps_on_the_all_pairs_demo_draws_the_growth_plot_and_flags_it(app_server, page):
    page.set_default_timeout(60_000)
    page.goto(app_server)
    click(page, "sym_slow")
    click(page, "edge_2")            # "Not sure: measure how the time grows with the data"
    page.wait_for_url(re.compile(r"node=t_scale_steps"))
    type_into(page, "p_t_scale_steps_repeats", "2")
    click(page, "run")
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.wait_for(timeout=TIMEOUT)
    settle(page)
    assert chart.locator("svg, canvas").count() >= 1
    page.get_by_text(re.compile(r"Super-linear: [a-zA-Z ]*grows as rows\^")).first.wait_for()
    # the suggested edge is "Time grows faster than the data"
    assert "➜" in page.locator(".st-key-edge_1 button").first.inner_text()


EXIT_CODE = "import os\nos._exit(1)\n\ndef f(row):\n    return True\n"


def test_os_exit_in_one_session_ends_only_its_worker_and_the_server_goes_on(app_server, browser):
    """The pasted code runs in session A's worker: A is told its worker ended; session B, and the
    server, go on.  The server process has no JVM of its own: only worker processes under it."""
    import urllib.request

    import psutil

    a = browser.new_context().new_page()
    a.set_default_timeout(60_000)
    a.goto(f"{app_server}/?node=t_naughty_rows&path=crash.t_naughty_rows")
    type_into(a, "p_t_naughty_rows_source_rows", "40")
    code = a.locator(".st-key-p_t_naughty_rows_code textarea")
    code.fill(EXIT_CODE)
    code.press("Control+Enter")
    click(a, "run")
    a.get_by_text(re.compile(r"\[DCS205\] the worker process of this diagnosis.*exit code 1")).first.wait_for(
        timeout=TIMEOUT)
    a.locator(".st-key-restart_spark button").first.wait_for()
    assert urllib.request.urlopen(f"{app_server}/_stcore/health", timeout=10).read() == b"ok"
    b = browser.new_context().new_page()
    b.set_default_timeout(60_000)
    b.goto(f"{app_server}/?node=t_take&path=crash.t_take")
    type_into(b, "p_t_take_source_rows", "300")
    click(b, "run")
    b.get_by_text(re.compile(r"First 10 row\(s\) of demo dataset 'telemetry' \(300 rows")).wait_for(timeout=TIMEOUT)
    children = psutil.Process(app_server.pid).children()
    assert children and all("java" not in c.name() for c in children)
    assert all("dcs_engine.runtime.worker" in " ".join(c.cmdline()) for c in children)
    a.context.close()
    b.context.close()
