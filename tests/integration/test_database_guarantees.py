"""The database itself refuses double bookings and bookings in protected IPC time.

The first tests bypass the repositories and write rows straight into the tables, as a
careless script or a future code path might; the last ones check that the repositories
turn those refusals into the domain's errors. Ana's Monday 08:00-13:00 is protected IPC
time (sql_support.py); her Wednesday intake slots are free.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sql_support import Region, at, initial_request
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import IntegrityError

from parity.adapters.sql import SqlUnitOfWork, tables
from parity.domain.care import Appointment, AppointmentStatus
from parity.domain.errors import InvalidTransition, ProtectedTimeConflict, SlotUnavailable
from parity.domain.schedule import BlockKind, ProtectedTime, Slot, SlotStatus
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


def appointment(
    request_id: int,
    slot_id: int,
    start: datetime,
    end: datetime,
    status: AppointmentStatus = AppointmentStatus.BOOKED,
) -> Appointment:
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
        status,
    )


def _row(record: Appointment) -> dict[str, Any]:
    columns = set(tables.appointments.c.keys()) - {"id", "version", "last_updated"}
    return {name: getattr(record, name) for name in columns}


def _insert(engine: Engine, table: Any, *rows: dict[str, Any]) -> None:
    """Write rows with plain INSERTs in one transaction, bypassing every repository."""
    with engine.begin() as connection:
        for row in rows:
            connection.execute(table.insert(), row)


def _booked(connection: Connection) -> int:
    booked = tables.appointments.c.status == AppointmentStatus.BOOKED
    return connection.execute(select(func.count()).where(booked)).scalar_one()


def test_a_raw_insert_of_an_appointment_into_protected_time_is_refused(
    engine: Engine, ids: dict[str, int]
) -> None:
    in_ipc = appointment(ids["r1"], ids["s1"], at(MONDAY, 9), at(MONDAY, 9, 50))
    with pytest.raises(IntegrityError, match="protected-time"):
        _insert(engine, tables.appointments, _row(in_ipc))
    # Touching the block's edge is not overlapping it.
    after_ipc = appointment(ids["r1"], ids["s1"], at(MONDAY, 13), at(MONDAY, 13, 50))
    _insert(engine, tables.appointments, _row(after_ipc))


def test_a_raw_update_moving_a_booked_appointment_into_protected_time_is_refused(
    engine: Engine, ids: dict[str, int]
) -> None:
    _insert(
        engine,
        tables.appointments,
        _row(appointment(ids["r1"], ids["s1"], at(WEDNESDAY, 9), at(WEDNESDAY, 10))),
    )
    moved = tables.appointments.update().values(start=at(MONDAY, 12), end=at(MONDAY, 14))
    with pytest.raises(IntegrityError, match="protected-time"), engine.begin() as connection:
        connection.execute(moved)


def test_a_cancelled_appointment_may_lie_in_protected_time(
    engine: Engine, ids: dict[str, int]
) -> None:
    cancelled = appointment(
        ids["r1"], ids["s1"], at(MONDAY, 9), at(MONDAY, 10), AppointmentStatus.CANCELLED
    )
    _insert(engine, tables.appointments, _row(cancelled))


def test_two_booked_appointments_on_one_slot_are_refused(
    engine: Engine, ids: dict[str, int]
) -> None:
    first = appointment(ids["r1"], ids["s1"], at(WEDNESDAY, 9), at(WEDNESDAY, 10))
    second = appointment(ids["r2"], ids["s1"], at(WEDNESDAY, 9), at(WEDNESDAY, 10))
    with pytest.raises(IntegrityError):
        _insert(engine, tables.appointments, _row(first), _row(second))
    with engine.connect() as connection:
        assert _booked(connection) == 0
    # A cancelled appointment frees the slot for a new booking.
    first.status = AppointmentStatus.CANCELLED
    _insert(engine, tables.appointments, _row(first), _row(second))


def test_one_request_cannot_hold_two_booked_appointments(
    engine: Engine, ids: dict[str, int]
) -> None:
    first = appointment(ids["r1"], ids["s1"], at(WEDNESDAY, 9), at(WEDNESDAY, 10))
    second = appointment(ids["r1"], ids["s2"], at(WEDNESDAY, 10), at(WEDNESDAY, 11))
    with pytest.raises(IntegrityError):
        _insert(engine, tables.appointments, _row(first), _row(second))


def test_a_raw_insert_of_a_slot_into_protected_time_is_refused(
    engine: Engine, region: Region
) -> None:
    row = {
        "clinician_id": "ana",
        "clinic_id": "north",
        "start": at(MONDAY, 12, 30),
        "end": at(MONDAY, 13, 20),
        "kind": BlockKind.FOLLOW_UP,
        "status": SlotStatus.FREE,
    }
    with pytest.raises(IntegrityError, match="protected-time"):
        _insert(engine, tables.slots, row)
    _insert(engine, tables.slots, {**row, "clinician_id": "ben", "clinic_id": "south"})


def test_protected_time_over_a_booked_appointment_is_refused(
    engine: Engine, ids: dict[str, int]
) -> None:
    _insert(
        engine,
        tables.appointments,
        _row(appointment(ids["r1"], ids["s1"], at(WEDNESDAY, 9), at(WEDNESDAY, 10))),
    )
    block = {
        "clinician_id": "ana",
        "start": at(WEDNESDAY, 9, 30),
        "end": at(WEDNESDAY, 11),
        "source": "x",
    }
    with pytest.raises(IntegrityError, match="protected-time"):
        _insert(engine, tables.protected_times, block)
    _insert(engine, tables.protected_times, {**block, "start": at(WEDNESDAY, 10)})


def test_intervals_longer_than_a_day_or_ending_before_they_start_are_refused(
    engine: Engine, region: Region
) -> None:
    slot = {
        "clinician_id": "ben",
        "clinic_id": "south",
        "start": at(MONDAY, 18),
        "end": at(date(2026, 6, 2), 18, 1),
        "kind": BlockKind.URGENT,
        "status": SlotStatus.FREE,
    }
    with pytest.raises(IntegrityError):
        _insert(engine, tables.slots, slot)
    with pytest.raises(IntegrityError):
        _insert(engine, tables.slots, {**slot, "end": at(MONDAY, 17)})


def test_the_repositories_report_the_rule_the_database_enforced(
    uow: SqlUnitOfWork, ids: dict[str, int]
) -> None:
    in_ipc = Slot("ana", "north", at(MONDAY, 9), at(MONDAY, 9, 50), BlockKind.FOLLOW_UP)
    with uow, pytest.raises(ProtectedTimeConflict, match="protected-time"):
        uow.slots.add_many([in_ipc], uow.clinicians.get("ana"))
    with uow, pytest.raises(ProtectedTimeConflict):
        uow.appointments.add(appointment(ids["r1"], ids["s1"], at(MONDAY, 9), at(MONDAY, 10)))
    with uow:
        uow.appointments.add(appointment(ids["r1"], ids["s1"], at(WEDNESDAY, 9), at(WEDNESDAY, 10)))
        uow.commit()
    with uow, pytest.raises(SlotUnavailable):
        uow.appointments.add(appointment(ids["r2"], ids["s1"], at(WEDNESDAY, 9), at(WEDNESDAY, 10)))
    with uow, pytest.raises(InvalidTransition):
        uow.appointments.add(
            appointment(ids["r1"], ids["s2"], at(WEDNESDAY, 10), at(WEDNESDAY, 11))
        )
    with uow, pytest.raises(ProtectedTimeConflict):
        uow.protected.add_many([ProtectedTime("ana", at(WEDNESDAY, 8), at(WEDNESDAY, 12))])


def test_a_slot_later_covered_by_protected_time_cannot_be_booked(
    region: Region, ids: dict[str, int]
) -> None:
    with region.uow:
        slot = region.uow.slots.get(ids["s1"])
        region.uow.protected.add_many([ProtectedTime("ana", slot.start, slot.end, "manual")])
        region.uow.commit()
    with pytest.raises(ProtectedTimeConflict):
        book_request(BookRequest(ids["r1"], slot.id), region.uow, region.clock, region.policy)
    with region.uow:
        assert region.uow.slots.get(slot.id).status is SlotStatus.FREE


def test_a_refused_write_leaves_the_rest_of_the_transaction_usable(
    uow: SqlUnitOfWork, ids: dict[str, int]
) -> None:
    with uow:
        with pytest.raises(ProtectedTimeConflict):
            uow.appointments.add(appointment(ids["r1"], ids["s1"], at(MONDAY, 9), at(MONDAY, 10)))
        uow.slots.take(ids["s1"])
        uow.appointments.add(appointment(ids["r1"], ids["s1"], at(WEDNESDAY, 9), at(WEDNESDAY, 10)))
        uow.commit()
    with uow:
        assert [a.slot_id for a in uow.appointments.where(request_id=ids["r1"])] == [ids["s1"]]
