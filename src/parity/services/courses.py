"""Courses of treatment: each follow-up within the SB 221 window of the previous visit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from parity.domain.calendar import end_of_local_day, local_date
from parity.domain.care import Appointment, Course, Decision
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.standards import VisitType
from parity.services.booking import BookRequest, book_in
from parity.services.policy import Policy
from parity.services.requests import (
    RecordClinicalException,
    RequestCare,
    document_exception,
    new_request,
)

# When a treating clinician sets a cadence longer than the SB 221 window, they document a
# clinical exception; the slack (in business days) past the cadence date they allow.
CADENCE_SLACK_BUSINESS_DAYS = 5


def start_course(course: Course, uow: UnitOfWork) -> Course:
    with uow:
        uow.courses.add(course)
        uow.commit()
    return course


@dataclass(frozen=True, slots=True)
class BookFollowUp:
    course_id: int
    prior_appointment_id: int
    # Set when the member cancelled or rescheduled: their choice restarts the clock.
    member_rescheduled_at: datetime | None = None


def book_follow_up(cmd: BookFollowUp, uow: UnitOfWork, clock: Clock, policy: Policy) -> Decision:
    """Request and book the next visit of a course at its cadence.

    The clock starts at the prior appointment (SB 221). When the clinical cadence is longer
    than the 10-business-day window, the treating clinician's documented exception extends
    the deadline; otherwise the visit is booked, same clinician first, within the window.
    """
    with uow:
        course = uow.courses.get(cmd.course_id)
        prior = uow.appointments.get(cmd.prior_appointment_id)
        request = new_request(_follow_up_request(cmd, course, prior), uow, clock, policy)
        if request.not_before > request.deadline:
            tz = policy.rules.timezone
            due = policy.rules.calendar.add_business_days(
                local_date(request.not_before, tz), CADENCE_SLACK_BUSINESS_DAYS
            )
            reason = f"clinically appropriate cadence of {course.cadence_days} days"
            document_exception(
                RecordClinicalException(
                    request.id, course.clinician_id, reason, end_of_local_day(due, tz)
                ),
                uow,
                clock,
            )
        decision = book_in(BookRequest(request.id, accepted_by="member"), uow, clock, policy)
        uow.commit()
    return decision


def _follow_up_request(cmd: BookFollowUp, course: Course, prior: Appointment) -> RequestCare:
    # The modality of the course so far first, then whatever else the member accepts.
    modalities = (prior.modality, *(m for m in course.modalities if m is not prior.modality))
    return RequestCare(
        member_id=course.member_id,
        visit=VisitType.FOLLOW_UP,
        provider_class=course.provider_class,
        language=course.language,
        modalities=modalities,
        clinic_id=course.clinic_id,
        preferred_clinician_id=course.clinician_id,
        prior_appointment_start=cmd.member_rescheduled_at or prior.start,
        not_before=cmd.member_rescheduled_at or prior.start + timedelta(days=course.cadence_days),
        course_id=course.id,
        prior_appointment_id=prior.id,
    )
