"""A booked appointment is written by one INSERT that asks the schema's questions itself
(adapters/sql/guarded_insert.py): a double booking it would make writes nothing, and only
then the INSERT runs in a savepoint to raise the refusal, as before: the 409's rule, one
appointment left, the transaction still usable. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

import pytest
from sql_support import Region, at, initial_request
from sqlalchemy import Engine, event, func, select, text

from parity.adapters.sql import SqlUnitOfWork, tables
from parity.adapters.sql.errors import PROTECTED_TIME
from parity.adapters.sql.guarded_insert import COVERED
from parity.domain.care import Appointment, AppointmentStatus, RequestStatus
from parity.domain.errors import InvalidTransition, ProtectedTimeConflict, SlotUnavailable
from parity.domain.standards import VisitType
from parity.domain.workforce import Modality
from parity.services.booking import BookRequest, book_request
from parity.services.requests import open_request

MONDAY = date(2026, 6, 1)
WEDNESDAY = date(2026, 6, 3)


@pytest.fixture
def ids(region: Region) -> dict[str, int]:
    """Two open requests and ana's first two Wednesday intake slots."""
    first = open_request(initial_request("m1"), region.uow, region.clock, region.policy)
    second = open_request(initial_request("m2"), region.uow, region.clock, region.policy)
    with region.uow:
        slots = region.uow.slots.for_clinician("ana", at(WEDNESDAY, 0), at(WEDNESDAY, 23))
    return {"r1": first.id, "r2": second.id, "s1": slots[0].id, "s2": slots[1].id}


