"""Stored incidents: the evidence of a diagnosis, written as it happens to a real database.

Small functions the pages call::

    store = incidents.default_store()            # from the configuration (SQLite file in the data dir)
    inc = store.create(title, runbook, by)       # an Incident with an id (the ?incident=<id> of its URL)
    store.append(inc.id, entry)                  # committed at once
    store.entries(inc.id), store.recent(), store.report(inc.id, titles)

``open_store(url)`` opens any SQLAlchemy URL and runs ``alembic upgrade head`` first.
"""
from __future__ import annotations

import threading

from dcs_engine import config
from dcs_engine.errors import IncidentError

from .store import Incident, Store

_stores: dict[str, Store] = {}
_lock = threading.Lock()


def open_store(url: str) -> Store:
    """A store on ``url``, migrated to the newest schema."""
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url[len("sqlite:///"):]).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return Store(url)


def default_store() -> Store:
    """The configured store (one per URL in this process)."""
    url = config.current().store_url
    with _lock:
        if url not in _stores:
            _stores[url] = open_store(url)
        return _stores[url]


__all__ = ["Incident", "IncidentError", "Store", "default_store", "open_store"]
