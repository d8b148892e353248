"""A scheduling call's save held for the next save (docs/adr/0017-booking-api-speed.md,
sixteenth round), on SQLite and PostgreSQL: on PostgreSQL a `$book` of a hold saves the
request and the hold in one statement, and the records and stamps it leaves are those a
fresh read finds; a save held is sent on its own before the commit, before its stamps are
given and before any other statement; a save refused (a record another transaction
changed) is refused as ever, the first refused leaving the second unwritten. SQLite saves
each record in a statement of its own, as before."""

from __future__ import annotations

import pytest
from sql_support import Region
from sqlalchemy import Engine, text
from test_read_ahead import _free_slot, _fresh, _request, admin_api, statements

from parity.adapters.sql import SqlUnitOfWork
from parity.domain.care import RequestStatus
from parity.domain.errors import InvalidTransition
from parity.domain.holds import HoldStatus
from parity.services.holds import HoldSlot, hold_slot

PAIRED = "WITH first AS (UPDATE care_requests"


def _postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def _held(region: Region) -> tuple[int, int]:
    """A request and a hold of a free slot for it, committed."""
    request_id = _request(region)
    slot = _free_slot(region, request_id)
    hold = hold_slot(HoldSlot(request_id, slot.id), region.uow, region.clock, region.policy)
    return request_id, hold.id


def _book_both(uow: SqlUnitOfWork, request_id: int, hold_id: int) -> None:
    """What a `$book` of a hold saves at its end: the request booked, the hold converted."""
    request = uow.requests.get(request_id)
    request.status = RequestStatus.BOOKED
    uow.requests.save(request)
    hold = uow.holds.get(hold_id)
    hold.end(HoldStatus.BOOKED)
    uow.holds.save(hold)


def _bump(engine: Engine, table: str, key: int) -> None:
    """Another transaction changes the row (its version), committed."""
    with engine.begin() as connection:
        connection.execute(
            text(f"UPDATE {table} SET version = version + 1 WHERE id = :i"), {"i": key}
        )


def test_a_booking_of_a_hold_saves_its_request_and_hold_in_one_statement(
    region: Region, engine: Engine
) -> None:
    request_id, hold_id = _held(region)
    with admin_api(region, engine) as api:
        body = {"resourceType": "Parameters", "parameter": []}
        with statements(engine) as seen:
            book = api.post(f"/Appointment/hold-{hold_id}/$book", json=body)
        assert book.status_code == 200, book.text
    paired = [s for s in seen if s.startswith(PAIRED) and "UPDATE holds" in s]
    alone = [s for s in seen if s.startswith(("UPDATE care_requests", "UPDATE holds"))]
    postgres = _postgres(engine)
    assert (len(paired), len(alone)) == ((1, 0) if postgres else (0, 2)), seen
    # the read-ahead, the slot with the offer, the visit, the two saves, the audit event
    assert len(seen) == 5 if postgres else len(seen) > 5, seen
    assert _fresh(engine, lambda u: u.requests.get(request_id)).status is RequestStatus.BOOKED
    assert _fresh(engine, lambda u: u.holds.get(hold_id)).status is HoldStatus.BOOKED


def test_saved_records_keep_the_stamps_a_fresh_read_gives(region: Region, engine: Engine) -> None:
    request_id, hold_id = _held(region)
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    with uow:
        uow.read_ahead("booking-hold", hold_id)
        _book_both(uow, request_id, hold_id)
        kept = (
            uow.requests.known_stamps([request_id])[request_id],
            uow.holds.known_stamps([hold_id])[hold_id],
        )
        uow.commit()
    assert kept == _fresh(engine, lambda u: _stamps(u, request_id, hold_id))


def _stamps(uow: SqlUnitOfWork, request_id: int, hold_id: int) -> tuple[object, object]:
    uow.requests.get(request_id)
    uow.holds.get(hold_id)
    return (
        uow.requests.known_stamps([request_id])[request_id],
        uow.holds.known_stamps([hold_id])[hold_id],
    )


def test_a_save_held_is_sent_before_its_stamps_are_given(region: Region, engine: Engine) -> None:
    request_id, hold_id = _held(region)
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    with uow:
        uow.read_ahead("booking-hold", hold_id)
        before = uow.requests.known_stamps([request_id])[request_id]
        request = uow.requests.get(request_id)
        request.status = RequestStatus.BOOKED
        uow.requests.save(request)
        after = uow.requests.known_stamps([request_id])[request_id]
        uow.commit()
    assert after.version == before.version + 1
    assert after == _fresh(engine, lambda u: _stamps(u, request_id, hold_id))[0]


def test_a_save_held_is_sent_before_the_commit(region: Region, engine: Engine) -> None:
    request_id, hold_id = _held(region)
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    with uow:
        uow.read_ahead("booking-hold", hold_id)
        request = uow.requests.get(request_id)
        request.status = RequestStatus.BOOKED
        uow.requests.save(request)
        uow.commit()
    assert _fresh(engine, lambda u: u.requests.get(request_id)).status is RequestStatus.BOOKED


def test_a_save_held_is_sent_before_any_other_statement(region: Region, engine: Engine) -> None:
    request_id, hold_id = _held(region)
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    with uow:
        uow.read_ahead("booking-hold", hold_id)
        request = uow.requests.get(request_id)
        request.status = RequestStatus.BOOKED
        uow.requests.save(request)
        found = uow.requests.where(member_id=request.member_id)
        assert [(r.id, r.status) for r in found] == [(request_id, RequestStatus.BOOKED)]


# PostgreSQL only: another transaction writes while this one is open (SQLite's writer lock
# would make it wait for this one).
@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_request_changed_meanwhile_is_refused_and_the_hold_left_unwritten(
    region: Region, engine: Engine
) -> None:
    request_id, hold_id = _held(region)
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    with uow:
        uow.read_ahead("booking-hold", hold_id)
        _bump(engine, "care_requests", request_id)
        with pytest.raises(InvalidTransition, match=f"ServiceRequest {request_id} was changed"):
            _book_both(uow, request_id, hold_id)
        assert [h.status for h in uow.holds.where(id=hold_id)] == [HoldStatus.ACTIVE]


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_hold_changed_meanwhile_is_refused_and_the_request_still_saved(
    region: Region, engine: Engine
) -> None:
    request_id, hold_id = _held(region)
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    with uow:
        uow.read_ahead("booking-hold", hold_id)
        _bump(engine, "holds", hold_id)
        with pytest.raises(InvalidTransition, match=f"Hold {hold_id} was changed"):
            _book_both(uow, request_id, hold_id)
        found = uow.requests.where(id=request_id)
        assert [r.status for r in found] == [RequestStatus.BOOKED]
