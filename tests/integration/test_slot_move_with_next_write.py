"""A scheduling call's slot move sent with the write after it (docs/adr/0017-booking-api-
speed.md, sixteenth round), on SQLite and PostgreSQL: on PostgreSQL a `$hold` inserts its
hold, a `$book` its offer and a `$cancel` saves its request in the statement that moves
the slot (one statement fewer each), and what they leave behind is what a fresh read
finds; a move that the slot refuses writes nothing and is refused as ever; a move held is
sent on its own before any other statement and before the commit; a release of a slot
already free still saves the request, and a request changed meanwhile is still refused.
SQLite moves the slot in a statement of its own, as before."""

from __future__ import annotations

from typing import Any

import pytest
from sql_support import Region
from sqlalchemy import Engine, text
from test_read_ahead import _free_slot, _fresh, _request, admin_api, post_proposal, statements

from parity.adapters.sql import SqlUnitOfWork
from parity.domain.care import Offer, RequestStatus
from parity.domain.errors import InvalidTransition, SlotUnavailable
from parity.domain.holds import Hold, HoldStatus
from parity.domain.schedule import Slot, SlotStatus
from parity.services.booking import BookRequest, book_request

MOVED = "WITH moved AS (UPDATE slots"


def _postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def _alone(seen: list[str]) -> list[str]:
    """The statements among `seen` that move a slot on their own."""
    return [s for s in seen if s.startswith("UPDATE slots")]


def _carried(seen: list[str], write: str) -> list[str]:
    """The statements among `seen` that move a slot and make `write` too."""
    return [s for s in seen if s.startswith(MOVED) and write in s]


def _set_slot(engine: Engine, slot_id: int, status: str) -> None:
    """Another transaction changes the slot's status (and so its version), committed."""
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE slots SET status = :s, version = version + 1 WHERE id = :i"),
            {"s": status, "i": slot_id},
        )


def _take_and_hold(uow: SqlUnitOfWork, request_id: int, slot_id: int, region: Region) -> None:
    """What `$hold` writes: the slot taken, then the hold."""
    now = region.clock.now()
    uow.slots.take(slot_id, SlotStatus.HELD)
    uow.holds.add(Hold(request_id=request_id, slot_id=slot_id, held_at=now, expires_at=now))


def test_hold_book_and_cancel_carry_their_slot_move_in_their_next_write(
    region: Region, engine: Engine
) -> None:
    request_id = _request(region)
    slot = _free_slot(region, request_id)
    postgres = _postgres(engine)
    with admin_api(region, engine) as api:
        with statements(engine) as held:
            hold = post_proposal(api, "hold", request_id, slot)
        assert hold.status_code == 200, hold.text
        hold_id = hold.json()["entry"][0]["resource"]["id"]
        body = {"resourceType": "Parameters", "parameter": []}
        with statements(engine) as booked:
            book = api.post(f"/Appointment/{hold_id}/$book", json=body)
        assert book.status_code == 200, book.text
        visit_id = book.json()["entry"][0]["resource"]["id"]
        cancel_body = {
            "resourceType": "Parameters",
            "parameter": [{"name": "cancelled-by", "valueCode": "member"}],
        }
        with statements(engine) as cancelled:
            cancel = api.post(f"/Appointment/{visit_id}/$cancel", json=cancel_body)
        assert cancel.status_code == 200, cancel.text
    for seen, write in (
        (held, "INSERT INTO holds"),
        (booked, "INSERT INTO offers"),
        (cancelled, "UPDATE care_requests"),
    ):
        assert len(_carried(seen, write)) == (1 if postgres else 0), seen
        assert len(_alone(seen)) == (0 if postgres else 1), seen
    # the read-ahead, the move with the hold, the audit event
    assert len(held) == (3 if postgres else 6), held
    after = _fresh(engine, lambda u: (u.slots.get(slot.id), u.requests.get(request_id)))
    assert after[0].status is SlotStatus.FREE
    assert after[1].status is RequestStatus.WITHDRAWN
    held_row = _fresh(engine, lambda u: u.holds.where(request_id=request_id))
    assert [h.status for h in held_row] == [HoldStatus.BOOKED]
    offers = _fresh(engine, lambda u: u.offers.where(request_id=request_id))
    assert [(o.slot_id, o.response.value) for o in offers] == [(slot.id, "accepted")]


def test_a_moved_slot_is_kept_at_the_stamp_a_fresh_read_gives(
    region: Region, engine: Engine
) -> None:
    request_id = _request(region)
    slot = _free_slot(region, request_id)
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    with uow:
        uow.read_ahead("booking-proposal", slot.id, request_id)
        uow.slots.take(slot.id)
        uow.offers.add(_offer(request_id, slot, region))
        kept = uow.slots.known_stamps([slot.id])[slot.id]
        moved = uow.slots.get(slot.id)
        uow.commit()
    version, updated = _slot_stamp(engine, slot.id)
    assert (kept.version, kept.last_updated) == (version, updated)
    assert moved == _fresh(engine, lambda u: u.slots.get(slot.id))
    assert moved.status is SlotStatus.BUSY


def _slot_stamp(engine: Engine, slot_id: int) -> tuple[int, Any]:
    fresh = SqlUnitOfWork(engine)
    with fresh:
        fresh.slots.get(slot_id)
        stamp = fresh.slots.known_stamps([slot_id])[slot_id]
    return stamp.version, stamp.last_updated


