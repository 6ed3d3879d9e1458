"""The incident store: every entry committed the moment it is logged.

SQLite by default (a file in the data dir; WAL journal, so readers in other sessions never block the
writer and a killed process loses nothing committed), any SQLAlchemy URL (PostgreSQL) for a team.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import create_engine, event, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from dcs_engine import evidence
from dcs_engine.errors import IncidentError

from . import migrate
from .models import EntryRow, IncidentRow


@dataclass(frozen=True)
class Incident:
    id: str
    title: str
    runbook: str
    created_at: float
    created_by: str
    path: tuple[str, ...] = ()
    updated_at: float | None = None


def _incident(row: IncidentRow) -> Incident:
    path = tuple(p for p in (row.walk_path or "").split(".") if p)
    return Incident(row.id, row.title, row.runbook, row.created_at, row.created_by, path, row.updated_at)


def _entry(row: EntryRow) -> evidence.Entry:
    try:
        params = json.loads(row.params or "{}")
    except ValueError:
        params = {"unreadable": row.params}
    return evidence.Entry(row.kind, row.node_id, row.title, row.detail or "", params, row.result_md or "",
                          row.outcome, row.elapsed_s, row.at, row.author or "")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _unavailable(url: str, exc: Exception) -> IncidentError:
    return IncidentError(f"the incident database {url!r}", expected="a database SQLAlchemy can open and migrate",
                         found=f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}",
                         fix="check DCS_DATABASE_URL (or database_url in the config file), or unset it to use "
                             "the SQLite file in DCS_DATA_DIR",
                         condition="INCIDENT_STORE_UNAVAILABLE", params={"url": url})


class Store:
    """Incidents and their entries in one database."""

    def __init__(self, url: str):
        self.url = url
        try:
            self.engine = create_engine(url, pool_pre_ping=True)
            if self.engine.dialect.name == "sqlite":
                event.listen(self.engine, "connect", _sqlite_pragmas)
            migrate.upgrade_engine(self.engine)
        except (SQLAlchemyError, ImportError, ValueError, OSError) as exc:
            raise _unavailable(url, exc) from None
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def _open(self) -> Session:
        return self._session()

    def create(self, title: str, runbook: str, by: str) -> Incident:
        now = time.time()
        row = IncidentRow(id=uuid.uuid4().hex[:12], title=title[:300], runbook=runbook[:300], created_at=now,
                          created_by=by[:200], walk_path="", updated_at=now)
        with self._open() as s, s.begin():
            s.add(row)
        return _incident(row)

    def get(self, incident_id: str) -> Incident | None:
        with self._open() as s:
            row = s.get(IncidentRow, str(incident_id)[:32])
            return _incident(row) if row else None

    def require(self, incident_id: str) -> Incident:
        inc = self.get(incident_id)
        if inc is None:
            raise IncidentError(f"incident {incident_id!r}", expected="the id of a stored incident",
                                found="no such incident", fix="open one from the Evidence page's list",
                                params={"incident": incident_id})
        return inc

    def append(self, incident_id: str, entry: evidence.Entry) -> None:
        """Commit one entry now (a reload, a restart or a crash right after loses nothing)."""
        self.require(incident_id)
        row = EntryRow(incident_id=incident_id, kind=entry.kind, node_id=entry.node_id, title=entry.title,
                       detail=entry.detail, params=json.dumps(entry.params, default=str, sort_keys=True),
                       result_md=entry.result_md, outcome=entry.outcome, elapsed_s=entry.elapsed_s, at=entry.at,
                       author=entry.author)
        with self._open() as s, s.begin():
            s.add(row)
            s.execute(update(IncidentRow).where(IncidentRow.id == incident_id).values(updated_at=time.time()))

    def entries(self, incident_id: str) -> list[evidence.Entry]:
        with self._open() as s:
            rows = s.scalars(select(EntryRow).where(EntryRow.incident_id == incident_id).order_by(EntryRow.id))
            return [_entry(r) for r in rows]

    def count(self, incident_id: str) -> int:
        with self._open() as s:
            return s.scalar(select(func.count()).select_from(EntryRow).where(EntryRow.incident_id == incident_id))

    def set_path(self, incident_id: str, path: tuple[str, ...]) -> None:
        with self._open() as s, s.begin():
            s.execute(update(IncidentRow).where(IncidentRow.id == incident_id)
                      .values(walk_path=".".join(path), updated_at=time.time()))

    def rename(self, incident_id: str, title: str) -> None:
        with self._open() as s, s.begin():
            s.execute(update(IncidentRow).where(IncidentRow.id == incident_id).values(title=title[:300]))

    def recent(self, limit: int = 20) -> list[Incident]:
        order = func.coalesce(IncidentRow.updated_at, IncidentRow.created_at).desc()
        with self._open() as s:
            return [_incident(r) for r in s.scalars(select(IncidentRow).order_by(order).limit(limit))]

    def report(self, incident_id: str, titles: dict[str, str], path: tuple[str, ...] | None = None,
               link: str = "") -> str:
        """The Markdown report, built from the stored record only."""
        inc = self.require(incident_id)
        return evidence.report(self.entries(incident_id), inc.runbook, inc.path if path is None else path, titles,
                               incident=inc, link=link)
