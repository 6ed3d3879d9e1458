"""Check an incident database URL by hand (e.g. a team's PostgreSQL) the way the tests check SQLite:

    python scripts/check_incident_db.py postgresql+psycopg://user@host:5432/empty_db

On an EMPTY database: creates the schema at the first revision, writes a row there, upgrades to head as
the app does at start, then writes and reads back entries through a second store (a "restart")."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402

from dcs_engine import evidence, incidents  # noqa: E402
from dcs_engine.incidents import migrate  # noqa: E402


def main(url: str) -> None:
    migrate.upgrade(url, migrate.FIRST)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("insert into incidents (id, title, runbook, created_at, created_by) "
                          "values ('rev1check', 'from the first revision', 'built-in', 1.0, 'check')"))
        conn.execute(text("insert into entries (incident_id, kind, node_id, title, detail, params, result_md, at) "
                          "values ('rev1check', 'step', 'crash', 'Crash', '', '{}', '', 2.0)"))
    engine.dispose()
    store = incidents.open_store(url)
    store.append("rev1check", evidence.step("crash", "q_crash_where", "Where", "Where").with_author("check"))
    inc = store.create("check", "built-in", "check")
    store.append(inc.id, evidence.step(None, "slow", "symptom", "Slow"))
    store.set_path(inc.id, ("slow",))
    store.close()
    again = incidents.open_store(url)
    assert [(e.node_id, e.author) for e in again.entries("rev1check")] == [("crash", ""), ("q_crash_where", "check")]
    assert again.get(inc.id).path == ("slow",)
    print(f"ok: revision {migrate.current(url)}, {len(again.recent())} incidents")


if __name__ == "__main__":
    main(sys.argv[1])
