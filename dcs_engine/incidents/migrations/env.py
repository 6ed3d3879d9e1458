"""alembic environment for the incident store.

The URL comes from the caller (``dcs_engine.incidents.migrate`` passes a connection), else from
``sqlalchemy.url`` in alembic.ini, else from dcs-doctor's configuration (DCS_DATABASE_URL / DCS_DATA_DIR)."""
from alembic import context
from sqlalchemy import create_engine

from dcs_engine.incidents.models import Base

config = context.config


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from dcs_engine import config as dcs_config

    return dcs_config.current().store_url


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url())
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run()
