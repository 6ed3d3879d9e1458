"""The app keeps its evidence in the stored incident: a reload, a second engineer and a server restart
(a new process on the same SQLite file, the first one killed) all see the same steps."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dcs_engine import incidents

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DCS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DCS_DATABASE_URL", raising=False)
    return tmp_path


def new_app(incident: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    if incident:
        at.query_params["incident"] = incident
    return at


def walk_two_steps(at: AppTest) -> None:
    at.button(key="sym_crash").click().run()
    at.button(key="edge_0").click().run()
    assert not at.exception, at.exception


def test_steps_go_to_the_incident_and_the_url(data_dir):
    at = new_app().run()
    assert at.session_state["incident"] is None  # nothing stored until something happens
    walk_two_steps(at)
    inc = at.session_state["incident"]
    assert inc and at.query_params["incident"] == [inc] or at.query_params["incident"] == inc
    stored = incidents.open_store(f"sqlite:///{data_dir / 'incidents.db'}").entries(inc)
    assert [e.kind for e in stored] == ["step", "step"]
    assert stored[0].node_id == "crash"


def test_a_reload_keeps_the_incident(data_dir):
    at = new_app().run()
    walk_two_steps(at)
    inc = at.session_state["incident"]
    path = at.session_state["walk"].path
    again = new_app(inc)  # a browser reload: a new session, the same URL
    again.query_params["path"] = ".".join(path)
    again.query_params["node"] = path[-1]
    again.run()
    assert not again.exception
    assert [e.node_id for e in again.session_state["evidence"]] == list(path)
    assert again.session_state["walk"].path == path


def test_incident_link_alone_restores_the_walk(data_dir):
    at = new_app().run()
    walk_two_steps(at)
    inc, path = at.session_state["incident"], at.session_state["walk"].path
    again = new_app(inc).run()
    assert again.session_state["walk"].path == path


def test_two_engineers_on_one_incident(data_dir):
    alice = new_app().run()
    walk_two_steps(alice)
    inc = alice.session_state["incident"]
    bob = new_app(inc).run()
    bob.switch_page("app_pages/evidence.py").run()
    assert len(bob.session_state["evidence"]) == 2
    alice.button(key="edge_0").click().run()  # alice goes on
    bob.run()
    assert len(bob.session_state["evidence"]) == 3
    assert any("3 entries" in m.value for m in bob.markdown) or "Entries: 3" in "".join(m.value for m in bob.markdown)
    bob.switch_page("app_pages/diagnose.py").run()
    assert bob.session_state["walk"].path[:2] == ("crash", "t_naughty_rows")  # he joined where she was
    bob.button(key="nav_restart").click().run()
    bob.button(key="sym_slow").click().run()  # bob's own step lands in the same incident
    alice.run()
    assert [e.node_id for e in alice.session_state["evidence"]][-1] == "slow"


def test_evidence_page_starts_a_new_incident(data_dir):
    at = new_app().run()
    walk_two_steps(at)
    first = at.session_state["incident"]
    at.switch_page("app_pages/evidence.py").run()
    at.button(key="incident_new").click().run()
    assert at.session_state["incident"] is None and len(at.session_state["evidence"]) == 0
    # the old incident is still stored and listed
    assert incidents.open_store(f"sqlite:///{data_dir / 'incidents.db'}").get(first) is not None


@pytest.mark.slow
def test_a_server_restart_after_a_crash_keeps_the_incident(data_dir):
    """Process 1 runs the app, takes two steps and dies with os._exit; process 2 (this one) opens the link."""
    code = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file({APP!r}, default_timeout=180).run()
        at.button(key="sym_crash").click().run()
        at.button(key="edge_0").click().run()
        assert not at.exception, at.exception
        print(at.session_state["incident"], ".".join(at.session_state["walk"].path), flush=True)
        os._exit(7)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 7, out.stderr[-3000:]
    inc, path = out.stdout.split()[-2:]
    at = new_app(inc).run()
    assert [e.node_id for e in at.session_state["evidence"]] == path.split(".")
    at.switch_page("app_pages/evidence.py").run()
    assert inc in "".join(m.value for m in at.markdown)
