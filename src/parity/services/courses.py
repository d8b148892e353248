"""Courses of treatment: each follow-up within its standard's window of the previous visit.

A cadence longer than the window is a clinical decision only the treating clinician can
document (28 CCR §1300.67.2.2(c)(5)(G)); Parity never writes it for them. Until they do,
the follow-up is offered within the window and the clinician sees a to-do
(docs/adr/0013-evidence-a-regulator-accepts.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from parity.domain.calendar import local_date
from parity.domain.care import (
    Appointment,
    AppointmentStatus,
    CareRequest,
    Course,
    Decision,
    RequestStatus,
    follow_up_clock_start,
)
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.standards import VisitType
from parity.services.booking import BookRequest, book_in
from parity.services.policy import Policy
from parity.services.proposals import best_timely_slot
from parity.services.requests import RequestCare, new_request


def start_course(course: Course, uow: UnitOfWork) -> Course:
    with uow:
        uow.courses.add(course)
        uow.commit()
    return course


@dataclass(frozen=True, slots=True)
class BookFollowUp:
    course_id: int
    prior_appointment_id: int
    # Who books it (a user's name, or the process that did) and through which channel.
    booked_by: str = "member"


def book_follow_up(cmd: BookFollowUp, uow: UnitOfWork, clock: Clock, policy: Policy) -> Decision:
    """Request and book the next visit of a course.

    The clock starts at the prior appointment (SB 221), or at the member's own no-show or
    cancellation (the rule file's `follow_up_clock`). A cadence longer than the window is
    not assumed to be clinically appropriate: the follow-up is offered within the window
    until the treating clinician documents an exception (`exception_todos`).
    """
    with uow:
        course = uow.courses.get(cmd.course_id)
        prior = uow.appointments.get(cmd.prior_appointment_id)
        request = new_request(_follow_up_request(course, prior), uow, clock, policy)
        if request.not_before > request.deadline:
            request.not_before = _within_window(request, prior, uow, policy, clock.now())
            uow.requests.save(request)
        decision = book_in(BookRequest(request.id, accepted_by=cmd.booked_by), uow, clock, policy)
        uow.commit()
    return decision


def clock_start_after(prior: Appointment) -> datetime:
    """When a follow-up's clock starts: the prior visit's start, or the member's own event
    (a no-show at the missed visit's start, a cancellation when it was recorded)."""
    return follow_up_clock_start(prior)


def _follow_up_request(course: Course, prior: Appointment) -> RequestCare:
    clock_start = clock_start_after(prior)
    not_before = max(_after_prior(prior), clock_start + timedelta(days=course.cadence_days))
    return follow_up_request(course, prior, not_before, clock_start)


def follow_up_request(
    course: Course, prior: Appointment, not_before: datetime, clock_start: datetime
) -> RequestCare:
    """The next visit of a course: the modality of the course so far first, then whatever
    else the member accepts; the SB 221 clock from `clock_start`."""
    modalities = (prior.modality, *(m for m in course.modalities if m is not prior.modality))
    # Positional, in field order: one per simulated follow-up (ADR 0014, speed).
    return RequestCare(
        course.member_id,  # member_id
        VisitType.FOLLOW_UP,  # visit
        course.provider_class,  # provider_class
        course.language,  # language
        modalities,  # modalities
        course.clinic_id,  # clinic_id
        None,  # requested_at
        course.clinician_id,  # preferred_clinician_id
        False,  # prior_authorization
        clock_start,  # prior_appointment_start
        not_before,  # not_before
        course.id,  # course_id
        prior.id,  # prior_appointment_id
    )


# Until the clinician documents a longer interval, a follow-up whose cadence runs past the
# window is offered as near the cadence as the window allows: from this many business days
# before the deadline when a slot is free then, else from the end of the visit it follows.
NEAR_CADENCE_BUSINESS_DAYS = (2, 5)


def _within_window(
    request: CareRequest, prior: Appointment, uow: UnitOfWork, policy: Policy, now: datetime
) -> datetime:
    """Where the search for a follow-up starts when its cadence runs past the window: late
    in the window (nearest the clinical cadence) if a timely slot is free there, otherwise
    right after the prior visit. Never before the request or the visit it follows."""
    earliest = max(request.requested_at, _after_prior(prior), request.clock_start)
    rules = policy.rules
    last_day = local_date(request.deadline, rules.timezone)
    for days in NEAR_CADENCE_BUSINESS_DAYS:
        day = rules.calendar.add_business_days_before(last_day, days)
        start = max(earliest, datetime.combine(day, time(0), tzinfo=rules.timezone))
        slot, _ = best_timely_slot(replace(request, not_before=start), uow, policy, now)
        if slot is not None:
            return start
    return earliest


def _after_prior(prior: Appointment) -> datetime:
    """A follow-up comes after the visit it follows; a cancelled visit holds no time."""
    if prior.status is AppointmentStatus.CANCELLED and prior.cancelled_at is not None:
        return prior.cancelled_at
    return prior.end


@dataclass(frozen=True, slots=True)
class ExceptionTodo:
    """A follow-up whose course cadence is longer than its window: the treating clinician
    is asked to determine whether a longer wait is clinically appropriate."""

    request_id: int
    member_id: str
    course_id: int
    clinician_id: str
    cadence_days: int
    cadence_date: datetime
    deadline: datetime


def exception_todos(clinician_id: str, uow: UnitOfWork) -> list[ExceptionTodo]:
    """Follow-ups of this clinician's courses whose cadence date falls after the legal
    deadline and on which no exception is documented yet, soonest deadline first."""
    with uow:
        courses = {c.id: c for c in uow.courses.where(clinician_id=clinician_id)}
        todos = [
            todo
            for request in uow.requests.where(visit=VisitType.FOLLOW_UP)
            if request.course_id in courses
            and (todo := _todo(request, courses[request.course_id], uow)) is not None
        ]
    return sorted(todos, key=lambda t: (t.deadline, t.request_id))


def _todo(request: CareRequest, course: Course, uow: UnitOfWork) -> ExceptionTodo | None:
    if request.status is RequestStatus.BOOKED:
        visits = uow.appointments.where(request_id=request.id)
        if not any(a.status is AppointmentStatus.BOOKED for a in visits):
            return None  # the visit happened (or was missed): nothing left to determine
    elif request.status is not RequestStatus.OPEN:
        return None
    cadence_date = request.clock_start + timedelta(days=course.cadence_days)
    if cadence_date <= request.deadline:
        return None
    if uow.clinical_exceptions.where(request_id=request.id):
        return None
    return ExceptionTodo(
        request.id,
        request.member_id,
        course.id,
        course.clinician_id,
        course.cadence_days,
        cadence_date,
        request.deadline,
    )
