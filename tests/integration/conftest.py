"""Fixtures for the persistence tests: every test runs on SQLite and on PostgreSQL.

`database_url` is an empty database: a new SQLite file, or a freshly created PostgreSQL
schema `parity_<random>` (first on the connections' search_path) dropped afterwards.
`engine` is a migrated database with no rows: a copy of a SQLite file migrated once per
run, or one PostgreSQL schema migrated once per run and emptied before each test. The
tests never touch anything they did not create. PostgreSQL comes from
`PARITY_TEST_DATABASE_URL` (default postgresql://postgres@127.0.0.1:5432/test); without a
reachable server the PostgreSQL half is skipped with a loud reason, or fails when
`PARITY_REQUIRE_POSTGRES=1` (as in CI).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_schemas import POSTGRES_URL, fresh_schema
from sql_support import Region, build_region
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import OperationalError

from parity.adapters.rules_files import load_contract, load_rules
from parity.adapters.sql import SqlUnitOfWork, engine_from_url, upgrade
from parity.adapters.sql.tables import metadata
from parity.services.policy import Policy

POSTGRES_REQUIRED = os.environ.get("PARITY_REQUIRE_POSTGRES") == "1"
# Enough connections for the race tests (each worker its own).
POOL = {"pool_size": 64, "max_overflow": 0, "pool_timeout": 60}


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An autocommit engine on the PostgreSQL test database, or a skip (a failure in CI)."""
    engine = engine_from_url(
        POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        engine.dispose()
        reason = (
            f"!!! PostgreSQL at {make_url(POSTGRES_URL).render_as_string()} is unreachable, "
            "so the PostgreSQL half of the persistence tests did NOT run "
            f"({str(error.orig).strip().splitlines()[0]}). "
            "Set PARITY_TEST_DATABASE_URL, or PARITY_REQUIRE_POSTGRES=1 to make this a failure."
        )
        if POSTGRES_REQUIRED:
            pytest.fail(reason)
        pytest.skip(reason)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind: a new SQLite file, or a new PostgreSQL schema."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'parity.db'}"
        return
    yield from fresh_schema(request.getfixturevalue("postgres_admin"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "parity.db"
    engine = engine_from_url(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection closing folds the WAL into the file
    return path


@pytest.fixture(scope="session")
def postgres_engine(postgres_admin: Engine) -> Iterator[Engine]:
    """One schema migrated once for the run, dropped at its end."""
    for url in fresh_schema(postgres_admin):
        engine = engine_from_url(url, **POOL)
        upgrade(engine)
        yield engine
        engine.dispose()


def _emptied(engine: Engine) -> Engine:
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    return engine


@pytest.fixture
def engine(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database holding no rows, ids starting at 1."""
    if backend == "postgres":
        shared = _emptied(request.getfixturevalue("postgres_engine"))
        yield shared
        # A race test leaves dozens of idle connections in the pool; close them, so the
        # test processes together stay under the server's max_connections (ADR 0019).
        shared.dispose()
        return
    path = tmp_path / "parity.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    engine = engine_from_url(f"sqlite:///{path}", **POOL)
    yield engine
    engine.dispose()


@pytest.fixture
def uow(engine: Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(engine)


@pytest.fixture(scope="session")
def policy() -> Policy:
    return Policy(load_rules(), load_contract("socal-2025"))


@pytest.fixture
def region(uow: SqlUnitOfWork, policy: Policy) -> Region:
    """The hand-built region of sql_support.py, two weeks laid, stored in the database."""
    return build_region(uow, policy)
