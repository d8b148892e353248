"""A long in-memory run forgets the past slots nothing will book or read again."""

from __future__ import annotations

import gc
from datetime import UTC, date, datetime, time, timedelta

from unit_support import FIRST_WEEK, LOS_ANGELES, Region

from parity.adapters.rules_files import load_contract, load_region, load_rules
from parity.domain.availability import SlotQuery
from parity.domain.errors import NotFound
from parity.domain.schedule import BlockKind
from parity.domain.workforce import Modality, ProviderClass
from parity.services.policy import Policy
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.engine import Simulation, SimulationConfig
from parity.simulation.region import build_region


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
