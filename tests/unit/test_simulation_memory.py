"""A long in-memory run forgets the past slots nothing will book or read again."""

from __future__ import annotations

import gc
from datetime import UTC, date, datetime, time, timedelta

from unit_support import FIRST_WEEK, LOS_ANGELES, Region

from parity.adapters.memory import MemoryUnitOfWork
from parity.adapters.memory_schedule import MemoryProtectedTime
from parity.adapters.rules_files import load_contract, load_region, load_rules
from parity.domain.availability import SlotQuery
from parity.domain.care import AppointmentStatus
from parity.domain.errors import NotFound
from parity.domain.schedule import BlockKind, ProtectedTime
from parity.domain.workforce import Modality, ProviderClass
from parity.services.policy import Policy
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.engine import Simulation, SimulationConfig
from parity.simulation.region import build_region
from parity.simulation.summary import summarise


def _anything(not_before: datetime, not_after: datetime) -> SlotQuery:
    return SlotQuery(
        (BlockKind.FOLLOW_UP, BlockKind.INTAKE),
        ProviderClass.THERAPIST,
        "english",
        (Modality.VIDEO,),
        "north",
        not_before,
        not_after,
    )


def test_forgetting_the_past_drops_its_slots_and_keeps_the_rest_bookable(region: Region) -> None:
    slots = region.uow.slots
    second_week = datetime.combine(FIRST_WEEK + timedelta(weeks=1), time(0), tzinfo=LOS_ANGELES)
    before = [
        s
        for c in ("ana", "ben", "cy")
        for s in slots.for_clinician(c, second_week - timedelta(weeks=1), second_week)
    ]
    after = [
        s
        for c in ("ana", "ben", "cy")
        for s in slots.for_clinician(c, second_week, second_week + timedelta(weeks=2))
    ]
    assert before
    assert after
    total = slots.count()
    earliest_later = slots.earliest(_anything(second_week, second_week + timedelta(weeks=2)))
    assert slots.earliest(_anything(second_week - timedelta(weeks=1), second_week)) is not None

    assert slots.forget_before(second_week) == len(before)

    assert slots.count() == total - len(before)
    for slot in before:
        try:
            slots.get(slot.id)
        except NotFound:
            continue
        raise AssertionError(f"slot {slot.id} of the forgotten week is still stored")
    # The first week answers nothing now; the later weeks answer as before.
    assert slots.earliest(_anything(second_week - timedelta(weeks=1), second_week)) is None
    assert (
        slots.earliest(_anything(second_week, second_week + timedelta(weeks=2))) == earliest_later
    )
    assert slots.take(after[0].id).id == after[0].id


def test_forgotten_slots_keep_no_stamp_and_the_rest_keep_theirs(region: Region) -> None:
    slots = region.uow.slots
    second_week = datetime.combine(FIRST_WEEK + timedelta(weeks=1), time(0), tzinfo=LOS_ANGELES)
    before = slots.for_clinician("ana", second_week - timedelta(weeks=1), second_week)
    after = slots.for_clinician("ana", second_week, second_week + timedelta(weeks=1))
    ids = [s.id for s in (*before, *after)]
    assert set(region.uow.stamps.of("slots", ids)) == set(ids)

    slots.forget_before(second_week)

    kept = region.uow.stamps.of("slots", ids)
    assert set(kept) == {s.id for s in after}
    assert all(stamp.version == 1 for stamp in kept.values())


def test_a_simulated_run_keeps_no_slot_from_before_the_last_two_weeks() -> None:
    contract = load_contract("socal-2025")
    policy = Policy(load_rules(), contract)
    region = build_region(load_region("demo"), contract, 0.5, seed=4)
    config = SimulationConfig(weeks=4, warmup_weeks=2, start=date(2026, 3, 2), seed=4)
    simulation = Simulation(region, policy, config)
    run = simulation.run()
    last_monday = config.end - timedelta(weeks=1)  # the run's last week began here
    kept_from = datetime.combine(last_monday - timedelta(weeks=2), time(0), tzinfo=LOS_ANGELES)
    starts = [
        s.start
        for c in region.clinicians
        for s in run.uow.slots.for_clinician(
            c.id, datetime(2000, 1, 1, tzinfo=UTC), kept_from + timedelta(days=400)
        )
    ]
    assert starts
    assert min(starts) >= kept_from
    assert run.bookings > 0


def test_a_simulated_run_leaves_no_cyclic_garbage_for_the_paused_collector() -> None:
    for booking in BookingPolicy:
        assert _garbage_left_by_a_run(booking) == 0  # nothing the run made needed the collector


