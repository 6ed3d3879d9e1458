"""Schema migrations of the incident store, by alembic (``alembic upgrade head`` at every open)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

HERE = Path(__file__).resolve().parent
FIRST = "0001"


def alembic_config() -> Config:
    cfg = Config(str(HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    return cfg


def _head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


HEAD = _head()


def upgrade_engine(engine, revision: str = "head") -> None:
    """Bring the database behind ``engine`` to ``revision`` (one transaction per step)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def upgrade(url: str, revision: str = "head") -> None:
    engine = create_engine(url)
    try:
        upgrade_engine(engine, revision)
    finally:
        engine.dispose()


def current(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
