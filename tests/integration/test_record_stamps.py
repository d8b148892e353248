"""Record stamps in SQL (migration r0012, docs/adr/0015): every write counts and is dated,
whichever statement makes it (a repository's save, an upsert, the slot moves of a
booking), on SQLite and PostgreSQL; and the migration dates the rows it finds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sql_support import at
from sqlalchemy import Engine, bindparam, text, update
from test_repositories import DEE, NORTH, SOUTH, TUESDAY

from parity.adapters.sql import SqlUnitOfWork, engine_from_url, tables
from parity.adapters.sql.column_types import UtcDateTime
from parity.adapters.sql.schema import upgrade
from parity.domain.members import Member
from parity.domain.ports import RecordStamp
from parity.domain.schedule import BlockKind, Slot, SlotStatus


def test_each_save_and_upsert_counts_a_write_and_dates_it_no_earlier(uow: SqlUnitOfWork) -> None:
    with uow:
        uow.clinics.add(NORTH)
        uow.members.add(Member("m1", "Ada Lovelace", "north"))
        uow.commit()
    with uow:
        first = uow.stamps.of("members", ["m1"])["m1"]
        uow.members.save(uow.members.get("m1"))
        uow.commit()
    with uow:
        uow.members.add(Member("m1", "Ada King", "north"))  # the same key: an upsert
        uow.commit()
    with uow:
        last = uow.stamps.of("members", ["m1", "nobody"], lock=True)
    assert first.version == 1
    assert first.last_updated is not None
    assert set(last) == {"m1"}
    assert last["m1"].version == 3
    assert last["m1"].last_updated is not None
    assert last["m1"].last_updated >= first.last_updated


def test_any_core_update_counts_and_dates_a_write(uow: SqlUnitOfWork, engine: Engine) -> None:
    with uow:
        uow.clinics.add(NORTH)
        uow.members.add(Member("m1", "Ada Lovelace", "north"))
        uow.commit()
    with uow:
        before = uow.stamps.of("members", ["m1"])["m1"]
    with engine.begin() as connection:  # no repository: a plain UPDATE
        connection.execute(update(tables.members).values(phone="555-0100"))
    with uow:
        after = uow.stamps.of("members", ["m1"])["m1"]
    assert after.version == before.version + 1
    assert after.last_updated is not None
    assert before.last_updated is not None
    assert after.last_updated >= before.last_updated


def test_a_slot_counts_every_move_a_booking_makes(uow: SqlUnitOfWork) -> None:
    with uow:
        uow.clinics.add(NORTH)
        uow.clinics.add(SOUTH)
        uow.clinicians.add(DEE)
        slot = Slot("dee", "south", at(TUESDAY, 9), at(TUESDAY, 9, 50), BlockKind.FOLLOW_UP)
        uow.slots.add_many([slot], DEE)
        uow.commit()
    with uow:
        laid = uow.stamps.of("slots", [slot.id])[slot.id]
        uow.slots.take(slot.id, SlotStatus.HELD)
        uow.slots.confirm(slot.id)
        uow.slots.release(slot.id)
        uow.commit()
    with uow:
        moved = uow.stamps.of("slots", [slot.id])[slot.id]
    assert laid.version == 1
    assert laid.last_updated is not None
    assert moved.version == 4
    assert moved.last_updated is not None
    assert moved.last_updated >= laid.last_updated


@pytest.fixture
def empty(database_url: str) -> Engine:
    return engine_from_url(database_url)


REQUEST_ROW = """INSERT INTO care_requests (member_id, visit, provider_class, language,
    modalities, clinic_id, requested_at, standard, clock_start, deadline, not_before,
    prior_authorization, status, withdrawn_at)
    VALUES ('m1', 'initial', 'therapist', 'english', '["video"]', 'north', :asked,
    'non-urgent-initial', :asked, :due, :asked, false, 'withdrawn', :withdrawn)"""


def test_the_migration_dates_existing_rows_by_the_times_they_keep(empty: Engine) -> None:
    asked, withdrawn = at(TUESDAY, 9), at(TUESDAY, 15)
    upgrade(empty, "r0011")
    instants = [bindparam(n, type_=UtcDateTime) for n in ("asked", "due", "withdrawn")]
    with empty.begin() as connection:
        connection.execute(text(
            "INSERT INTO clinics (id, name, address, timezone, county, lat, lon) "
            "VALUES ('north', 'North', '1 North St.', 'America/Los_Angeles', 'LA', 0, 0)"
        ))  # fmt: skip
        connection.execute(
            text(REQUEST_ROW).bindparams(*instants),
            {"asked": asked, "due": asked + timedelta(days=10), "withdrawn": withdrawn},
        )
    upgrade(empty)
    with SqlUnitOfWork(empty) as uow:
        (request,) = uow.stamps.of("requests", [1, 2]).values()
        clinic = uow.stamps.of("clinics", ["north"])["north"]
    assert request == RecordStamp(1, withdrawn)  # the latest time the request kept
    assert clinic.version == 1
    assert clinic.last_updated is not None
    empty.dispose()