def _appointment(request_id: int, slot_id: int, start: datetime, end: datetime) -> Appointment:
    return Appointment(
        request_id,
        "m1",
        "ana",
        "north",
        slot_id,
        start,
        end,
        VisitType.INITIAL,
        Modality.IN_PERSON,
        at(date(2026, 5, 31), 12),
        AppointmentStatus.BOOKED,
    )


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(conn: object, cursor: object, sql: str, *rest: object) -> None:
        seen.append(" ".join(sql.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _booked_on(engine: Engine, slot_id: int) -> int:
    booked = tables.appointments.c.status == AppointmentStatus.BOOKED
    query = select(func.count()).where(booked, tables.appointments.c.slot_id == slot_id)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _kinds(seen: list[str]) -> list[str]:
    """The statements that wrote or guarded an appointment, by kind."""
    kinds = []
    for sql in seen:
        if sql.startswith("INSERT INTO appointments"):
            kinds.append("asked" if "ON CONFLICT DO NOTHING" in sql else "insert")
        elif "SAVEPOINT" in sql:
            kinds.append(sql.split()[0])
    return kinds


def test_a_booking_is_one_insert_and_no_savepoint(
    uow: SqlUnitOfWork, ids: dict[str, int], engine: Engine
) -> None:
    with uow, _statements(engine) as seen:
        added = uow.appointments.add(
            _appointment(ids["r1"], ids["s1"], at(WEDNESDAY, 9), at(WEDNESDAY, 10))
        )
        uow.commit()
    assert _kinds(seen) == ["asked"]
    assert added.id > 0
    with uow:
        assert uow.appointments.get(added.id).slot_id == ids["s1"]
    assert _booked_on(engine, ids["s1"]) == 1


def test_a_second_booking_of_a_slot_is_refused_and_the_transaction_goes_on(
    uow: SqlUnitOfWork, ids: dict[str, int], engine: Engine
) -> None:
    with uow:
        uow.appointments.add(
            _appointment(ids["r1"], ids["s1"], at(WEDNESDAY, 9), at(WEDNESDAY, 10))
        )
        uow.commit()
    with uow:
        with _statements(engine) as seen, pytest.raises(SlotUnavailable) as refused:
            uow.appointments.add(
                _appointment(ids["r2"], ids["s1"], at(WEDNESDAY, 9), at(WEDNESDAY, 10))
            )
        # asked first (nothing written), then the plain INSERT in its savepoint raised
        assert _kinds(seen)[:3] == ["asked", "SAVEPOINT", "insert"]
        assert _kinds(seen)[-1] == "ROLLBACK" or engine.dialect.name == "sqlite"
        uow.slots.take(ids["s2"])  # the transaction is still usable
        uow.appointments.add(
            _appointment(ids["r2"], ids["s2"], at(WEDNESDAY, 10), at(WEDNESDAY, 11))
        )
        uow.commit()
    assert refused.value.http_status == 409
    assert _booked_on(engine, ids["s1"]) == 1
    assert _booked_on(engine, ids["s2"]) == 1


def test_a_request_booked_twice_is_refused_as_its_rule(
    uow: SqlUnitOfWork, ids: dict[str, int], engine: Engine
) -> None:
    with uow:
        uow.appointments.add(
            _appointment(ids["r1"], ids["s1"], at(WEDNESDAY, 9), at(WEDNESDAY, 10))
        )
        uow.commit()
    with uow, pytest.raises(InvalidTransition, match="already has a booked appointment"):
        uow.appointments.add(
            _appointment(ids["r1"], ids["s2"], at(WEDNESDAY, 10), at(WEDNESDAY, 11))
        )
    assert _booked_on(engine, ids["s2"]) == 0


def test_a_booking_in_protected_time_writes_nothing_and_is_refused(
    uow: SqlUnitOfWork, ids: dict[str, int], engine: Engine
) -> None:
    with uow:
        with _statements(engine) as seen, pytest.raises(ProtectedTimeConflict):
            uow.appointments.add(_appointment(ids["r1"], ids["s1"], at(MONDAY, 9), at(MONDAY, 10)))
        assert _kinds(seen)[:3] == ["asked", "SAVEPOINT", "insert"]
        # a block's edge is not inside it: the same INSERT writes this one
        uow.appointments.add(_appointment(ids["r1"], ids["s1"], at(MONDAY, 13), at(MONDAY, 14)))
        uow.commit()
    assert _booked_on(engine, ids["s1"]) == 1


def test_a_double_booking_through_the_service_is_a_409_and_leaves_one_appointment(
    region: Region, ids: dict[str, int], engine: Engine
) -> None:
    first = book_request(BookRequest(ids["r1"], ids["s1"]), region.uow, region.clock, region.policy)
    # A careless script frees the slot's row but leaves its booking: only the unique
    # index on booked appointments stands between the next booking and a double one.
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE slots SET status = 'free' WHERE id = :id"), {"id": ids["s1"]}
        )
    with pytest.raises(SlotUnavailable) as refused:
        book_request(BookRequest(ids["r2"], ids["s1"]), region.uow, region.clock, region.policy)
    assert refused.value.http_status == 409
    assert _booked_on(engine, ids["s1"]) == 1
    with region.uow:
        assert region.uow.requests.get(ids["r2"]).status is RequestStatus.OPEN
        assert [a.id for a in region.uow.appointments.where(slot_id=ids["s1"])] == [
            first.appointment_id
        ]


def test_two_transactions_booking_one_slot_at_once_leave_one_appointment(
    backend: str, engine: Engine, ids: dict[str, int]
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite runs one writer at a time: its transactions cannot overlap")
    first, second = SqlUnitOfWork(engine), SqlUnitOfWork(engine)
    outcome: list[object] = []

    def book_second() -> None:
        try:
            with second:
                second.appointments.add(
                    _appointment(ids["r2"], ids["s1"], at(WEDNESDAY, 9), at(WEDNESDAY, 10))
                )
                second.commit()
            outcome.append("booked")
        except SlotUnavailable as error:
            outcome.append(error)

    with first:
        first.appointments.add(
            _appointment(ids["r1"], ids["s1"], at(WEDNESDAY, 9), at(WEDNESDAY, 10))
        )
        waiting = threading.Thread(target=book_second)
        waiting.start()
        waiting.join(0.5)  # the second INSERT waits on the first's row in the index
        assert waiting.is_alive()
        first.commit()
    waiting.join(10)
    assert len(outcome) == 1
    assert isinstance(outcome[0], SlotUnavailable)
    assert _booked_on(engine, ids["s1"]) == 1


def test_the_insert_asks_about_every_refusal_the_schema_has_for_its_tables(
    engine: Engine,
) -> None:
    """ON CONFLICT DO NOTHING (no target) covers every unique index; the protected-time
    test is the one question left, so every trigger on these tables must be that one."""
    if engine.dialect.name == "postgresql":
        triggers = text(
            "SELECT t.relname, p.prosrc FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid"
            " JOIN pg_proc p ON p.oid = g.tgfoid WHERE NOT g.tgisinternal"
            " AND t.relnamespace = current_schema()::regnamespace"
        )
    else:
        triggers = text("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
    with engine.connect() as connection:
        found = [(table, sql) for table, sql in connection.execute(triggers) if table in COVERED]
    assert found
    assert all(PROTECTED_TIME in sql for _table, sql in found), found


def _searches(seen: list[str]) -> int:
    return sum(s.startswith("SELECT appointments.") for s in seen)


def test_a_first_visit_is_its_requests_only_one_as_the_search_would_say(
    uow: SqlUnitOfWork, ids: dict[str, int], engine: Engine
) -> None:
    with uow:
        added = uow.appointments.add(
            _appointment(ids["r1"], ids["s1"], at(WEDNESDAY, 9), at(WEDNESDAY, 10))
        )
        with _statements(engine) as seen:
            answered = uow.appointments.where(request_id=ids["r1"])
        # PostgreSQL's INSERT said nothing held the request before it: no search
        assert _searches(seen) == (0 if engine.dialect.name == "postgresql" else 1)
        assert answered == [added]
        assert uow.appointments.where(request_id=ids["r2"]) == []
        uow.commit()
    with uow:
        assert uow.appointments.where(request_id=ids["r1"]) == answered


def test_a_request_with_an_earlier_visit_is_searched(
    uow: SqlUnitOfWork, ids: dict[str, int], engine: Engine
) -> None:
    with uow:
        earlier = uow.appointments.add(
            _appointment(ids["r1"], ids["s1"], at(WEDNESDAY, 9), at(WEDNESDAY, 10))
        )
        earlier.status = AppointmentStatus.CANCELLED
        uow.appointments.save(earlier)
        uow.commit()
    with uow:
        later = uow.appointments.add(
            _appointment(ids["r1"], ids["s2"], at(WEDNESDAY, 10), at(WEDNESDAY, 11))
        )
        with _statements(engine) as seen:
            found = uow.appointments.where(request_id=ids["r1"])
        assert _searches(seen) == 1
        assert [a.id for a in found] == [earlier.id, later.id]


def test_a_write_after_the_insert_sends_the_search_to_the_database_again(
    uow: SqlUnitOfWork, ids: dict[str, int], engine: Engine
) -> None:
    with uow:
        added = uow.appointments.add(
            _appointment(ids["r1"], ids["s1"], at(WEDNESDAY, 9), at(WEDNESDAY, 10))
        )
        added.request_id = ids["r2"]  # moved to the other request
        uow.appointments.save(added)
        with _statements(engine) as seen:
            assert uow.appointments.where(request_id=ids["r1"]) == []
            assert [a.id for a in uow.appointments.where(request_id=ids["r2"])] == [added.id]
        assert _searches(seen) == 2
