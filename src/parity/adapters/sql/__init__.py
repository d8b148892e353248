"""Persistence on SQLAlchemy 2: SQLite (WAL) by default, PostgreSQL by URL.

`SqlUnitOfWork(engine)` implements the `UnitOfWork` port; Alembic (run from code by
`migrate`/`upgrade`) owns the schema, including the booking guarantees the database keeps
on its own: one live booking per slot and nothing booked in protected IPC time.
"""

from parity.adapters.sql.engine import database_url_from_env, engine_from_url
from parity.adapters.sql.schema import downgrade, migrate, refresh_statistics, upgrade
from parity.adapters.sql.unit_of_work import SqlUnitOfWork, unit_of_work

__all__ = [
    "SqlUnitOfWork",
    "database_url_from_env",
    "downgrade",
    "engine_from_url",
    "migrate",
    "refresh_statistics",
    "unit_of_work",
    "upgrade",
]
