"""A bulk load leaves the query planner's statistics up to date: after `parity import` and
`parity demo` every table Parity loaded rows into has been analysed, on SQLite and on
PostgreSQL, so the first searches are planned on the rows that are there, not on a table
the planner still takes for empty."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, text
from typer.testing import CliRunner

from parity.adapters.sql import engine_from_url, upgrade
from parity.entrypoints.cli.app import app

CLINICS = "id,name,address\nnorth,North Clinic,1 North St.\nsouth,South Clinic,2 South St.\n"


def analysed(connection: Connection, table: str) -> bool:
    """Whether `table` has planner statistics: SQLite keeps them in `sqlite_stat1` (ANALYZE
    writes a row for every non-empty table); PostgreSQL 14+ marks a table never vacuumed
    or analysed with `reltuples = -1`, and ANALYZE sets it to its row estimate."""
    if connection.dialect.name == "sqlite":
        stats = connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        ).first()
        if stats is None:
            return False
        found = text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = :table")
        return int(connection.execute(found, {"table": table}).scalar_one()) > 0
    estimate = text(
        "SELECT c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = :table AND n.nspname = current_schema()"
    )
    return float(connection.execute(estimate, {"table": table}).scalar_one()) >= 0


def filled(connection: Connection, table: str) -> bool:
    return connection.execute(text(f'SELECT 1 FROM "{table}" LIMIT 1')).first() is not None


def test_an_import_leaves_the_loaded_table_analysed(database_url: str, tmp_path: Path) -> None:
    clinics = tmp_path / "clinics.csv"
    clinics.write_text(CLINICS, encoding="utf-8")
    engine = engine_from_url(database_url)
    try:
        upgrade(engine)  # the tables, empty: not analysed yet
        with engine.connect() as connection:
            assert not analysed(connection, "clinics")
        env = {"PARITY_DATABASE_URL": database_url}
        result = CliRunner().invoke(app, ["import", "clinics", str(clinics)], env=env)
        assert result.exit_code == 0, result.output
        with engine.connect() as connection:
            assert analysed(connection, "clinics")
    finally:
        engine.dispose()


def test_a_demo_load_leaves_every_filled_table_analysed(database_url: str) -> None:
    env = {"PARITY_DATABASE_URL": database_url}
    args = ["demo", "--weeks", "1", "--scale", "0.2", "--backlog", "3"]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    engine = engine_from_url(database_url)
    try:
        with engine.connect() as connection:
            loaded = [
                name
                for name in ("slots", "appointments", "care_requests", "members", "clinicians")
                if filled(connection, name)
            ]
            assert loaded == ["slots", "appointments", "care_requests", "members", "clinicians"]
            assert [name for name in loaded if not analysed(connection, name)] == []
    finally:
        engine.dispose()
