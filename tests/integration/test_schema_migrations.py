"""Alembic owns the schema: it builds it from nothing, takes it away, and matches tables.py."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sql_support import build_region, initial_request
from sqlalchemy import Engine, inspect, text

from parity.adapters.sql import SqlUnitOfWork, downgrade, engine_from_url, migrate, upgrade
from parity.adapters.sql.schema import MIGRATIONS, head_revision
from parity.adapters.sql.tables import metadata
from parity.domain.members import Member
from parity.services.booking import BookRequest, book_request
from parity.services.members import register_member
from parity.services.policy import Policy
from parity.services.requests import open_request

VERSIONS = MIGRATIONS / "versions"

TRIGGERS = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
    "postgresql": "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal",
}


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _triggers(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(text(TRIGGERS[engine.dialect.name])).scalars())


@pytest.fixture
def empty(database_url: str) -> Engine:
    return engine_from_url(database_url)


def test_upgrading_an_empty_database_creates_every_table_and_trigger(empty: Engine) -> None:
    assert _tables(empty) == set()
    upgrade(empty)
    assert _tables(empty) == set(metadata.tables) | {"alembic_version"}
    assert {"slots_outside_protected_time", "protected_times_outside_bookings"} <= {
        name.removesuffix("_insert").removesuffix("_update") for name in _triggers(empty)
    }
    empty.dispose()


def test_the_migrated_schema_matches_the_tables_the_repositories_query(empty: Engine) -> None:
    upgrade(empty)
    with empty.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    empty.dispose()


def test_downgrading_to_base_removes_everything_parity_created(empty: Engine) -> None:
    upgrade(empty)
    downgrade(empty, "base")
    assert _tables(empty) == {"alembic_version"}
    assert _triggers(empty) == set()
    with empty.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 0
    upgrade(empty)  # and the way back up still works
    assert "slots" in _tables(empty)
    empty.dispose()


def test_migrate_takes_a_url_and_is_safe_to_repeat(database_url: str) -> None:
    migrate(database_url)
    migrate(database_url)
    engine = engine_from_url(database_url)
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == head_revision()
    assert version == sorted(p.stem.split("_")[0] for p in VERSIONS.glob("r0*.py"))[-1]
    engine.dispose()


def test_downgrading_a_database_that_holds_bookings_removes_them_and_the_tables(
    empty: Engine, policy: Policy
) -> None:
    # On SQLite a step down copies a table to drop its columns; the copy must not trip the
    # foreign keys of rows that refer to the old table (a booked appointment, its offer).
    upgrade(empty)
    region = build_region(SqlUnitOfWork(empty), policy)
    register_member(Member("m1", "Pat Example", "north"), region.uow)
    opened = open_request(initial_request("m1"), region.uow, region.clock, region.policy)
    book_request(BookRequest(opened.id), region.uow, region.clock, region.policy)
    with empty.connect() as connection:
        held = "SELECT count(*) FROM appointments WHERE request_id = :id"
        assert connection.execute(text(held), {"id": opened.id}).scalar() == 1
    downgrade(empty, "base")
    assert _tables(empty) == {"alembic_version"}
    upgrade(empty)
    with empty.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM care_requests")).scalar() == 0
        if empty.dialect.name == "sqlite":  # enforcement is back on after the migration
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    empty.dispose()
