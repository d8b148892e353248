"""Leave does no silent harm (docs/adr/0016-pages-for-each-role.md): the visits an absence
would cancel are listed before it is recorded; once recorded, each cancelled member is
offered a timely slot through the waitlist; leave can be changed and removed, and a removed
leave keeps its record while its slots go back on offer.

The region (unit_support): ana's Wednesday intakes at north are 09:00, 10:00 and 11:00 on
3 June and again on 10 June, all within an initial visit's 10 business days."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from unit_support import LOS_ANGELES, Region
from waitlist_support import book, switch_on

from parity.domain.care import AppointmentStatus, CancelledBy, RequestStatus
from parity.domain.errors import InvalidInput, NotFound
from parity.domain.schedule import AvailabilityException, ExceptionKind, SlotStatus
from parity.domain.scope import EVERYONE
from parity.services.absences import (
    change_absence,
    record_absence,
    remove_absence,
    visits_under,
)

WED_9 = datetime(2026, 6, 3, 9, tzinfo=LOS_ANGELES)


def _pto(start: datetime, hours: int, reason: str = "dentist") -> AvailabilityException:
    return AvailabilityException(
        "ana", ExceptionKind.PTO, start, start + timedelta(hours=hours), reason
    )


def test_the_visits_an_absence_would_cancel_are_listed_with_their_members_and_nothing_changes(
    region: Region,
) -> None:
    on = switch_on(region)
    first = book(on, "b1")
    found = visits_under("ana", WED_9, WED_9 + timedelta(hours=1), on.uow, scope=EVERYONE)
    assert [(a.id, name) for a, name in found] == [(first.appointment_id, "Pat B1 Example")]
    visit = on.uow.appointments.get(first.appointment_id)
    assert visit.status is AppointmentStatus.BOOKED
    assert not on.uow.availability_exceptions.list()


def test_recorded_pto_cancels_as_the_clinic_and_offers_the_member_the_next_timely_slot(
    region: Region,
) -> None:
    on = switch_on(region)
    first = book(on, "b1")  # the earliest intake: Wednesday 09:00
    change = record_absence(_pto(WED_9, 1), on.uow, on.policy, on.clock, scope=EVERYONE)
    (rebooked,) = change.rebooked
    assert rebooked.member_name == "Pat B1 Example"
    assert rebooked.visit.cancelled_by is CancelledBy.CLINIC
    assert rebooked.offer is not None
    # The 09:00 slot is under the PTO; the next intake that suits is 10:00 the same day.
    assert rebooked.offer.slot_start == WED_9 + timedelta(hours=1)
    assert rebooked.offer.timely
    assert rebooked.offered_with == "Ana"
    assert on.uow.requests.get(first.request_id).status is RequestStatus.OPEN


def test_with_no_timely_slot_free_the_member_waits_first_in_line(region: Region) -> None:
    on = switch_on(region)
    decisions = [book(on, f"b{n}") for n in range(1, 7)]  # every timely intake taken
    change = record_absence(_pto(WED_9, 1), on.uow, on.policy, on.clock, scope=EVERYONE)
    (rebooked,) = change.rebooked
    assert rebooked.offer is None
    (entry,) = on.uow.waitlist.where(request_id=decisions[0].request_id)
    assert entry.head_of_line


def test_removed_pto_keeps_its_record_and_frees_its_slots(region: Region) -> None:
    on = switch_on(region)
    laid = record_absence(_pto(WED_9, 2), on.uow, on.policy, on.clock, scope=EVERYONE).absence
    slots = on.uow.slots.for_clinician("ana", WED_9, WED_9 + timedelta(hours=2))
    assert {s.status for s in slots} == {SlotStatus.BUSY}
    remove_absence(laid.id, "ana", on.uow, on.policy, on.clock)
    kept = on.uow.availability_exceptions.get(laid.id)
    assert kept.withdrawn_at == on.clock.now()
    assert not kept.stands
    after = on.uow.slots.for_clinician("ana", WED_9, WED_9 + timedelta(hours=2))
    assert {s.status for s in after} == {SlotStatus.FREE}


def test_changing_pto_frees_what_it_no_longer_covers_and_cancels_what_it_now_covers(
    region: Region,
) -> None:
    on = switch_on(region)
    eleven = [book(on, f"b{n}") for n in range(1, 4)][2]  # 09:00, 10:00 and 11:00 booked
    laid = record_absence(_pto(WED_9, 1), on.uow, on.policy, on.clock, scope=EVERYONE).absence
    moved = _pto(WED_9 + timedelta(hours=2), 1, "moved")
    change = change_absence(laid.id, moved, on.uow, on.policy, on.clock, scope=EVERYONE)
    assert [r.visit.id for r in change.rebooked] == [eleven.appointment_id]
    nine = on.uow.slots.for_clinician("ana", WED_9, WED_9 + timedelta(minutes=30))
    # 09:00 came free and went straight to a waiting member as an offer (held), or is free.
    assert {s.status for s in nine} <= {SlotStatus.FREE, SlotStatus.HELD}
    assert not on.uow.availability_exceptions.get(laid.id).stands


def test_someone_elses_or_a_removed_absence_cannot_be_changed(region: Region) -> None:
    on = switch_on(region)
    laid = record_absence(_pto(WED_9, 1), on.uow, on.policy, on.clock, scope=EVERYONE).absence
    with pytest.raises(NotFound):
        remove_absence(laid.id, "ben", on.uow, on.policy, on.clock)
    remove_absence(laid.id, "ana", on.uow, on.policy, on.clock)
    with pytest.raises(NotFound):
        remove_absence(laid.id, "ana", on.uow, on.policy, on.clock)


def test_leave_that_has_already_ended_is_refused(region: Region) -> None:
    on = switch_on(region)
    past = _pto(on.clock.now() - timedelta(hours=3), 1)
    with pytest.raises(InvalidInput):
        record_absence(past, on.uow, on.policy, on.clock, scope=EVERYONE)
