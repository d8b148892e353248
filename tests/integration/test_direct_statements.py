"""Prebuilt statements run through `direct.rows` (docs/adr/0017-booking-api-speed.md,
eighth round), on SQLite and PostgreSQL: the rows are the ones `Connection.execute` gives
(converted alike: enums, UTC datetimes), the values bound are converted alike, the
statement is seen by SQLAlchemy's cursor events, runs in the connection's transaction, and
a connection lost under it is SQLAlchemy's invalidated `DBAPIError`, as for `execute`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pg_schemas import fresh_schema
from sql_support import FIRST_WEEK, Region, at
from sqlalchemy import Engine, event, select, text
from sqlalchemy.exc import DBAPIError, StatementError

from parity.adapters.sql import direct, engine_from_url, read_ahead, tables, upgrade
from parity.adapters.sql.repositories import _BY_KEY
from parity.adapters.sql.slots import BY_ID, FOR_CLINICIAN, MOVE, SLOTS
from parity.domain.schedule import BlockKind, SlotStatus

# The connections a test kills are named after its process: the suite runs in two
# (docs/adr/0019-two-test-processes.md), and one must not kill the other's.
KILLABLE = f"parity-direct-test-{os.getpid()}"


def _executed(engine: Engine, statement: Any, values: dict[str, Any]) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(statement, values).all()]


def _direct(engine: Engine, statement: Any, values: dict[str, Any]) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in direct.rows(connection, statement, values)]


def test_a_slot_read_by_key_is_the_row_execute_reads(engine: Engine, region: Region) -> None:
    expected = _executed(engine, BY_ID, {"slot_id": 1})
    found = _direct(engine, BY_ID, {"slot_id": 1})
    assert found == expected
    (row,) = found
    assert isinstance(row[5], BlockKind)
    assert isinstance(row[6], SlotStatus)
    assert row[3].tzinfo is not None
    assert row[3].utcoffset() == timedelta(0)
    assert _direct(engine, BY_ID, {"slot_id": 10**6}) == []


def test_bound_instants_and_enums_are_converted_as_execute_converts_them(
    engine: Engine, region: Region
) -> None:
    values = {
        "clinician_id": "ana",
        "start": at(FIRST_WEEK, 0),
        "end": at(FIRST_WEEK + timedelta(days=7), 0),
    }
    expected = _executed(engine, FOR_CLINICIAN, values)
    assert len(expected) > 3  # ana's follow-ups and intakes of the first week
    assert _direct(engine, FOR_CLINICIAN, values) == expected


def test_a_statement_missing_a_value_it_requires_is_refused_as_execute_refuses_it(
    engine: Engine, region: Region
) -> None:
    # FOR_CLINICIAN names a clinician and a window; a caller that leaves the window's end
    # out must not have it sent as NULL (which would find nothing, silently).
    values = {"clinician_id": "ana", "start": at(FIRST_WEEK, 0)}
    for run in (_executed, _direct):
        with pytest.raises(StatementError, match="A value is required for bind parameter"):
            run(engine, FOR_CLINICIAN, values)


def test_a_value_its_type_refuses_is_refused_as_execute_refuses_it(
    engine: Engine, region: Region
) -> None:
    naive = datetime(2026, 6, 1, 9)  # noqa: DTZ001 - the point of the test
    values = {"clinician_id": "ana", "start": naive, "end": naive + timedelta(days=1)}
    for run in (_executed, _direct):
        with pytest.raises(StatementError, match="naive"):
            run(engine, FOR_CLINICIAN, values)


def test_one_statement_run_with_different_names_is_prepared_for_each(
    engine: Engine, region: Region
) -> None:
    # FOR_CLINICIAN with a window and without one: each set of names keeps its own form,
    # in either order, so a refusal for the one never stands for the other.
    values = {
        "clinician_id": "ana",
        "start": at(FIRST_WEEK, 0),
        "end": at(FIRST_WEEK + timedelta(days=7), 0),
    }
    partial = {"clinician_id": "ana", "start": values["start"]}
    expected = _executed(engine, FOR_CLINICIAN, values)
    assert expected
    for _ in range(2):
        assert _direct(engine, FOR_CLINICIAN, values) == expected
        with pytest.raises(StatementError, match="A value is required for bind parameter"):
            _direct(engine, FOR_CLINICIAN, partial)
    reordered = dict(reversed(values.items()))
    assert _direct(engine, FOR_CLINICIAN, reordered) == expected


def test_each_records_read_by_key_is_the_row_execute_reads(engine: Engine, region: Region) -> None:
    uow: Any = region.uow
    with uow:
        clinician = uow.clinicians.get("ana")
        clinic = uow.clinics.get("north")
    assert clinician.id == "ana"
    assert clinic.id == "north"
    by_key = [s for s in _BY_KEY.values() if s.get_final_froms()[0].name in {"clinics"}]
    assert by_key
    for statement in by_key:
        expected = _executed(engine, statement, {"key": "north"})
        assert expected
        assert _direct(engine, statement, {"key": "north"}) == expected


def test_a_read_ahead_is_the_row_execute_reads(engine: Engine, region: Region) -> None:
    uow: Any = region.uow
    found = read_ahead.shape(read_ahead.PROPOSAL, False, uow.read_columns)
    values = {"key": 1, "request": 0}
    expected = _executed(engine, found.statement, values)
    assert len(expected) == 1
    assert _direct(engine, found.statement, values) == expected


def test_a_slot_move_writes_in_the_connections_transaction_and_is_seen_by_the_events(
    engine: Engine, region: Region
) -> None:
    seen: list[str] = []

    def note(conn: object, cursor: object, sql: str, *rest: object) -> None:
        seen.append(sql)

    values = {
        "slot_id": 1,
        "old": SlotStatus.FREE,
        "new": SlotStatus.BUSY,
        "last_updated": datetime(2026, 6, 1, 12, tzinfo=UTC),
    }
    event.listen(engine, "before_cursor_execute", note)
    try:
        with engine.connect() as connection:
            (moved,) = direct.rows(connection, MOVE, values)
            assert moved[0] == 1
            assert moved[6] is SlotStatus.BUSY
            assert moved[8] == values["last_updated"]
            within = connection.execute(select(SLOTS.c.status).where(SLOTS.c.id == 1))
            assert within.scalar_one() is SlotStatus.BUSY
            connection.rollback()
            # refused: the slot is free again, so moving it from busy finds nothing
            assert direct.rows(connection, MOVE, {**values, "old": SlotStatus.BUSY}) == []
            connection.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert sum("UPDATE slots" in sql for sql in seen) == 2
    stored = _executed(engine, select(tables.slots.c.status).where(SLOTS.c.id == 1), {})
    assert stored == [(SlotStatus.FREE,)]


@pytest.fixture
def killable(postgres_admin: Engine) -> Iterator[Engine]:
    for url in fresh_schema(postgres_admin):
        engine = engine_from_url(url, connect_args={"application_name": KILLABLE})
        upgrade(engine)
        yield engine
        engine.dispose()


def _move_then_fail(connection: Any, values: dict[str, Any]) -> None:
    with direct.savepoint(connection):
        assert direct.rows(connection, MOVE, values)
        connection.execute(text("SELECT * FROM no_such_table"))


def test_a_failure_in_a_savepoint_undoes_only_the_savepoints_work(
    engine: Engine, region: Region
) -> None:
    seen: list[str] = []

    def note(conn: object, cursor: object, sql: str, *rest: object) -> None:
        seen.append(sql.split()[0])

    def moved(slot_id: int) -> dict[str, Any]:
        return {"slot_id": slot_id, "old": SlotStatus.FREE, "new": SlotStatus.BUSY}

    status = select(SLOTS.c.id, SLOTS.c.status).where(SLOTS.c.id.in_([1, 2])).order_by(SLOTS.c.id)
    event.listen(engine, "before_cursor_execute", note)
    try:
        with engine.connect() as connection:
            assert direct.rows(connection, MOVE, moved(1))
            with pytest.raises(DBAPIError):
                _move_then_fail(connection, moved(2))
            # the savepoint's move is undone, the one before it kept, the transaction usable
            after = list(connection.execute(status))
            assert after == [(1, SlotStatus.BUSY), (2, SlotStatus.FREE)]
            with direct.savepoint(connection):
                assert direct.rows(connection, MOVE, moved(2))
            assert list(connection.execute(status))[1] == (2, SlotStatus.BUSY)
            connection.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert seen.count("SAVEPOINT") == 2
    assert seen.count("RELEASE") == 1
    assert seen.count("ROLLBACK") == 1  # to the savepoint: the transaction went on


def _kill(admin: Engine) -> None:
    with admin.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name"
            ),
            {"name": KILLABLE},
        )


def _lost_in_a_savepoint(connection: Any, admin: Engine) -> None:
    with direct.savepoint(connection):
        _kill(admin)
        direct.rows(connection, BY_ID, {"slot_id": 1})


@pytest.mark.postgres
def test_a_connection_lost_in_a_savepoint_is_the_lost_connections_error(
    killable: Engine, postgres_admin: Engine
) -> None:
    with killable.connect() as connection:
        assert direct.rows(connection, BY_ID, {"slot_id": 1}) == []
        with pytest.raises(DBAPIError) as lost:
            _lost_in_a_savepoint(connection, postgres_admin)
        assert lost.value.connection_invalidated
        assert connection.invalidated


@pytest.mark.postgres
def test_a_connection_lost_under_a_direct_statement_is_invalidated(
    killable: Engine, postgres_admin: Engine
) -> None:
    with killable.connect() as connection:
        assert direct.rows(connection, BY_ID, {"slot_id": 1}) == []
        connection.rollback()
        with postgres_admin.connect() as admin:
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": KILLABLE},
            )
        with pytest.raises(DBAPIError) as lost:
            direct.rows(connection, BY_ID, {"slot_id": 1})
        assert lost.value.connection_invalidated


def test_a_statement_after_a_failed_one_is_refused_as_execute_refuses_it(
    engine: Engine, region: Region
) -> None:
    """A transaction a statement failed in must be rolled back first: on PostgreSQL the
    server refuses the next statement, and the refusal is SQLAlchemy's error either way."""
    refusals = []
    for run in (
        lambda c: c.execute(BY_ID, {"slot_id": 1}).all(),
        lambda c: direct.rows(c, BY_ID, {"slot_id": 1}),
    ):
        with engine.connect() as connection:
            with pytest.raises(DBAPIError):
                connection.execute(text("SELECT * FROM no_such_table"))
            if engine.dialect.name == "sqlite":
                assert run(connection)  # SQLite's transaction goes on
                continue
            with pytest.raises(DBAPIError) as refused:
                run(connection)
            refusals.append(type(refused.value))
            connection.rollback()
            assert run(connection)  # after the rollback, read again
    assert len(refusals) in (0, 2)
    assert len(set(refusals)) <= 1
