"""Moving a booked visit (docs/adr/0016-pages-for-each-role.md): both halves or neither —
the old visit cancelled by whoever asked and the request booked into the new slot; a refused
move leaves the visit where it was. Ana's intakes: Wednesday 3 June 09:00, 10:00, 11:00."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from unit_support import LOS_ANGELES, Region
from waitlist_support import ask, book

from parity.domain.care import AppointmentStatus, CancelledBy, RequestStatus
from parity.domain.errors import DeadlineUnreachable, InvalidInput, SlotUnavailable
from parity.domain.schedule import SlotStatus
from parity.services.reschedule import MoveVisit, Reschedule, move_choice, move_visit, reschedule

WED_9 = datetime(2026, 6, 3, 9, tzinfo=LOS_ANGELES)


def _slot_at(region: Region, start: datetime) -> int:
    (found,) = [
        s
        for s in region.uow.slots.for_clinician("ana", start, start + timedelta(minutes=1))
        if s.start == start
    ]
    return found.id


def test_a_member_asked_move_cancels_as_the_member_and_books_the_new_slot(region: Region) -> None:
    first = book(region, "b1")
    ten = _slot_at(region, WED_9 + timedelta(hours=1))
    old, decision = move_visit(
        MoveVisit(
            first.slot_id or 0, ten, CancelledBy.MEMBER, "phoned: shift changed", "scheduler"
        ),
        region.uow,
        region.clock,
        region.policy,
    )
    assert old.status is AppointmentStatus.CANCELLED
    assert old.cancelled_by is CancelledBy.MEMBER
    assert decision.action == "booked"
    assert decision.slot_id == ten
    assert region.uow.requests.get(first.request_id).status is RequestStatus.BOOKED


def test_the_page_offers_the_free_slots_of_the_same_kind_ahead(region: Region) -> None:
    first = book(region, "b1")
    found = move_choice(first.slot_id or 0, region.uow, region.clock.now(), region.policy)
    assert found.member_name == "Pat B1 Example"
    # 10:00 and 11:00 that Wednesday, the three intakes of 10 June (within two weeks).
    expected = [WED_9 + timedelta(hours=h) for h in (1, 2)]
    expected += [WED_9 + timedelta(days=7, hours=h) for h in (0, 1, 2)]
    assert [s.start for s in found.slots] == expected


def test_the_page_offers_no_slot_the_move_would_refuse(region: Region) -> None:
    """What is proposed can be booked (docs/adr/0012, "2026-12-07 (evening)"): on Friday 5
    June b4's visit of 10 June 09:00 could move to 10:00 or 11:00 that day; the intakes of
    17 June lie after the deadline of a request made on 31 May (10 business days: 12 June),
    and a move never books late silently."""
    booked = [book(region, f"b{n}") for n in range(1, 5)]
    assert booked[-1].starts_at == WED_9 + timedelta(days=7)
    region.clock.set(datetime(2026, 6, 5, 12, tzinfo=LOS_ANGELES))
    found = move_choice(booked[-1].slot_id or 0, region.uow, region.clock.now(), region.policy)
    assert [s.start for s in found.slots] == [WED_9 + timedelta(days=7, hours=h) for h in (1, 2)]
    late = _slot_at(region, WED_9 + timedelta(days=14))
    with pytest.raises(DeadlineUnreachable):
        move_visit(
            MoveVisit(booked[-1].slot_id or 0, late, CancelledBy.CLINIC, "room closed", "s"),
            region.uow,
            region.clock,
            region.policy,
        )


@pytest.mark.parametrize("asked_by", [CancelledBy.CLINIC, CancelledBy.MEMBER])
def test_a_refused_move_leaves_the_visit_where_it_was(
    region: Region, asked_by: CancelledBy
) -> None:
    first, second = book(region, "b1"), book(region, "b2")
    with pytest.raises(InvalidInput):  # whoever asked, the move says why
        move_visit(
            MoveVisit(
                first.slot_id or 0, _slot_at(region, WED_9 + timedelta(hours=2)), asked_by, " ", "s"
            ),
            region.uow,
            region.clock,
            region.policy,
        )
    with pytest.raises(SlotUnavailable):  # the slot is taken
        move_visit(
            MoveVisit(first.slot_id or 0, second.slot_id or 0, CancelledBy.MEMBER, "phoned", "s"),
            region.uow,
            region.clock,
            region.policy,
        )
    visit = region.uow.appointments.get(first.appointment_id)
    assert visit.status is AppointmentStatus.BOOKED
    assert region.uow.requests.get(first.request_id).status is RequestStatus.BOOKED


def test_a_reschedule_takes_the_new_slot_and_cancels_the_old_visit_together(
    region: Region,
) -> None:
    first = book(region, "b1")
    again = ask(region, "b1")
    ten = _slot_at(region, WED_9 + timedelta(hours=1))
    decision = reschedule(
        Reschedule(again.id, ten, first.appointment_id or 0, "b1"),
        region.uow,
        region.clock,
        region.policy,
    )
    assert decision.action == "booked"
    assert decision.slot_id == ten
    old = region.uow.appointments.get(first.appointment_id)
    assert old.status is AppointmentStatus.CANCELLED
    assert old.cancelled_by is CancelledBy.MEMBER
    assert region.uow.slots.get(first.slot_id or 0).status is SlotStatus.FREE


def test_a_refused_reschedule_keeps_the_old_visit_and_holds_nothing(region: Region) -> None:
    first, second = book(region, "b1"), book(region, "b2")
    again = ask(region, "b1")
    with pytest.raises(SlotUnavailable):  # b2's slot is taken
        reschedule(
            Reschedule(again.id, second.slot_id or 0, first.appointment_id or 0, "b1"),
            region.uow,
            region.clock,
            region.policy,
        )
    eleven = _slot_at(region, WED_9 + timedelta(hours=2))
    with pytest.raises(InvalidInput):  # b2's visit is not b1's to give up
        reschedule(
            Reschedule(again.id, eleven, second.appointment_id or 0, "b1"),
            region.uow,
            region.clock,
            region.policy,
        )
    assert region.uow.appointments.get(first.appointment_id).status is AppointmentStatus.BOOKED
    assert region.uow.appointments.get(second.appointment_id).status is AppointmentStatus.BOOKED
    assert region.uow.slots.get(eleven).status is SlotStatus.FREE
    assert region.uow.requests.get(again.id).status is RequestStatus.OPEN
