"""The stored record: incidents and their evidence entries (SQLAlchemy 2.x declarative models).

The schema is changed only by alembic revisions in ``migrations/versions``; these models describe
the head revision."""
from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class IncidentRow(Base):
    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    runbook: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[float] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(200))
    # revision 0002: the walk as the last person left it, and when anything last happened
    walk_path: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class EntryRow(Base):
    __tablename__ = "entries"
    __table_args__ = (Index("ix_entries_incident", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=False)
    kind: Mapped[str] = mapped_column(String(16))
    node_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[str] = mapped_column(Text, default="{}")      # JSON
    result_md: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str | None] = mapped_column(String(64), nullable=True)
    elapsed_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    at: Mapped[float] = mapped_column(Float)
    # revision 0002: who did it
    author: Mapped[str] = mapped_column(String(200), default="")
