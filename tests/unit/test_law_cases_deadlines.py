"""Law cases, as a regulator would try them: when does each clock run out?

Every expected deadline is written twice: by hand (the date worked out on a calendar, in
the case table) and by the independent oracle in `law_oracle.py` (written from Gov. Code
§19853, H&S §1367.03(a)(5) and 28 CCR §1300.67.2.2(c)(5)). The system's answer comes from
the real service that opens a request (`open_request`), with the packaged rule file.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from law_oracle import (
    LA,
    at,
    business_day_deadline,
    hour_deadline,
    is_business_day,
    state_holidays,
)

from parity.adapters.clock import SimulatedClock
from parity.adapters.memory import MemoryUnitOfWork
from parity.domain.care import Appointment, AppointmentStatus, CancelledBy
from parity.domain.errors import InvalidInput
from parity.domain.standards import VisitType
from parity.domain.users import Principal, Role
from parity.domain.workforce import Clinic, Modality, ProviderClass
from parity.services.policy import Policy
from parity.services.requests import RequestCare, open_request

THERAPIST, PSYCHIATRIST = ProviderClass.THERAPIST, ProviderClass.PSYCHIATRIST
INITIAL, FOLLOW_UP, URGENT = VisitType.INITIAL, VisitType.FOLLOW_UP, VisitType.URGENT


def end_of(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(23, 59, 59), tzinfo=LA)


# (case, visit, provider class, prior authorisation, the event the clock starts at,
#  the standard that must govern it, the deadline worked out by hand)
BUSINESS_DAY_CASES = [
    ("monday morning", INITIAL, THERAPIST, at("2026-06-01 09:00"), "initial-therapy", "2026-06-15"),
    # A weekend request is not moved to Monday: day 0 is the Saturday itself, so it ends
    # with a Friday request's (the stricter reading; a Monday start would give 06-22).
    ("saturday", INITIAL, THERAPIST, at("2026-06-06 10:00"), "initial-therapy", "2026-06-19"),
    ("sunday night", INITIAL, THERAPIST, at("2026-06-07 23:30"), "initial-therapy", "2026-06-19"),
    # Memorial Day 2026-05-25: the request's day is day 0 whatever it is.
    (
        "on memorial day",
        INITIAL,
        THERAPIST,
        at("2026-05-25 10:00"),
        "initial-therapy",
        "2026-06-08",
    ),
    (
        "before memorial day",
        INITIAL,
        THERAPIST,
        at("2026-05-22 16:00"),
        "initial-therapy",
        "2026-06-08",
    ),
    # Late on a business day vs early: the local date decides, not the UTC one (23:30 PDT
    # is 06:30 UTC the next day).
    ("late monday", INITIAL, THERAPIST, at("2026-06-01 23:30"), "initial-therapy", "2026-06-15"),
    ("early monday", INITIAL, THERAPIST, at("2026-06-01 00:00"), "initial-therapy", "2026-06-15"),
    (
        "tuesday midnight",
        INITIAL,
        THERAPIST,
        at("2026-06-02 00:00"),
        "initial-therapy",
        "2026-06-16",
    ),
    # Thanksgiving and the day after (2026-11-26/27) are closures.
    (
        "thanksgiving week",
        INITIAL,
        THERAPIST,
        at("2026-11-20 11:00"),
        "initial-therapy",
        "2026-12-08",
    ),
    # Cesar Chavez Day, on a Tuesday in 2026 and observed Monday 2024-04-01 (a Sunday).
    ("cesar chavez", INITIAL, THERAPIST, at("2026-03-30 11:00"), "initial-therapy", "2026-04-14"),
    (
        "chavez observed",
        INITIAL,
        THERAPIST,
        at("2024-03-29 11:00"),
        "initial-therapy",
        "2024-04-15",
    ),
    # July 4 2026 is a Saturday: not observed on Friday 07-03 (state holiday credit).
    (
        "july 4 on saturday",
        INITIAL,
        THERAPIST,
        at("2026-07-02 11:00"),
        "initial-therapy",
        "2026-07-16",
    ),
    # Nov 11 2028 is a Saturday: observed Friday 11-10 (§19853(b)); Thanksgiving 11-23/24.
    (
        "veterans on saturday",
        INITIAL,
        THERAPIST,
        at("2028-11-09 11:00"),
        "initial-therapy",
        "2028-11-28",
    ),
    # Jan 1 2028 is a Saturday: Friday 2027-12-31 stays a business day.
    (
        "new year on saturday",
        INITIAL,
        THERAPIST,
        at("2027-12-30 11:00"),
        "initial-therapy",
        "2028-01-13",
    ),
    # Juneteenth (Friday 2026-06-19) is not a state-office closure: a business day.
    ("juneteenth", INITIAL, THERAPIST, at("2026-06-05 11:00"), "initial-therapy", "2026-06-19"),
    # Fall back on 2026-11-01, Veterans Day Wednesday 11-11: the deadline ends at local
    # midnight in PST, not an hour off.
    (
        "across fall back",
        INITIAL,
        THERAPIST,
        at("2026-10-30 16:00"),
        "initial-therapy",
        "2026-11-16",
    ),
    (
        "across spring forward",
        INITIAL,
        THERAPIST,
        at("2026-03-06 16:00"),
        "initial-therapy",
        "2026-03-20",
    ),
    (
        "psychiatry 15",
        INITIAL,
        PSYCHIATRIST,
        at("2026-06-01 09:00"),
        "initial-psychiatry",
        "2026-06-22",
    ),
    # SB 221: from the prior appointment (Tue 06-02), not from the request a day later.
    ("follow-up", FOLLOW_UP, THERAPIST, at("2026-06-02 09:00"), "follow-up-therapy", "2026-06-16"),
    (
        "psychiatry follow-up",
        FOLLOW_UP,
        PSYCHIATRIST,
        at("2026-06-02 09:00"),
        "follow-up-psychiatry",
        "2026-06-23",
    ),
]

# (case, prior authorisation, request, standard, deadline by hand)
HOUR_CASES = [
    (
        "friday evening, weekend counts",
        False,
        at("2026-06-05 17:00"),
        "urgent",
        at("2026-06-07 17:00"),
    ),
    (
        "with prior authorisation",
        True,
        at("2026-06-05 17:00"),
        "urgent-prior-auth",
        at("2026-06-09 17:00"),
    ),
    # 2026-03-08 springs forward: 48 real hours from Sat 12:00 PST is Mon 13:00 PDT.
    ("across spring forward", False, at("2026-03-07 12:00"), "urgent", at("2026-03-09 13:00")),
    # 2026-11-01 falls back: 48 real hours from Sat 12:00 PDT is Mon 11:00 PST.
    ("across fall back", False, at("2026-10-31 12:00"), "urgent", at("2026-11-02 11:00")),
    ("on a holiday", False, at("2026-12-25 09:00"), "urgent", at("2026-12-27 09:00")),
]


def _open(
    policy: Policy, visit: VisitType, cls: ProviderClass, start: datetime, auth: bool = False
):
    uow = MemoryUnitOfWork()
    with uow:
        uow.clinics.add(Clinic("north", "North Clinic", "1 North St."))
        uow.commit()
    follow_up = visit is FOLLOW_UP
    requested = datetime.combine(start.date().replace(day=start.day), time(12), tzinfo=LA)
    cmd = RequestCare(
        "m1",
        visit,
        cls,
        "english",
        (Modality.VIDEO,),
        "north",
        requested_at=max(requested, start) if follow_up else start,
        prior_authorization=auth,
        prior_authorized_by=Principal("um-nurse", Role.SCHEDULER) if auth else None,
        prior_appointment_start=start if follow_up else None,
    )
    return open_request(cmd, uow, SimulatedClock(start), policy)


@pytest.mark.parametrize(
    ("case", "visit", "cls", "start", "standard", "by_hand"), BUSINESS_DAY_CASES
)
def test_business_day_deadlines_end_with_the_nth_business_day_after_the_clock_start(
    policy: Policy,
    case: str,
    visit: VisitType,
    cls: ProviderClass,
    start: datetime,
    standard: str,
    by_hand: str,
) -> None:
    limit = 15 if standard.endswith("psychiatry") else 10
    assert business_day_deadline(start, limit) == end_of(by_hand), f"oracle disagrees: {case}"
    request = _open(policy, visit, cls, start)
    assert request.standard == standard
    assert request.clock_start == start
    assert request.deadline == end_of(by_hand), case


@pytest.mark.parametrize(("case", "auth", "start", "standard", "by_hand"), HOUR_CASES)
def test_urgent_limits_are_elapsed_hours_over_nights_weekends_and_clock_changes(
    policy: Policy, case: str, auth: bool, start: datetime, standard: str, by_hand: datetime
) -> None:
    assert hour_deadline(start, 96 if auth else 48) == by_hand, f"oracle disagrees: {case}"
    request = _open(policy, URGENT, THERAPIST, start, auth)
    assert request.standard == standard
    assert request.deadline == by_hand, case


@pytest.mark.parametrize("year", range(2019, 2031))
def test_the_calendar_is_the_state_offices_closures_every_year_it_lists(
    policy: Policy, year: int
) -> None:
    calendar = policy.rules.calendar
    listed = {h for h in calendar.holidays if h.year == year}
    assert listed == state_holidays(year)
    day = date(year, 1, 1)
    while day.year == year:
        assert calendar.is_business_day(day) == is_business_day(day), day
        day = date.fromordinal(day.toordinal() + 1)


# -- SB 221: the follow-up clock is read from the prior visit's record -------------------------

PRIOR_START = at("2026-06-02 09:00")  # Tuesday; 10 business days end Tuesday 06-16


def _prior_visit(uow: MemoryUnitOfWork, member: str = "m1") -> Appointment:
    with uow:
        if not uow.clinics.list():
            uow.clinics.add(Clinic("north", "North Clinic", "1 North St."))
        visit = uow.appointments.add(
            Appointment(
                0,
                member,
                "ana",
                "north",
                1,
                PRIOR_START,
                PRIOR_START + timedelta(minutes=50),
                INITIAL,
                Modality.VIDEO,
                at("2026-05-26 10:00"),
            )
        )
        uow.commit()
    return visit


def _follow_up(policy: Policy, uow: MemoryUnitOfWork, prior: Appointment, typed: datetime):
    cmd = RequestCare(
        "m1",
        FOLLOW_UP,
        THERAPIST,
        "english",
        (Modality.VIDEO,),
        "north",
        requested_at=at("2026-06-05 12:00"),
        prior_appointment_start=typed,
        prior_appointment_id=prior.id,
    )
    return open_request(cmd, uow, SimulatedClock(at("2026-06-05 12:00")), policy)


def test_a_follow_ups_clock_is_the_prior_visits_recorded_start_not_a_typed_one(
    policy: Policy,
) -> None:
    uow = MemoryUnitOfWork()
    prior = _prior_visit(uow)
    prior.close(AppointmentStatus.FULFILLED)
    request = _follow_up(policy, uow, prior, typed=at("2026-06-04 09:00"))
    assert (request.clock_start, request.deadline) == (PRIOR_START, end_of("2026-06-16"))
    assert request.deadline == business_day_deadline(PRIOR_START, 10)


def test_after_a_no_show_the_follow_up_clock_starts_at_the_missed_visit(policy: Policy) -> None:
    uow = MemoryUnitOfWork()
    prior = _prior_visit(uow)
    prior.close(AppointmentStatus.NOSHOW)
    request = _follow_up(policy, uow, prior, typed=at("2026-06-05 12:00"))
    assert request.deadline == end_of("2026-06-16")


def test_after_the_members_own_cancellation_the_clock_starts_when_they_cancelled(
    policy: Policy,
) -> None:
    """The rule file's [follow_up_clock]: a member's cancellation restarts the clock when it
    was recorded (Friday 05-29, so 10 business days end Friday 06-12), not at the later time
    of the visit they cancelled."""
    uow = MemoryUnitOfWork()
    prior = _prior_visit(uow)
    prior.cancel(CancelledBy.MEMBER, at("2026-05-29 15:00"), "member asked")
    request = _follow_up(policy, uow, prior, typed=PRIOR_START)
    assert request.deadline == end_of("2026-06-12")
    assert request.deadline == business_day_deadline(at("2026-05-29 15:00"), 10)


def test_a_visit_the_clinic_cancelled_is_rebooked_not_followed_up(policy: Policy) -> None:
    uow = MemoryUnitOfWork()
    prior = _prior_visit(uow)
    prior.cancel(CancelledBy.CLINIC, at("2026-05-29 15:00"), "clinician ill")
    with pytest.raises(InvalidInput):
        _follow_up(policy, uow, prior, typed=PRIOR_START)


def test_a_follow_up_never_hangs_off_another_members_visit(policy: Policy) -> None:
    uow = MemoryUnitOfWork()
    prior = _prior_visit(uow, member="someone-else")
    with pytest.raises(InvalidInput):
        _follow_up(policy, uow, prior, typed=PRIOR_START)
