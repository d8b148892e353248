"""A `$hold`'s read-ahead reads, with its proposal, the earliest expiry of an active hold
(docs/adr/0017-booking-api-speed.md, fifteenth round), on SQLite and PostgreSQL: on
PostgreSQL the hold's search for active holds due by a moment before that expiry is then
answered without a statement, with what a fresh search answers; a hold that is due is
still found and expired, by the service and through the API; a moment at or after the
expiry, a hold written in the transaction, and a new transaction search again. On SQLite
the read-ahead reads as a plain one and the search runs as before."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

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
from parity.domain.holds import Hold, HoldStatus
from parity.domain.schedule import SlotStatus
from parity.services.holds import HoldSlot, hold_slot

HOLDING = "holding-proposal"


def _searched(seen: list[str]) -> list[str]:
    """The statements among `seen` that search holds on their own."""
    return [s for s in seen if s.startswith("SELECT holds.")]


def _due(uow: Any, moment: Any) -> list[tuple[int, Any]]:
    return [(h.id, h.expires_at) for h in uow.holds.due("expires_at", moment, status="active")]


def _postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def _held(region: Region, member: str, minutes: int = 15) -> tuple[Hold, int]:
    """A hold of a free slot for a new request of `member`, committed; and that request."""
    request_id = _request(region, member)
    slot = _free_slot(region, request_id)
    cmd = HoldSlot(request_id, slot.id, timedelta(minutes=minutes))
    return hold_slot(cmd, region.uow, region.clock, region.policy), request_id


def test_no_hold_due_before_the_earliest_expiry_is_answered_without_a_statement(
    region: Region, engine: Engine
) -> None:
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    held, _ = _held(region, "ada")
    request_id = _request(region, "bo")
    slot = _free_slot(region, request_id)
    now = region.clock.now()
    with uow:
        uow.read_ahead(HOLDING, slot.id, request_id)
        with statements(engine) as seen:
            assert _due(uow, now) == []
            assert _due(uow, held.expires_at - timedelta(microseconds=1)) == []
            assert uow.requests.get(request_id).id == request_id  # read ahead as before
        assert len(_searched(seen)) == (0 if _postgres(engine) else 2)
        with statements(engine) as seen:  # at the expiry: due, so searched
            assert _due(uow, held.expires_at) == [(held.id, held.expires_at)]
        assert len(_searched(seen)) == 1
    assert _fresh(engine, lambda u: _due(u, now)) == []
    assert _fresh(engine, lambda u: _due(u, held.expires_at)) == [(held.id, held.expires_at)]


def test_with_no_active_hold_nothing_is_due_at_any_moment(region: Region, engine: Engine) -> None:
    uow = region.uow
    request_id = _request(region)
    slot = _free_slot(region, request_id)
    with uow:
        assert isinstance(uow, SqlUnitOfWork)
        uow.read_ahead(HOLDING, slot.id, request_id)
        with statements(engine) as seen:
            assert _due(uow, region.clock.now() + timedelta(days=365)) == []
        assert len(_searched(seen)) == (0 if _postgres(engine) else 1)


def test_a_hold_written_after_the_read_ahead_and_a_new_transaction_search_again(
    region: Region, engine: Engine
) -> None:
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    request_id = _request(region)
    slot = _free_slot(region, request_id)
    now = region.clock.now()
    with uow:
        uow.read_ahead(HOLDING, slot.id, request_id)
        written = uow.holds.add(Hold(request_id, slot.id, now - timedelta(hours=1), now))
        with statements(engine) as seen:
            assert _due(uow, now) == [(written.id, now)]
        assert _searched(seen)
    with uow:  # rolled back: the hold is gone, and nothing noted before is kept
        with statements(engine) as seen:
            assert _due(uow, now) == []
        assert _searched(seen)


def test_hold_searches_no_holds_of_its_own_and_still_expires_a_due_one(
    region: Region, engine: Engine
) -> None:
    stale, _ = _held(region, "ada", minutes=5)
    first, second = _request(region, "bo"), _request(region, "cy")
    with admin_api(region, engine) as api:
        with statements(engine) as seen:
            held = post_proposal(api, "hold", first, _free_slot(region, first))
        assert held.status_code == 200, held.text
        assert len(_searched(seen)) == (0 if _postgres(engine) else 1), seen
        assert _fresh(engine, lambda u: u.holds.get(stale.id)).status is HoldStatus.ACTIVE
        region.clock.advance(timedelta(minutes=6))  # the first hold ran out, not the second
        with statements(engine) as seen:
            again = post_proposal(api, "hold", second, _free_slot(region, second))
        assert again.status_code == 200, again.text
        assert len(_searched(seen)) == 1
    assert _fresh(engine, lambda u: u.holds.get(stale.id)).status is HoldStatus.EXPIRED
    assert _fresh(engine, lambda u: u.slots.get(stale.slot_id)).status is SlotStatus.FREE
