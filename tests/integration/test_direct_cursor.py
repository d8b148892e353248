"""`direct.rows` runs every statement of a driver connection on one cursor, kept for it
(docs/adr/0017-booking-api-speed.md, eleventh round): each statement still reads its own
rows, and a connection lost and made again gets a cursor of its own. PostgreSQL only (on
SQLite every statement goes through `execute`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from pg_schemas import fresh_schema
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import DBAPIError

from parity.adapters.sql import direct, engine_from_url, tables, upgrade
from parity.adapters.sql.slots import BY_ID

# Named after this process: the suite runs in two (docs/adr/0019-two-test-processes.md).
KILLABLE = f"parity-cursor-test-{os.getpid()}"


@pytest.fixture
def killable(postgres_admin: Engine) -> Iterator[Engine]:
    for url in fresh_schema(postgres_admin):
        engine = engine_from_url(url, connect_args={"application_name": KILLABLE})
        upgrade(engine)
        yield engine
        engine.dispose()


def _cursors(engine: Engine) -> tuple[list[Any], Any]:
    seen: list[Any] = []

    def note(conn: object, cursor: object, *rest: object) -> None:
        seen.append(cursor)

    event.listen(engine, "before_cursor_execute", note)
    return seen, note


def _kill(admin: Engine) -> None:
    with admin.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name"
            ),
            {"name": KILLABLE},
        )


@pytest.mark.postgres
def test_one_connections_statements_share_one_cursor_and_read_their_own_rows(
    killable: Engine,
) -> None:
    seen, note = _cursors(killable)
    try:
        with killable.connect() as connection:
            assert direct.rows(connection, BY_ID, {"slot_id": 1}) == []
            clinics = direct.rows(connection, tables.clinics.select())
            assert clinics == []
            connection.commit()
            assert direct.rows(connection, BY_ID, {"slot_id": 2}) == []  # the next transaction
    finally:
        event.remove(killable, "before_cursor_execute", note)
    assert len(seen) == 3
    assert seen[0] is seen[1] is seen[2]


@pytest.mark.postgres
def test_a_connection_made_again_gets_a_cursor_of_its_own(
    killable: Engine, postgres_admin: Engine
) -> None:
    seen, note = _cursors(killable)
    try:
        with killable.connect() as connection:
            assert direct.rows(connection, BY_ID, {"slot_id": 1}) == []
            first = connection.connection.driver_connection
            connection.rollback()
            _kill(postgres_admin)
            with pytest.raises(DBAPIError) as lost:
                direct.rows(connection, BY_ID, {"slot_id": 1})
            assert lost.value.connection_invalidated
            connection.rollback()
            assert direct.rows(connection, BY_ID, {"slot_id": 1}) == []  # connected again
            again = connection.connection.driver_connection
    finally:
        event.remove(killable, "before_cursor_execute", note)
    assert again is not first
    assert seen[0] is seen[1]  # the lost statement ran on the old connection's cursor
    assert seen[2] is not seen[1]
    assert seen[2].connection is again
