"""Schedule use cases: registering clinicians, materialising weeks, availability exceptions.

The region is the one in tests/unit/conftest.py; weeks from Monday 2026-06-01 to Sunday
2026-06-21 are materialised, the week of 2026-06-22 is not.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from parity.domain.care import AppointmentStatus, CancelledBy, RequestStatus
from parity.domain.errors import InvalidInput, ProtectedTimeShortfall
from parity.domain.schedule import (
    AvailabilityException,
    BlockKind,
    ExceptionKind,
    TemplateBlock,
    WeeklyTemplate,
)
from parity.domain.standards import VisitType
from parity.domain.workforce import Clinician, Discipline, Modality, ProviderClass
from parity.services.booking import BookRequest, book_request
from parity.services.requests import RequestCare, open_request
from parity.services.schedules import (
    AddException,
    add_availability_exception,
    materialise,
    register_clinician,
)

LA = ZoneInfo("America/Los_Angeles")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LA)


def add(
    region, kind: ExceptionKind, start: datetime, end: datetime, who: str = "ana", exc_id: int = 7
):
    # An explicit id sidesteps the frozen-id bug tested below, so the other rules of the use
    # case can still be tested.
    exception = AvailabilityException(who, kind, start, end, reason="team training", id=exc_id)
    return add_availability_exception(
        AddException(exception), region.uow, region.policy, region.clock
    )


def test_it_records_an_availability_exception_and_gives_it_an_id(region) -> None:
    saturday = date(2026, 6, 6)
    exception = AvailabilityException(
        "ana", ExceptionKind.PTO, at(saturday, 9), at(saturday, 11), reason="appointment"
    )
    stored = add_availability_exception(
        AddException(exception), region.uow, region.policy, region.clock
    )
    assert stored.id > 0
    assert region.uow.availability_exceptions.where(clinician_id="ana") == [stored]


def starts_of(region, who: str, start: datetime, end: datetime) -> list[datetime]:
    return [s.start for s in region.uow.slots.for_clinician(who, start, end)]


def test_it_refuses_to_register_a_clinician_whose_template_is_short(region) -> None:
    short = WeeklyTemplate("dan", (TemplateBlock(0, time(8), time(10), BlockKind.IPC, "north"),))
    dan = Clinician("dan", "Dan", Discipline.THERAPIST, 1.0, ("north",))
    with pytest.raises(ProtectedTimeShortfall, match="dan"):
        register_clinician(dan, short, region.uow, region.policy)
    assert [c.id for c in region.uow.clinicians.list()] == ["ana", "ben", "cy"]


def test_materialising_records_a_ledger_line_per_clinician_week(region) -> None:
    weeks = region.uow.ipc_ledger.weeks()
    assert len(weeks) == 3 * 3
    assert all(w.kept_minutes >= w.guaranteed_minutes for w in weeks)
    # Cy works only on Fridays; Juneteenth (Friday 06-19) is not a state-office closure
    # (data/calendars/california-state.toml), so that week is protected like the others.
    cy = {w.week_start: w.guaranteed_minutes for w in weeks if w.clinician_id == "cy"}
    assert cy == {date(2026, 6, 1): 150, date(2026, 6, 8): 150, date(2026, 6, 15): 150}


def test_materialising_the_same_weeks_again_adds_nothing(region) -> None:
    before = region.uow.slots.count()
    laid = materialise(region.uow, region.policy, date(2026, 6, 3), 3)
    assert laid == []
    assert region.uow.slots.count() == before


def test_materialising_a_new_week_lays_only_that_week(region) -> None:
    before = region.uow.slots.count()
    laid = materialise(region.uow, region.policy, date(2026, 6, 1), 4)
    assert {w.week_start for w in laid} == {date(2026, 6, 22)}
    # Ana 3 + 3, Ben 3 + 3, Cy 2 slots a week.
    assert region.uow.slots.count() - before == 14


def test_admin_time_over_materialised_ipc_is_refused_with_the_week_and_shortfall(region) -> None:
    with pytest.raises(ProtectedTimeShortfall) as raised:
        add(region, ExceptionKind.ADMIN, at(date(2026, 6, 8), 10), at(date(2026, 6, 8), 11))
    assert raised.value.details == {
        "clinician": "ana",
        "week": "2026-06-08",
        "shortfall_minutes": 60,
    }
    assert region.uow.availability_exceptions.list() == []


def test_extra_hours_over_materialised_ipc_are_refused(region) -> None:
    with pytest.raises(ProtectedTimeShortfall):
        add(region, ExceptionKind.EXTRA_HOURS, at(date(2026, 6, 8), 12), at(date(2026, 6, 8), 14))


def test_admin_time_over_ipc_in_a_week_not_yet_laid_is_refused(region) -> None:
    with pytest.raises(ProtectedTimeShortfall):
        add(region, ExceptionKind.ADMIN, at(date(2026, 6, 22), 10), at(date(2026, 6, 22), 11))


def test_extra_hours_in_a_materialised_week_open_slots_at_once(region) -> None:
    saturday = date(2026, 6, 6)
    add(region, ExceptionKind.EXTRA_HOURS, at(saturday, 9), at(saturday, 11))
    # The default extra slot is a 50-minute follow-up: 09:00 and 09:50 fit before 11:00.
    assert starts_of(region, "ana", at(saturday, 0), at(saturday, 23)) == [
        at(saturday, 9),
        at(saturday, 9, 50),
    ]


def test_extra_hours_in_a_later_week_are_laid_once(region) -> None:
    saturday = date(2026, 6, 27)
    add(region, ExceptionKind.EXTRA_HOURS, at(saturday, 9), at(saturday, 11))
    materialise(region.uow, region.policy, date(2026, 6, 22), 2)
    starts = starts_of(region, "ana", at(saturday, 0), at(saturday, 23))
    assert starts == [at(saturday, 9), at(saturday, 9, 50)]


def test_pto_cancels_booked_visits_as_clinic_cancellations_and_reopens_them(region) -> None:
    cmd = RequestCare(
        "m1", VisitType.INITIAL, ProviderClass.THERAPIST, "english", (Modality.IN_PERSON,), "north"
    )
    request = open_request(cmd, region.uow, region.clock, region.policy)
    decision = book_request(BookRequest(request.id), region.uow, region.clock, region.policy)
    appointment = region.uow.appointments.get(decision.appointment_id)
    wednesday = date(2026, 6, 3)
    assert appointment.start == at(wednesday, 9)

    add(region, ExceptionKind.PTO, at(wednesday, 0), at(wednesday + timedelta(days=1), 0))

    assert appointment.status is AppointmentStatus.CANCELLED
    assert appointment.cancelled_by is CancelledBy.CLINIC
    assert request.status is RequestStatus.OPEN
    wednesday_slots = region.uow.slots.for_clinician("ana", at(wednesday, 0), at(wednesday, 23))
    assert wednesday_slots
    assert all(s.id not in region.uow.slots.index for s in wednesday_slots)
    # Re-booked, the request goes to the next free intake, a week later.
    again = book_request(BookRequest(request.id), region.uow, region.clock, region.policy)
    assert region.uow.appointments.get(again.appointment_id).start == at(date(2026, 6, 10), 9)


def test_an_exception_in_the_past_is_refused(region) -> None:
    with pytest.raises(InvalidInput, match="future"):
        add(region, ExceptionKind.PTO, at(date(2026, 5, 20), 9), at(date(2026, 5, 20), 17))
