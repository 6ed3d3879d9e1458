"""Stored incidents: evidence written as it happens to a real SQLite file, kept across a restart and a crash,
shared by several sessions, migrated by alembic, and exported as the Markdown report."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dcs_engine import evidence, incidents
from dcs_engine.incidents import migrate

ROOT = Path(__file__).resolve().parents[1]


def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'incidents.db'}"


def test_entries_are_on_disk_as_they_happen(tmp_path):
    store = incidents.open_store(sqlite_url(tmp_path))
    inc = store.create(title="checkout job crashes", runbook="built-in", by="alice")
    store.append(inc.id, evidence.step(None, "crash", "symptom", "Crash"))
    # another connection, opened behind the store's back, already sees the row
    rows = sqlite3.connect(tmp_path / "incidents.db").execute(
        "select kind, node_id from entries where incident_id = ?", (inc.id,)).fetchall()
    assert rows == [("step", "crash")]


def test_a_new_store_on_the_same_file_sees_everything(tmp_path):
    """A server restart: a new engine on the same file."""
    url = sqlite_url(tmp_path)
    first = incidents.open_store(url)
    inc = first.create(title="slow join", runbook="built-in", by="alice")
    first.append(inc.id, evidence.step(None, "slow", "symptom", "Slow"))
    first.append(inc.id, evidence.error("t_take", "take failed", "[DCS102] boom", {"n": 3}))
    first.set_path(inc.id, ("slow", "q_slow"))
    first.close()
    again = incidents.open_store(url)
    got = again.entries(inc.id)
    assert [e.kind for e in got] == ["step", "error"]
    assert got[1].params == {"n": 3} and got[1].detail == "[DCS102] boom"
    rec = again.get(inc.id)
    assert rec.title == "slow join" and rec.path == ("slow", "q_slow") and rec.created_by == "alice"
    assert [r.id for r in again.recent()] == [inc.id]


def test_a_crash_loses_nothing(tmp_path):
    """The writer dies with os._exit right after logging (no cleanup, no close): the entry is there."""
    url = sqlite_url(tmp_path)
    code = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from dcs_engine import evidence, incidents
        store = incidents.open_store({url!r})
        inc = store.create(title="dies", runbook="built-in", by="bob")
        store.append(inc.id, evidence.step(None, "crash", "symptom", "Crash"))
        print(inc.id, flush=True)
        os._exit(9)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 9, out.stderr
    inc_id = out.stdout.strip()
    assert [e.node_id for e in incidents.open_store(url).entries(inc_id)] == ["crash"]


def test_report_is_exported_from_the_stored_record(tmp_path):
    store = incidents.open_store(sqlite_url(tmp_path))
    inc = store.create(title="bad rows", runbook="built-in", by="alice")
    store.append(inc.id, evidence.step(None, "crash", "symptom", "Crash").with_author("alice"))
    store.append(inc.id, evidence.step("crash", "t_take", "Show rows", "Take a few rows").with_author("bob"))
    store.set_path(inc.id, ("crash", "t_take"))
    text = store.report(inc.id, {"crash": "Crash", "t_take": "Take a few rows"}, link="http://doctor/?incident=x")
    assert f"- Incident: `{inc.id}` — bad rows" in text
    assert "http://doctor/?incident=x" in text
    assert "1. Crash (`crash`)" in text and "2. Take a few rows (`t_take`)" in text
    assert "by bob" in text


def test_unknown_incident(tmp_path):
    store = incidents.open_store(sqlite_url(tmp_path))
    assert store.get("nope") is None
    with pytest.raises(incidents.IncidentError) as err:
        store.append("nope", evidence.step(None, "crash", "symptom", "Crash"))
    assert err.value.condition == "INCIDENT_NOT_FOUND" and err.value.params["incident"] == "nope"


def test_log_view_reads_the_store(tmp_path):
    """dcs_engine.evidence.Log is a sequence view of the stored record: two views of one incident agree."""
    store = incidents.open_store(sqlite_url(tmp_path))
    created = []
    mine = evidence.Log(store, None, starter=lambda: created.append(store.create("t", "b", "me").id) or created[-1])
    assert len(mine) == 0 and not mine
    mine.append(evidence.step(None, "crash", "symptom", "Crash"))
    theirs = evidence.Log(store, created[0])
    mine.append(evidence.step("crash", "q_crash_where", "Where", "Where"))
    assert len(theirs) == 2 and theirs[-1].node_id == "q_crash_where" and [e.kind for e in theirs] == ["step", "step"]


def test_upgrade_from_the_first_revision_keeps_the_rows(tmp_path):
    """A database made at the first revision (before authors and the stored walk) is upgraded at open."""
    url = sqlite_url(tmp_path)
    migrate.upgrade(url, migrate.FIRST)
    con = sqlite3.connect(tmp_path / "incidents.db")
    cols = {r[1] for r in con.execute("pragma table_info(entries)")}
    assert "author" not in cols
    con.execute("insert into incidents (id, title, runbook, created_at, created_by) "
                "values ('old1', 'from rev 1', 'built-in', 1.0, 'carol')")
    con.execute("insert into entries (incident_id, kind, node_id, title, detail, params, result_md, at) "
                "values ('old1', 'step', 'crash', 'Crash', 'started', '{}', '', 2.0)")
    con.commit()
    con.close()
    store = incidents.open_store(url)
    assert migrate.current(url) == migrate.HEAD != migrate.FIRST
    assert [e.title for e in store.entries("old1")] == ["Crash"]
    store.append("old1", evidence.step("crash", "q_crash_where", "Where", "Where").with_author("dave"))
    assert store.entries("old1")[-1].author == "dave"
    assert store.get("old1").path == ()


def test_default_store_lives_in_the_configured_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DCS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DCS_DATABASE_URL", raising=False)
    store = incidents.default_store()
    assert (tmp_path / "data" / "incidents.db").exists()
    assert store.url.endswith(str(tmp_path / "data" / "incidents.db"))


def test_bad_database_url_is_a_clear_error(tmp_path):
    with pytest.raises(incidents.IncidentError) as err:
        incidents.open_store("nosuchdialect://x/y")
    assert err.value.condition == "INCIDENT_STORE_UNAVAILABLE"
    assert "DCS_DATABASE_URL" in err.value.message


def test_alembic_cli_config_points_at_the_migrations():
    ini = ROOT / "dcs_engine" / "incidents" / "alembic.ini"
    assert ini.exists()
    assert os.path.isdir(ROOT / "dcs_engine" / "incidents" / "migrations" / "versions")
