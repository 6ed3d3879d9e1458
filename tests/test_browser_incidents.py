"""Real browser: two browser contexts (two engineers) on one stored incident, and a reload that keeps it."""
import re

import pytest

from tests.test_browser import click, settle

pytestmark = pytest.mark.browser


def test_two_browsers_share_an_incident_and_a_reload_keeps_it(app_server, browser):
    alice = browser.new_context().new_page()
    alice.set_default_timeout(60_000)
    alice.goto(app_server)
    click(alice, "sym_crash")
    alice.wait_for_url(re.compile(r"incident=[0-9a-f]{12}"))
    click(alice, "edge_0")
    alice.wait_for_url(re.compile(r"path=crash\.t_naughty_rows"))
    incident = re.search(r"incident=([0-9a-f]{12})", alice.url).group(1)
    alice.reload()  # a browser reload: a new Streamlit session on the same URL
    settle(alice)
    alice.goto(f"{app_server}/evidence?incident={incident}")
    alice.get_by_text(re.compile(r"Entries: 2")).wait_for()

    bob = browser.new_context().new_page()  # another engineer: his own cookies and session
    bob.set_default_timeout(60_000)
    bob.goto(f"{app_server}/evidence?incident={incident}")
    bob.get_by_text(incident).first.wait_for()
    bob.get_by_text(re.compile(r"Entries: 2")).wait_for()
    assert bob.get_by_text(re.compile(r"started at symptom: Crash")).count() >= 1
    bob.context.close()
    alice.context.close()
