"""A booking's read-ahead tells whether protected time overlaps its slot
(docs/adr/0017-booking-api-speed.md, fourteenth round), on SQLite and PostgreSQL: on
PostgreSQL the booking's own question about that slot is then answered without a statement,
with what a fresh query answers; a slot in protected time is still found in it, and its
booking refused, by the service and through the API; a block the transaction adds, and a
new transaction, ask again. On SQLite the read-ahead reads as a plain one and the question
is asked as before."""

from __future__ import annotations

from typing import Any

import pytest
from sql_support import Region
from sqlalchemy import Engine
from test_read_ahead import (
    _free_slot,
    _fresh,
    _request,
    admin_api,
    post_proposal,
    statements,
)

from parity.adapters.sql import SqlUnitOfWork
from parity.domain.errors import ProtectedTimeConflict
from parity.domain.schedule import ProtectedTime, Slot, SlotStatus
from parity.services.booking import BookRequest, book_request


def _asked(seen: list[str]) -> list[str]:
    """The statements among `seen` that read protected time on their own."""
    return [s for s in seen if s.startswith("SELECT protected_times.")]


def _overlapping(uow: Any, slot: Slot) -> list[ProtectedTime]:
    return list(uow.protected.overlapping(slot.clinician_id, slot.start, slot.end))


def _cover(region: Region, slot: Slot) -> ProtectedTime:
    """Protected time laid over the free slot, committed (as a contract change would)."""
    block = ProtectedTime(slot.clinician_id, slot.start, slot.end, "manual")
    with region.uow:
        region.uow.protected.add_many([block])
        region.uow.commit()
    return block


def test_a_clear_slot_read_ahead_for_a_booking_is_asked_about_without_a_statement(
    region: Region, engine: Engine
) -> None:
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    request_id = _request(region)
    slot = _free_slot(region, request_id)
    with uow:
        uow.read_ahead("booking-proposal", slot.id, request_id)
        with statements(engine) as seen:
            assert _overlapping(uow, uow.slots.get(slot.id)) == []
            assert uow.requests.get(request_id).id == request_id  # read ahead as before
        assert len(_asked(seen)) == (0 if engine.dialect.name == "postgresql" else 1)
    assert _fresh(engine, lambda u: _overlapping(u, slot)) == []


def test_a_slot_in_protected_time_is_still_found_in_it_and_its_booking_refused(
    region: Region, engine: Engine
) -> None:
    uow = region.uow
    request_id = _request(region)
    slot = _free_slot(region, request_id)
    block = _cover(region, slot)
    with uow:
        assert isinstance(uow, SqlUnitOfWork)
        uow.read_ahead("booking-proposal", slot.id, request_id)
        found = _overlapping(uow, uow.slots.get(slot.id))
    assert [(b.clinician_id, b.start, b.end) for b in found] == [
        (block.clinician_id, block.start, block.end)
    ]
    assert found == _fresh(engine, lambda u: _overlapping(u, slot))
    with pytest.raises(ProtectedTimeConflict):
        book_request(BookRequest(request_id, slot.id), uow, region.clock, region.policy)
    assert _fresh(engine, lambda u: u.slots.get(slot.id)).status is SlotStatus.FREE


def test_a_block_added_after_the_read_ahead_and_a_new_transaction_ask_again(
    region: Region, engine: Engine
) -> None:
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    request_id = _request(region)
    slot = _free_slot(region, request_id)
    block = ProtectedTime(slot.clinician_id, slot.start, slot.end, "manual")
    with uow:
        uow.read_ahead("booking-proposal", slot.id, request_id)
        uow.protected.add_many([block])
        with statements(engine) as seen:
            found = _overlapping(uow, slot)
        assert [b.start for b in found] == [slot.start]
        assert _asked(seen)
    with uow:  # rolled back: the block is gone, and nothing noted before is kept
        with statements(engine) as seen:
            assert _overlapping(uow, slot) == []
        assert _asked(seen)


def test_book_asks_no_protected_time_of_its_own_and_refuses_a_slot_in_it(
    region: Region, engine: Engine
) -> None:
    first, second = _request(region, "ada"), _request(region, "bo")
    clear = _free_slot(region, first)
    covered = _free_slot(region, second)
    with admin_api(region, engine) as api:
        with statements(engine) as seen:
            booked = post_proposal(api, "book", first, clear)
        assert booked.status_code == 200, booked.text
        asked = _asked(seen)
        assert len(asked) == (0 if engine.dialect.name == "postgresql" else 1), asked
        if covered.id == clear.id:
            covered = _free_slot(region, second)
        _cover(region, covered)
        refused = post_proposal(api, "book", second, covered)
    assert refused.status_code == 409, refused.text
    assert "protected" in refused.text
    assert _fresh(engine, lambda u: u.slots.get(covered.id)).status is SlotStatus.FREE