def _offer(request_id: int, slot: Slot, region: Region) -> Offer:
    return Offer(request_id, slot.id, slot.clinician_id, slot.start, region.clock.now(), True)


def test_a_refused_move_writes_nothing_and_is_refused_as_ever(
    region: Region, engine: Engine
) -> None:
    request_id = _request(region)
    slot = _free_slot(region, request_id)
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    _set_slot(engine, slot.id, "busy")  # taken since it was found
    with uow:
        uow.read_ahead("holding-proposal", slot.id, request_id)
        with pytest.raises(SlotUnavailable, match=f"slot {slot.id} is not free \\(busy\\)"):
            _take_and_hold(uow, request_id, slot.id, region)
        # the transaction goes on, and holds nothing of the refused hold
        assert uow.holds.where(request_id=request_id) == []
        uow.commit()
    assert _fresh(engine, lambda u: u.holds.where(request_id=request_id)) == []
    assert _fresh(engine, lambda u: u.slots.get(slot.id)).status is SlotStatus.BUSY


def test_a_move_held_goes_alone_before_any_other_statement(region: Region, engine: Engine) -> None:
    request_id = _request(region)
    slot = _free_slot(region, request_id)
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    with uow:
        uow.read_ahead("holding-proposal", slot.id, request_id)
        uow.slots.take(slot.id, SlotStatus.HELD)
        with statements(engine) as seen:
            found = uow.slots.for_clinician(slot.clinician_id, slot.start, slot.end)
        assert [(s.id, s.status) for s in found] == [(slot.id, SlotStatus.HELD)]
        assert len(_alone(seen)) == (1 if _postgres(engine) else 0), seen
    assert _fresh(engine, lambda u: u.slots.get(slot.id)).status is SlotStatus.FREE  # rolled back


def test_a_move_held_is_sent_before_the_commit(region: Region, engine: Engine) -> None:
    request_id = _request(region)
    slot = _free_slot(region, request_id)
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    with uow:
        uow.read_ahead("holding-proposal", slot.id, request_id)
        uow.slots.take(slot.id, SlotStatus.HELD)
        uow.commit()
    assert _fresh(engine, lambda u: u.slots.get(slot.id)).status is SlotStatus.HELD


def _booked(region: Region) -> tuple[int, int, int]:
    """A request booked into a free slot: the request, the slot and the visit."""
    request_id = _request(region)
    slot = _free_slot(region, request_id)
    decision = book_request(
        BookRequest(request_id, slot.id), region.uow, region.clock, region.policy
    )
    assert decision.appointment_id is not None
    return request_id, slot.id, decision.appointment_id


def test_a_release_of_a_slot_already_free_still_saves_the_request(
    region: Region, engine: Engine
) -> None:
    request_id, slot_id, visit_id = _booked(region)
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    _set_slot(engine, slot_id, "free")  # freed by hand since it was booked
    with uow:
        uow.read_ahead("visit", visit_id)
        uow.slots.release(slot_id)
        request = uow.requests.get(request_id)
        request.status = RequestStatus.WITHDRAWN
        uow.requests.save(request)
        uow.commit()
    assert _fresh(engine, lambda u: u.requests.get(request_id)).status is RequestStatus.WITHDRAWN
    assert _fresh(engine, lambda u: u.slots.get(slot_id)).status is SlotStatus.FREE


# PostgreSQL only: another transaction writes while this one is open (SQLite's writer lock
# would make it wait for this one).
@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_request_changed_meanwhile_is_refused_after_a_release(
    region: Region, engine: Engine
) -> None:
    request_id, slot_id, visit_id = _booked(region)
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    with uow:
        uow.read_ahead("visit", visit_id)
        with engine.begin() as connection:  # another transaction changes the request
            connection.execute(
                text("UPDATE care_requests SET version = version + 1 WHERE id = :i"),
                {"i": request_id},
            )
        uow.slots.release(slot_id)
        request = uow.requests.get(request_id)
        request.status = RequestStatus.WITHDRAWN
        with pytest.raises(InvalidTransition, match="changed by another transaction"):
            uow.requests.save(request)
    assert _fresh(engine, lambda u: u.requests.get(request_id)).status is RequestStatus.BOOKED
    assert _fresh(engine, lambda u: u.slots.get(slot_id)).status is SlotStatus.BUSY


def test_a_move_and_a_save_held_are_rolled_back_with_their_transaction(
    region: Region, engine: Engine
) -> None:
    request_id = _request(region)
    slot = _free_slot(region, request_id)
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    for held in ("move", "save"):
        with uow:
            uow.read_ahead("holding-proposal", slot.id, request_id)
            if held == "move":
                uow.slots.take(slot.id, SlotStatus.HELD)
            else:
                request = uow.requests.get(request_id)
                request.status = RequestStatus.WITHDRAWN
                uow.requests.save(request)
            uow.rollback()
            uow.commit()  # nothing left to commit
    assert _fresh(engine, lambda u: u.slots.get(slot.id)).status is SlotStatus.FREE
    assert _fresh(engine, lambda u: u.requests.get(request_id)).status is RequestStatus.OPEN
