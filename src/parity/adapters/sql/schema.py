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
from sqlalchemy import Engine

from parity.adapters.sql.engine import database_url_from_env, engine_from_url

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
    """Migrate down to `revision` (`base` removes every table Parity created)."""
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def migrate(url: str | None = None) -> None:
    """Bring the database at `url` (default: `PARITY_DATABASE_URL`) to the newest schema."""
    engine = engine_from_url(url or database_url_from_env())
    try:
        upgrade(engine)
    finally:
        engine.dispose()
