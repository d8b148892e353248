"""Alembic owns the schema; these run its migrations from code (no alembic.ini needed).

To write a new revision against a database at the newest one:

    from alembic import command
    command.revision(alembic_config(url), "what changes", autogenerate=True)

then add whatever autogenerate cannot see (triggers, partial-index conditions) by hand;
tests/integration/test_schema_migrations.py checks the result against the tables package.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from parity.adapters.sql.engine import database_url_from_env, engine_from_url
from parity.adapters.sql.tables import metadata

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration built in code, pointing at this package's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        # ConfigParser interpolates %, which URL-encoded passwords contain.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision among the migration scripts (what `upgrade` reaches)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migration scripts under {MIGRATIONS}")
    return head


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind `engine` up to `revision`, in one transaction."""
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate down to `revision` (`base` removes every table Parity created), in one
    transaction, on a database that holds rows as on an empty one.

    SQLite cannot drop a column in place where a table has constraints, so a step down
    copies the table and drops the old one; with foreign keys enforced, dropping a table
    other rows refer to fails. SQLite only switches enforcement outside a transaction: it is
    off for the migration and on again after it, and a step that stops short of `base` must
    leave no row referring to a missing one (`PRAGMA foreign_key_check`)."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _foreign_keys(connection, enforced=False)
        try:
            with connection.begin():
                config = alembic_config()
                config.attributes["connection"] = connection
                command.downgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migrating down broke references: {broken[:5]}")
        finally:
            if sqlite:
                _foreign_keys(connection, enforced=True)


def refresh_statistics(engine: Engine) -> None:
    """Bring the query planner's statistics of Parity's tables up to date, after a bulk
    load (`parity demo`, `parity import`): until the server's own autovacuum gets to them,
    a freshly loaded table reads as nearly empty and a search can be planned as a scan of
    every clinic's free slots (docs/adr/0017-booking-api-speed.md). Only Parity's own
    tables, each by name, so it costs no more than what was loaded and leaves other schemas
    on the same server alone."""
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            connection.exec_driver_sql(f'ANALYZE "{table.name}"')


def _foreign_keys(connection: Connection, *, enforced: bool) -> None:
    """Switch SQLite's enforcement on the DBAPI connection itself, outside any transaction
    (SQLAlchemy would begin one around a statement it runs; SQLite ignores the pragma there)."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if enforced else 'OFF'}")
    finally:
        cursor.close()


def migrate(url: str | None = None) -> None:
    """Bring the database at `url` (default: `PARITY_DATABASE_URL`) to the newest schema."""
    engine = engine_from_url(url or database_url_from_env())
    try:
        upgrade(engine)
    finally:
        engine.dispose()
