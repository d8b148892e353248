"""A simulation's store makes a laid week's slots when something first reaches the week
(ADR 0014, the structural cut): every reader sees what a store that made them at once sees,
with the same ids."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from unit_support import FIRST_WEEK, LOS_ANGELES, REGION_START, region_clinicians

from parity.adapters.clock import SimulatedClock
from parity.adapters.memory import MemoryUnitOfWork
from parity.adapters.rules_files import load_contract, load_region, load_rules
from parity.domain.availability import SlotQuery
from parity.domain.care import Decision
from parity.domain.errors import NotFound
from parity.domain.schedule import BlockKind, Slot, TemplateBlock
from parity.domain.week_plan import ShapedSlots, plan_week
from parity.domain.workforce import Clinic, Modality, ProviderClass
from parity.services.policy import Policy
from parity.services.schedules import materialise, register_clinician, register_clinics
from parity.simulation.engine import Simulation, SimulationConfig
from parity.simulation.region import build_region
from parity.simulation.urgent_holds import UrgentHolds

WEEKS = 8


def _store(policy: Policy, later: bool) -> MemoryUnitOfWork:
    uow = MemoryUnitOfWork(SimulatedClock(REGION_START), stamps=False)
    if later:
        uow.slots.make_later()
    register_clinics(
        [
            Clinic("north", "North Clinic", "1 North St."),
            Clinic("south", "South Clinic", "2 S St."),
        ],
        uow,
    )
    for clinician, template in region_clinicians():
        register_clinician(clinician, template, uow, policy)
    materialise(uow, policy, FIRST_WEEK, WEEKS)
    return uow


def _at(week: int, day: int = 0, hour: int = 0) -> datetime:
    monday = FIRST_WEEK + timedelta(weeks=week, days=day)
    return datetime.combine(monday, time(hour), tzinfo=LOS_ANGELES)


def _query(not_before: datetime, not_after: datetime, clinician_id: str | None = None) -> SlotQuery:
    return SlotQuery(
        (BlockKind.FOLLOW_UP, BlockKind.INTAKE, BlockKind.URGENT),
        ProviderClass.THERAPIST,
        "english",
        (Modality.VIDEO, Modality.IN_PERSON),
        "north",
        not_before,
        not_after,
        clinician_id,
    )


def _seen(slot: Slot | None) -> tuple[object, ...] | None:
    if slot is None:
        return None
    return (
        slot.id,
        slot.clinician_id,
        slot.clinic_id,
        slot.start,
        slot.end,
        slot.kind,
        slot.status,
    )


def _reads(uow: MemoryUnitOfWork) -> list[object]:
    """The same reads, in an order that reaches weeks out of turn: a slot by id in week 6
    first, then searches, takes and releases, clinicians' weeks, the free slots, the count."""
    slots, seen = uow.slots, []
    late = slots.for_clinician("ana", _at(6), _at(7))  # week 6 first
    seen.append([_seen(s) for s in late])
    seen.append(_seen(slots.get(late[len(late) // 2].id)))
    for week in (0, 2, 5, 7):
        seen.append(_seen(slots.earliest(_query(_at(week, 1, 12), _at(week, 3)))))
        seen.append(_seen(slots.earliest(_query(_at(week), _at(week + 1), "ben"))))
        seen.append([_seen(s) for s in slots.candidates(_query(_at(week), _at(week, 4)), 5)])
    with uow:
        taken = slots.take(late[0].id)
        uow.commit()
    seen.append(_seen(taken))
    seen.append(_seen(slots.earliest(_query(_at(6), _at(7), "ana"))))
    with uow:
        slots.release(late[0].id)
        uow.commit()
    for clinician_id in ("ana", "ben", "cy"):
        seen.append([_seen(s) for s in slots.for_clinician(clinician_id, _at(0), _at(WEEKS))])
    seen.append([_seen(s) for s in slots.free_between(_at(3), _at(4))])
    seen.append(slots.count())
    return seen


def test_a_store_that_makes_weeks_when_reached_answers_every_read_as_one_that_made_them_at_once(
    policy: Policy,
) -> None:
    eager, lazy = _store(policy, later=False), _store(policy, later=True)
    assert lazy.slots.index.laid_count() < eager.slots.index.laid_count()  # weeks wait

    at_once = _reads(eager)
    when_reached = _reads(lazy)

    assert when_reached == at_once
    assert at_once[-1] == sum(len(week) for week in at_once[-5:-2])  # every laid slot, once


def test_a_slot_laid_later_keeps_the_id_it_would_have_had_and_is_made_on_first_read(
    policy: Policy,
) -> None:
    uow = _store(policy, later=True)
    last = max(
        s.id for c in ("ana", "ben", "cy") for s in uow.slots.for_clinician(c, _at(0), _at(WEEKS))
    )

    # A ninth week for ana, laid inside a transaction: its ids follow the last one given.
    with uow:
        week = materialise(uow, policy, FIRST_WEEK + timedelta(weeks=WEEKS), 1, ["ana"])
        uow.commit()
    assert len(week) == 1
    first = uow.slots.get(last + 1)

    assert first.clinician_id == "ana"
    assert first.start >= _at(WEEKS).astimezone(UTC)
    ninth = uow.slots.for_clinician("ana", _at(WEEKS), _at(WEEKS + 1))
    assert [s.id for s in ninth] == list(range(last + 1, last + 1 + len(ninth)))


@pytest.mark.parametrize("read_first", [False, True])
def test_a_rolled_back_laying_leaves_no_slot_whether_or_not_a_read_made_it(
    policy: Policy, read_first: bool
) -> None:
    uow = _store(policy, later=True)
    clinician, template = region_clinicians()[0]
    count = uow.slots.count()
    monday = FIRST_WEEK + timedelta(weeks=WEEKS + 1)
    plan = plan_week(
        clinician, template, policy.contract, policy.rules.calendar, LOS_ANGELES, monday
    )
    assert isinstance(plan.slots, ShapedSlots)  # a week of the shape the store laid before
    first_id = uow.slots.next_id

    with uow:
        uow.slots.add_many(plan.slots, clinician)
        if read_first:
            assert uow.slots.get(first_id).clinician_id == clinician.id
        uow.rollback()

    with pytest.raises(NotFound):
        uow.slots.get(first_id)
    assert uow.slots.for_clinician(clinician.id, _at(WEEKS + 1), _at(WEEKS + 2)) == []
    assert uow.slots.count() == count


def test_make_later_is_refused_for_a_store_that_stamps_its_records() -> None:
    with pytest.raises(ValueError, match="stamps"):
        MemoryUnitOfWork(SimulatedClock(REGION_START)).slots.make_later()


class _Recorded(Simulation):
    """The engine, keeping each decision it makes."""

    decided: list[tuple[object, ...]]

    def _after(self, decision: Decision | None) -> None:
        if decision is not None:
            self.decided.append(
                (decision.request_id, decision.action, decision.slot_id, decision.starts_at)
            )
        super()._after(decision)


class _RecordedAtOnce(_Recorded):
    """Its own store lays every slot when its week is laid (the store before ADR 0014's
    structural cut)."""

    def _own_store(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.clock, stamps=False)


def _decisions(at_once: bool) -> tuple[list[tuple[object, ...]], int]:
    contract = load_contract("socal-2025")
    policy = Policy(load_rules(), contract)
    region = build_region(load_region("demo"), contract, 0.5, seed=4)
    config = SimulationConfig(weeks=4, warmup_weeks=2, start=date(2026, 3, 2), seed=4)
    simulation = (_RecordedAtOnce if at_once else _Recorded)(region, policy, config)
    simulation.decided = []
    run = simulation.run()
    return simulation.decided, run.bookings


def test_a_simulated_run_decides_the_same_whether_weeks_are_made_when_laid_or_when_reached() -> (
    None
):
    at_once, booked_at_once = _decisions(at_once=True)
    when_reached, booked_when_reached = _decisions(at_once=False)

    assert booked_at_once > 0
    assert when_reached == at_once
    assert booked_when_reached == booked_at_once


def _with_urgent_holds(policy: Policy, later: bool) -> tuple[MemoryUnitOfWork, UrgentHolds, int]:
    """ana's week with Thursday 09-12 urgent holds (60 min), laid six weeks ahead, its holds
    filed as the engine files them; then one more urgent slot laid into the third week."""
    uow = MemoryUnitOfWork(SimulatedClock(REGION_START), stamps=False)
    if later:
        uow.slots.make_later()
    register_clinics([Clinic("north", "North Clinic", "1 North St.")], uow)
    ana, template = region_clinicians()[0]
    urgent = TemplateBlock(3, time(9), time(12), BlockKind.URGENT, "north", 60)
    register_clinician(ana, replace(template, blocks=(*template.blocks, urgent)), uow, policy)
    holds = UrgentHolds(["ana"], LOS_ANGELES)
    laid = materialise(uow, policy, FIRST_WEEK, 6)
    holds.file(uow, laid, uow.slots.next_id if later else None)
    with uow:
        extra = Slot("ana", "north", _at(2, 4, 16), _at(2, 4, 17), BlockKind.URGENT)
        uow.slots.add_many([extra], ana)
        uow.commit()
    return uow, holds, extra.id


def test_urgent_holds_read_when_due_are_those_filed_when_laid_and_no_slot_laid_since(
    policy: Policy,
) -> None:
    eager, at_once, extra_id = _with_urgent_holds(policy, later=False)
    _, when_due, _ = _with_urgent_holds(policy, later=True)
    expected = [
        tuple(
            s.id
            for s in eager.slots.for_clinician("ana", _at(week), _at(week + 1))
            if s.kind is BlockKind.URGENT and s.id != extra_id  # not the one laid later
        )
        for week in range(6)
    ]
    assert all(len(ids) == 3 for ids in expected)  # Thursday 09, 10, 11

    assert when_due.next_start() == at_once.next_start() == _at(0, 3, 9)
    assert [when_due.due(_at(week + 1)) for week in range(6)] == expected
    assert [at_once.due(_at(week + 1)) for week in range(6)] == expected
    assert when_due.next_start() is None
