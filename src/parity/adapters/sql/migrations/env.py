"""Alembic environment: migrate the connection handed over by `schema.upgrade`, or the
database at `sqlalchemy.url` / `PARITY_DATABASE_URL` when Alembic runs from the command line.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from parity.adapters.sql.engine import database_url_from_env, engine_from_url
from parity.adapters.sql.tables import metadata


def run_on(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


def run_offline(url: str) -> None:
    """Write the migration as SQL instead of running it (for a DBA to review)."""
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    config = context.config
    url = config.get_main_option("sqlalchemy.url") or database_url_from_env()
    if context.is_offline_mode():
        run_offline(url)
        return
    given = config.attributes.get("connection")
    if given is not None:
        run_on(given)
        return
    engine = engine_from_url(url)
    try:
        with engine.begin() as connection:
            run_on(connection)
    finally:
        engine.dispose()


run()
