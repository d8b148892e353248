"""Races: many workers, each with its own unit of work and connection, go for the same
few slots through the real services. Exactly one wins each slot; every other worker gets
a clear `SlotUnavailable` (or `ProtectedTimeConflict`); independent SQL afterwards finds no
double booking and nothing booked in protected time, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sql_support import Region, at, initial_request
from sqlalchemy import Engine, text

from parity.adapters.sql import SqlUnitOfWork
from parity.domain.care import Decision, RequestStatus
from parity.domain.errors import (
    InvalidTransition,
    ParityError,
    ProtectedTimeConflict,
    SlotUnavailable,
)
from parity.domain.holds import Hold
from parity.domain.schedule import ProtectedTime, Slot
from parity.domain.workforce import Modality
from parity.services.booking import BookRequest, book_in, book_request
from parity.services.holds import BookHold, HoldSlot, book_hold, hold_slot
from parity.services.requests import open_request

# Tests that hold many PostgreSQL connections at once run in one test process, one after
# another, so two processes never add up past the server's 100 (docs/adr/0019-two-test-processes.md).
pytestmark = pytest.mark.xdist_group("many-connections")

WORKERS = 48
FIRST_WEDNESDAY = date(2026, 6, 3)
SECOND_MONDAY = date(2026, 6, 8)

# Independent checks, in plain SQL.
DOUBLE_BOOKED_SLOTS = """
    SELECT slot_id FROM appointments WHERE status = 'booked'
    GROUP BY slot_id HAVING count(*) > 1"""
OVERLAPPING_BOOKINGS = """
    SELECT a.id FROM appointments a JOIN appointments b
      ON a.clinician_id = b.clinician_id AND a.id < b.id
     AND a.start < b."end" AND b.start < a."end"
    WHERE a.status = 'booked' AND b.status = 'booked'"""
BOOKED_IN_PROTECTED_TIME = """
    SELECT a.id FROM appointments a JOIN protected_times p
      ON p.clinician_id = a.clinician_id AND p.start < a."end" AND a.start < p."end"
    WHERE a.status = 'booked'"""

Outcome = object  # a Decision, a Hold, or the ParityError the worker got


def race(engine: Engine, jobs: list[Callable[[SqlUnitOfWork], object]]) -> list[Outcome]:
    """Run every job at once, each on its own unit of work, and collect what each got."""
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[SqlUnitOfWork], object]) -> Outcome:
        uow = SqlUnitOfWork(engine)
        start.wait()
        try:
            return job(uow)
        except ParityError as refused:
            return refused

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def independent_checks(engine: Engine) -> dict[str, list[int]]:
    with engine.connect() as connection:
        return {
            name: list(connection.execute(text(sql)).scalars())
            for name, sql in (
                ("double booked slots", DOUBLE_BOOKED_SLOTS),
                ("overlapping bookings", OVERLAPPING_BOOKINGS),
                ("booked in protected time", BOOKED_IN_PROTECTED_TIME),
            )
        }


def count(engine: Engine, rows: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {rows}")).scalar_one())


NOTHING_WRONG = {
    "double booked slots": [],
    "overlapping bookings": [],
    "booked in protected time": [],
}


def targets(region: Region) -> list[Slot]:
    """Ana's three Wednesday intakes at north and Ben's three Monday intakes at south."""
    with region.uow:
        return [
            *region.uow.slots.for_clinician("ana", at(FIRST_WEDNESDAY, 0), at(FIRST_WEDNESDAY, 23)),
            *region.uow.slots.for_clinician("ben", at(SECOND_MONDAY, 9), at(SECOND_MONDAY, 12)),
        ]


def open_requests(region: Region, count: int) -> list[int]:
    """Initial therapy requests by video: both ana and ben can see them."""
    return [
        open_request(
            initial_request(f"m{i}", modalities=(Modality.VIDEO,)),
            region.uow,
            region.clock,
            region.policy,
        ).id
        for i in range(count)
    ]


def _slot_of(outcome: Outcome) -> int | None:
    if isinstance(outcome, Decision):
        return outcome.slot_id
    if isinstance(outcome, Hold):
        return outcome.slot_id
    return None


def test_racing_bookings_and_holds_give_one_winner_per_slot(engine: Engine, region: Region) -> None:
    slots = targets(region)
    requests = open_requests(region, WORKERS)

    def job(i: int) -> Callable[[SqlUnitOfWork], object]:
        slot_id, request_id = slots[i % len(slots)].id, requests[i]
        if i % 2:
            return lambda uow: hold_slot(
                HoldSlot(request_id, slot_id), uow, region.clock, region.policy
            )
        return lambda uow: book_request(
            BookRequest(request_id, slot_id), uow, region.clock, region.policy
        )

    outcomes = race(engine, [job(i) for i in range(WORKERS)])

    winners = Counter(_slot_of(o) for o in outcomes if _slot_of(o) is not None)
    assert winners == {slot.id: 1 for slot in slots}
    losers = [o for o in outcomes if _slot_of(o) is None]
    assert len(losers) == WORKERS - len(slots)
    assert all(type(o) is SlotUnavailable for o in losers), Counter(type(o) for o in losers)
    assert independent_checks(engine) == NOTHING_WRONG
    assert count(engine, "appointments WHERE status = 'booked'") + count(
        engine, "holds WHERE status = 'active'"
    ) == len(slots)
    assert count(engine, "slots WHERE status <> 'free'") == len(slots)
    # The losers' offers were rolled back with the rest of their work.
    assert count(engine, "offers") == count(engine, "appointments")


def test_racing_to_book_the_same_holds_confirms_each_hold_once(
    engine: Engine, region: Region
) -> None:
    slots = targets(region)
    requests = open_requests(region, len(slots))
    holds = [
        hold_slot(HoldSlot(r, s.id), region.uow, region.clock, region.policy)
        for r, s in zip(requests, slots, strict=True)
    ]

    def job(i: int) -> Callable[[SqlUnitOfWork], object]:
        hold_id = holds[i % len(holds)].id
        return lambda uow: book_hold(BookHold(hold_id), uow, region.clock, region.policy)

    outcomes = race(engine, [job(i) for i in range(WORKERS)])

    decisions = [o for o in outcomes if isinstance(o, Decision)]
    assert sorted(d.slot_id for d in decisions if d.slot_id) == sorted(s.id for s in slots)
    others = [o for o in outcomes if not isinstance(o, Decision)]
    assert len(others) == WORKERS - len(slots)
    assert all(type(o) is SlotUnavailable for o in others), Counter(type(o) for o in others)
    assert independent_checks(engine) == NOTHING_WRONG
    assert count(engine, "holds WHERE status = 'booked'") == len(slots)
    assert count(engine, "slots WHERE status = 'busy'") == len(slots)


def test_racing_bookings_and_new_protected_time_never_end_in_a_booking_inside_it(
    engine: Engine, region: Region
) -> None:
    with region.uow:
        slots = region.uow.slots.for_clinician(
            "ana", at(FIRST_WEDNESDAY, 0), at(FIRST_WEDNESDAY, 23)
        )
    requests = open_requests(region, WORKERS // 2)

    def booking(i: int) -> Callable[[SqlUnitOfWork], object]:
        slot_id, request_id = slots[i % len(slots)].id, requests[i]
        return lambda uow: book_request(
            BookRequest(request_id, slot_id), uow, region.clock, region.policy
        )

    def protect(i: int) -> Callable[[SqlUnitOfWork], object]:
        slot = slots[i % len(slots)]

        def lay(uow: SqlUnitOfWork) -> object:
            with uow:
                block = ProtectedTime("ana", slot.start, slot.end, "race")
                uow.protected.add_many([block])
                uow.commit()
            return block

        return lay

    # Interleaved: worker 2k lays protected time over slot k % 3, worker 2k + 1 books it.
    jobs = [booking(i // 2) if i % 2 else protect(i // 2) for i in range(WORKERS)]
    outcomes = race(engine, jobs)

    by_slot: dict[int, Counter[str]] = defaultdict(Counter)
    for i, outcome in enumerate(outcomes):
        slot = slots[(i // 2) % len(slots)]
        by_slot[slot.id][type(outcome).__name__] += 1
    for slot_id, seen in by_slot.items():
        booked, protected = seen["Decision"], seen["ProtectedTime"]
        # Either one booking and no protected block, or protected time and no booking.
        assert (booked, protected) == (1, 0) or (booked == 0 and protected > 0), (slot_id, seen)
        assert set(seen) <= {
            "Decision",
            "ProtectedTime",
            "SlotUnavailable",
            "ProtectedTimeConflict",
        }
    assert independent_checks(engine) == NOTHING_WRONG
    assert any(isinstance(o, ProtectedTimeConflict) for o in outcomes)


def _in_background(work: Callable[[], object]) -> tuple[threading.Thread, list[Outcome]]:
    result: list[Outcome] = []

    def run() -> None:
        try:
            result.append(work())
        except ParityError as refused:
            result.append(refused)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_a_booking_waits_for_uncommitted_protected_time_and_is_then_refused(
    engine: Engine, region: Region
) -> None:
    slot = targets(region)[0]
    [request_id] = open_requests(region, 1)
    laying = SqlUnitOfWork(engine)
    with laying:
        laying.protected.add_many([ProtectedTime("ana", slot.start, slot.end, "late IPC")])
        booking, result = _in_background(
            lambda: book_request(
                BookRequest(request_id, slot.id), SqlUnitOfWork(engine), region.clock, region.policy
            )
        )
        booking.join(timeout=0.5)
        assert booking.is_alive(), "the booking did not wait for the protected block"
        laying.commit()
    booking.join(timeout=30)
    assert [type(r) for r in result] == [ProtectedTimeConflict]
    assert independent_checks(engine) == NOTHING_WRONG


def test_protected_time_waits_for_an_uncommitted_booking_and_is_then_refused(
    engine: Engine, region: Region
) -> None:
    slot = targets(region)[0]
    [request_id] = open_requests(region, 1)

    def lay(uow: SqlUnitOfWork) -> object:
        with uow:
            uow.protected.add_many([ProtectedTime("ana", slot.start, slot.end, "late IPC")])
            uow.commit()
        return "laid"

    booking = SqlUnitOfWork(engine)
    with booking:
        book_in(BookRequest(request_id, slot.id), booking, region.clock, region.policy)
        laying, result = _in_background(lambda: lay(SqlUnitOfWork(engine)))
        laying.join(timeout=0.5)
        assert laying.is_alive(), "the protected block did not wait for the booking"
        booking.commit()
    laying.join(timeout=30)
    assert [type(r) for r in result] == [ProtectedTimeConflict]
    assert count(engine, "appointments WHERE status = 'booked'") == 1


# SQLite runs one writer transaction at a time, so no update can be lost there.
@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_concurrent_change_to_the_same_record_is_refused_not_lost(
    engine: Engine, region: Region
) -> None:
    [request_id] = open_requests(region, 1)

    def withdraw() -> object:
        other = SqlUnitOfWork(engine)
        with other:
            request = other.requests.get(request_id)
            request.status = RequestStatus.WITHDRAWN
            other.requests.save(request)
            other.commit()
        return request

    first = SqlUnitOfWork(engine)
    with first:
        request = first.requests.get(request_id)
        withdrawing, _ = _in_background(withdraw)
        withdrawing.join(timeout=30)
        request.status = RequestStatus.BOOKED
        with pytest.raises(InvalidTransition, match="changed by another transaction"):
            first.requests.save(request)
    with first:
        assert first.requests.get(request_id).status is RequestStatus.WITHDRAWN