def _garbage_left_by_a_run(booking: BookingPolicy) -> int:
    """Run a small simulation, then count what the collector finds while the run (and
    all it made) is still held; the garbage of earlier runs is collected as a run starts."""
    contract = load_contract("socal-2025")
    policy = Policy(load_rules(), contract)
    region = build_region(load_region("demo"), contract, 0.5, seed=4)
    config = SimulationConfig(
        weeks=3, warmup_weeks=1, start=date(2026, 3, 2), seed=4, booking=booking
    )
    simulation = Simulation(region, policy, config)
    run = simulation.run()
    assert gc.isenabled()  # the run hands the collector back
    assert run.decisions > 0
    gc.unfreeze()  # the run froze what it made: look at all of it
    return gc.collect()


def _blocks(
    uow: MemoryUnitOfWork, clinician_ids: list[str], start: datetime, end: datetime
) -> list[ProtectedTime]:
    return [b for c in clinician_ids for b in uow.protected.overlapping(c, start, end)]


def test_forgetting_protected_time_drops_the_blocks_ended_by_then_unless_kept() -> None:
    protected = MemoryUnitOfWork().protected
    day = datetime(2026, 3, 2, 17, tzinfo=UTC)
    blocks = [
        ProtectedTime(clinician, day + timedelta(days=n), day + timedelta(days=n, hours=2))
        for clinician in ("ana", "ben")
        for n in range(4)
    ]
    protected.add_many(blocks)
    kept = blocks[1]  # ana's second day, which something still asks about
    cut = day + timedelta(days=2, hours=2)  # ana's and ben's third blocks end exactly then

    gone = protected.forget_ended(cut, lambda block: block == kept)

    assert gone == 5  # days 1-3 of both, but the one kept
    ever = datetime(2000, 1, 1, tzinfo=UTC)
    assert _blocks_of(protected, ever, cut) == [kept]
    later = [b for b in blocks if b.end > cut]
    assert _blocks_of(protected, cut, day + timedelta(days=9)) == later


def _blocks_of(
    protected: MemoryProtectedTime, start: datetime, end: datetime
) -> list[ProtectedTime]:
    return [b for c in ("ana", "ben") for b in protected.overlapping(c, start, end)]


def test_a_simulated_run_keeps_no_protected_time_from_before_the_slots_kept() -> None:
    contract = load_contract("socal-2025")
    policy = Policy(load_rules(), contract)
    region = build_region(load_region("demo"), contract, 0.5, seed=4)
    config = SimulationConfig(weeks=4, warmup_weeks=2, start=date(2026, 3, 2), seed=4)
    run = Simulation(region, policy, config).run()
    assert isinstance(run.uow, MemoryUnitOfWork)
    last_monday = config.end - timedelta(weeks=1)
    kept_from = datetime.combine(last_monday - timedelta(weeks=2), time(0), tzinfo=LOS_ANGELES)
    ids = [c.id for c in region.clinicians]
    ever = datetime(2000, 1, 1, tzinfo=UTC)
    assert _blocks(run.uow, ids, ever, kept_from) == []
    assert _blocks(run.uow, ids, kept_from, kept_from + timedelta(weeks=1))


def test_a_block_a_live_visit_overlaps_is_kept_and_still_counted() -> None:
    """Protected time laid over a visit already booked (no booking path may do it; a
    block laid later can): the block is not forgotten, and the run's summary counts it
    as it would if nothing were forgotten."""
    contract = load_contract("socal-2025")
    policy = Policy(load_rules(), contract)
    region = build_region(load_region("demo"), contract, 0.5, seed=4)
    config = SimulationConfig(
        weeks=4, warmup_weeks=2, start=date(2026, 3, 2), seed=4, forget_finished=False
    )
    simulation = Simulation(region, policy, config)
    laid: list[ProtectedTime] = []
    visits: list[int] = []  # the visit's slot

    def lay_over_a_visit(day: date) -> None:
        uow = simulation.uow
        if laid or day != config.start + timedelta(days=3):
            return
        visit = next(a for a in uow.appointments.list() if a.status is AppointmentStatus.BOOKED)
        laid.append(ProtectedTime(visit.clinician_id, visit.start, visit.end, "late"))
        visits.append(visit.slot_id)
        with uow:
            uow.protected.add_many(laid)
            uow.commit()

    run = simulation.run(before_day=lay_over_a_visit)
    assert laid
    block = laid[0]
    assert block.end < datetime.combine(config.end - timedelta(weeks=3), time(0), tzinfo=UTC)
    assert run.uow.protected.overlapping(block.clinician_id, block.start, block.end) == [block]
    ever = datetime(2000, 1, 1, tzinfo=UTC)
    ids = [c.id for c in region.clinicians]
    assert _blocks(run.uow, ids, ever, block.start) == []  # the others of its past are gone
    visit = run.uow.appointments.filed("slot_id", visits[0])[0]
    expected = 0 if visit.status is AppointmentStatus.CANCELLED else 1
    summary = summarise(run.uow, simulation.policy, simulation.config, region.member_count)
    assert summary.bookings_in_protected_time == expected
