"""Where the database is and how connections to it are set up."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from parity.adapters.sql import database_url_from_env, engine_from_url


def test_without_configuration_the_database_is_a_local_sqlite_file() -> None:
    assert database_url_from_env({}) == "sqlite:///var/parity.db"
    assert database_url_from_env({"PARITY_DATABASE_URL": ""}) == "sqlite:///var/parity.db"


def test_a_plain_postgresql_url_means_the_psycopg_3_driver() -> None:
    for scheme in ("postgresql", "postgres"):
        env = {"PARITY_DATABASE_URL": f"{scheme}://parity:s3cret@db.example:5433/parity"}
        assert (
            database_url_from_env(env)
            == "postgresql+psycopg://parity:s3cret@db.example:5433/parity"
        )


def test_an_unsupported_database_fails_loudly_at_start() -> None:
    with pytest.raises(ValueError, match="unsupported database 'mysql'"):
        database_url_from_env({"PARITY_DATABASE_URL": "mysql://localhost/parity"})


def test_sqlite_connections_use_wal_foreign_keys_and_wait_for_the_writer(tmp_path: Path) -> None:
    folder = tmp_path / "not" / "yet"
    engine = engine_from_url(f"sqlite:///{folder / 'parity.db'}")
    with engine.connect() as connection:
        pragmas = {
            name: connection.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
    engine.dispose()
    assert folder.is_dir()
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 30000,
        "synchronous": 1,
    }


def test_every_sqlite_transaction_takes_the_write_lock_at_once(tmp_path: Path) -> None:
    engine = engine_from_url(f"sqlite:///{tmp_path / 'parity.db'}", connect_args={"timeout": 0.1})
    with engine.connect() as first, engine.connect() as second:
        first.execute(text("SELECT 1"))  # a read is enough to hold the lock
        with pytest.raises(OperationalError, match="database is locked"):
            second.execute(text("SELECT 1"))
    engine.dispose()
