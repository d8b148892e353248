"""The race of freed slots and waiting members, on SQLite and PostgreSQL, with threads: each
member gets exactly one offer and each slot is offered to exactly one member."""

from __future__ import annotations

from collections import Counter

from sql_support import Region
from sqlalchemy import Engine, text
from test_concurrent_booking import open_requests, race, targets

from parity.adapters.sql import SqlUnitOfWork
from parity.domain.care import Offer
from parity.domain.waitlist import WaitStatus
from parity.services.waitlist import JoinWaitlist, join_waitlist, offer_freed_slot

OFFERS_PER_REQUEST = "SELECT request_id, count(*) FROM offers GROUP BY request_id"
OFFERS_PER_SLOT = "SELECT slot_id, count(*) FROM offers GROUP BY slot_id"


def _waiting(region: Region, members: int) -> list[int]:
    requests = open_requests(region, members)
    for request_id in requests:
        join_waitlist(JoinWaitlist(request_id), region.uow, region.clock)
    return requests


def _counts(engine: Engine, sql: str) -> Counter[int]:
    with engine.connect() as connection:
        return Counter({key: n for key, n in connection.execute(text(sql))})


def _offer_job(region: Region, slot_id: int):  # type: ignore[no-untyped-def]
    def job(uow: SqlUnitOfWork) -> Offer | None:
        return offer_freed_slot(slot_id, uow, region.clock, region.policy)

    return job


def test_two_freed_slots_and_two_members_get_one_offer_each(region: Region, engine: Engine) -> None:
    slots = [s.id for s in targets(region)[:2]]
    members = _waiting(region, 2)
    outcomes = race(engine, [_offer_job(region, s) for s in slots])
    assert all(isinstance(o, Offer) for o in outcomes), outcomes
    assert _counts(engine, OFFERS_PER_REQUEST) == Counter({m: 1 for m in members})
    assert _counts(engine, OFFERS_PER_SLOT) == Counter({s: 1 for s in slots})


def test_six_freed_slots_and_six_members_pair_off_one_to_one(
    region: Region, engine: Engine
) -> None:
    slots = [s.id for s in targets(region)]
    members = _waiting(region, len(slots))
    race(engine, [_offer_job(region, s) for s in slots])
    assert _counts(engine, OFFERS_PER_REQUEST) == Counter({m: 1 for m in members})
    assert _counts(engine, OFFERS_PER_SLOT) == Counter({s: 1 for s in slots})
    with region.uow:
        statuses = {e.status for e in region.uow.waitlist.list()}
    assert statuses == {WaitStatus.OFFERED}


def test_one_freed_slot_offered_by_many_workers_at_once_goes_to_one_member(
    region: Region, engine: Engine
) -> None:
    slot = targets(region)[0].id
    _waiting(region, 4)
    outcomes = race(engine, [_offer_job(region, slot) for _ in range(8)])
    assert sum(isinstance(o, Offer) for o in outcomes) == 1
    assert _counts(engine, OFFERS_PER_SLOT) == Counter({slot: 1})
    assert sum(_counts(engine, OFFERS_PER_REQUEST).values()) == 1
