"""The record is written as things happen and never rewritten afterwards
(docs/adr/0011, twelfth round; ADR 0013): a visit that has begun is not cancelled by
anyone (a missed visit would become the member's cancellation, a visit given a clinic
cancellation); leave is laid from now on, not back-dated over visits that happened; a move
says why; a referral names the person who arranged it.

The region (unit_support): ana's Wednesday intakes at north are 09:00, 10:00 and 11:00 on
3 June and again on 10 June; the clock starts on Sunday 31 May, noon."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from unit_support import LOS_ANGELES, Region
from waitlist_support import ask, book, switch_on

from parity.domain.care import AppointmentStatus, CancelledBy, RequestStatus
from parity.domain.errors import InvalidInput, InvalidTransition
from parity.domain.schedule import AvailabilityException, ExceptionKind
from parity.domain.scope import EVERYONE
from parity.services.absences import change_absence, check_timing, record_absence
from parity.services.requests import ReferOutOfNetwork, refer_out_of_network
from parity.services.reschedule import MoveVisit, move_visit
from parity.services.visits import CancelAppointment, cancel_appointment

WED_9 = datetime(2026, 6, 3, 9, tzinfo=LOS_ANGELES)


def _pto(start: datetime, end: datetime) -> AvailabilityException:
    return AvailabilityException("ana", ExceptionKind.PTO, start, end, "sick")


def _after_the_visit_began(region: Region) -> int:
    """Book b1 into Wednesday 09:00, then move the clock to 09:30 that day."""
    first = book(region, "b1")
    assert first.appointment_id is not None
    region.clock.advance(WED_9 + timedelta(minutes=30) - region.clock.now())
    return first.appointment_id


@pytest.mark.parametrize("by", [CancelledBy.MEMBER, CancelledBy.CLINIC])
def test_a_visit_that_has_begun_is_not_cancelled_by_anyone(region: Region, by: CancelledBy) -> None:
    visit_id = _after_the_visit_began(region)
    with pytest.raises(InvalidTransition, match="has begun"):
        cancel_appointment(
            CancelAppointment(visit_id, by, "asked afterwards"),
            region.uow,
            region.clock,
            region.policy,
        )
    visit = region.uow.appointments.get(visit_id)
    assert (visit.status, visit.cancelled_by, visit.cancelled_at) == (
        AppointmentStatus.BOOKED,
        None,
        None,
    )


def test_a_visit_that_has_begun_is_not_moved(region: Region) -> None:
    visit_id = _after_the_visit_began(region)
    visit = region.uow.appointments.get(visit_id)
    later = [s for s in region.uow.slots.for_clinician("ana", WED_9, WED_9 + timedelta(days=8))]
    target = next(s.id for s in later if s.start == WED_9 + timedelta(days=7))
    with pytest.raises(InvalidTransition):
        move_visit(
            MoveVisit(visit.slot_id, target, CancelledBy.MEMBER, "phoned", "sam"),
            region.uow,
            region.clock,
            region.policy,
        )
    assert region.uow.appointments.get(visit_id).status is AppointmentStatus.BOOKED


def test_a_visit_not_yet_begun_is_still_cancelled(region: Region) -> None:
    first = book(region, "b1")
    assert first.appointment_id is not None
    region.clock.advance(WED_9 - timedelta(minutes=1) - region.clock.now())
    cancel_appointment(
        CancelAppointment(first.appointment_id, CancelledBy.MEMBER, "cannot come"),
        region.uow,
        region.clock,
        region.policy,
    )
    assert region.uow.appointments.get(first.appointment_id).status is AppointmentStatus.CANCELLED


def test_leave_starting_before_now_is_refused_and_the_visits_under_it_stay(
    region: Region,
) -> None:
    on = switch_on(region)
    visit_id = _after_the_visit_began(on)
    back_dated = _pto(WED_9, WED_9 + timedelta(days=2))
    with pytest.raises(InvalidInput, match="cannot start in the past"):
        check_timing(back_dated, None, on.uow, on.clock)
    with pytest.raises(InvalidInput, match="cannot start in the past"):
        record_absence(back_dated, on.uow, on.policy, on.clock, scope=EVERYONE)
    assert on.uow.appointments.get(visit_id).status is AppointmentStatus.BOOKED
    assert not on.uow.availability_exceptions.list()


def test_leave_from_this_minute_is_recorded(region: Region) -> None:
    on = switch_on(region)
    now = on.clock.now() + timedelta(seconds=20)
    on.clock.advance(timedelta(seconds=20))
    this_minute = now.replace(second=0, microsecond=0)
    change = record_absence(
        _pto(this_minute, this_minute + timedelta(hours=2)),
        on.uow,
        on.policy,
        on.clock,
        scope=EVERYONE,
    )
    assert change.absence.start == this_minute


def test_leave_under_way_may_change_its_end_but_not_move_its_start_back(region: Region) -> None:
    on = switch_on(region)
    start = on.clock.now() + timedelta(hours=1)
    recorded = record_absence(
        _pto(start, start + timedelta(days=3)), on.uow, on.policy, on.clock, scope=EVERYONE
    )
    absence_id = recorded.absence.id
    on.clock.advance(timedelta(days=1))  # the leave is under way
    shorter = _pto(start, start + timedelta(days=2))
    change_absence(absence_id, shorter, on.uow, on.policy, on.clock, scope=EVERYONE)
    (standing,) = [e for e in on.uow.availability_exceptions.list() if e.stands]
    earlier = _pto(start - timedelta(hours=5), start + timedelta(days=2))
    with pytest.raises(InvalidInput, match="cannot start in the past"):
        change_absence(standing.id, earlier, on.uow, on.policy, on.clock, scope=EVERYONE)


@pytest.mark.parametrize("asked_by", [CancelledBy.MEMBER, CancelledBy.CLINIC])
def test_a_move_recorded_without_saying_why_is_refused(
    region: Region, asked_by: CancelledBy
) -> None:
    first = book(region, "b1")
    slots = region.uow.slots.for_clinician("ana", WED_9, WED_9 + timedelta(hours=2))
    ten = next(s.id for s in slots if s.start == WED_9 + timedelta(hours=1))
    with pytest.raises(InvalidInput, match="say why"):
        move_visit(
            MoveVisit(first.slot_id or 0, ten, asked_by, "  ", "sam"),
            region.uow,
            region.clock,
            region.policy,
        )
    assert region.uow.appointments.get(first.appointment_id).status is AppointmentStatus.BOOKED


def test_a_referral_names_who_arranged_it_and_cannot_leave_it_out(region: Region) -> None:
    names = [f.name for f in dataclasses.fields(ReferOutOfNetwork)]
    made_by = dataclasses.fields(ReferOutOfNetwork)[names.index("made_by")]
    assert made_by.default is dataclasses.MISSING  # no role's label stands in for a person
    request = ask(region, "b1")
    with pytest.raises(InvalidInput, match="who arranged"):
        refer_out_of_network(
            ReferOutOfNetwork(request.id, "no capacity", " "), region.uow, region.clock
        )
    referral = refer_out_of_network(
        ReferOutOfNetwork(request.id, "no capacity", "sam.scheduler"), region.uow, region.clock
    )
    assert referral.made_by == "sam.scheduler"
    assert region.uow.requests.get(request.id).status is RequestStatus.REFERRED
