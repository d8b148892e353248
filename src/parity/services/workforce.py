"""Use cases for a changing workforce: clinicians leaving, absences such as a strike, and a
course of treatment handed to another clinician.

A departure or an absence is the plan's doing, not the member's: every visit it removes is
a clinic-initiated cancellation, whose request re-opens with its original deadline (it
counts against the plan and must be rescheduled promptly), and the free slots it covers
are withdrawn from booking. The caller rebooks the re-opened requests.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from parity.domain.care import Appointment, AppointmentStatus, CancelledBy, Course
from parity.domain.errors import InvalidInput
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import AvailabilityException, ExceptionKind, SlotStatus
from parity.services.visits import CancelAppointment, cancel_in

# A departure has no end: withdraw everything from the last day on.
FOR_GOOD = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Departure:
    """Clinicians who stop seeing members from `effective` on (notice given now)."""

    clinician_ids: tuple[str, ...]
    effective: datetime
    reason: str = "clinician left the plan"


@dataclass(frozen=True, slots=True)
class Absence:
    """Clinicians away for [start, end): a strike, a leave of absence."""

    clinician_ids: tuple[str, ...]
    start: datetime
    end: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class TransferCourse:
    course_id: int
    clinician_id: str


def clinicians_leave(cmd: Departure, uow: UnitOfWork, clock: Clock) -> list[Appointment]:
    """Withdraw the leavers' free slots from `effective` on, cancel their visits booked
    from then on as clinic-initiated cancellations, record each leaver's end date; return
    the cancelled visits.

    No further weeks should be laid for them: the caller stops materialising their template.
    """
    if cmd.effective.tzinfo is None:
        raise InvalidInput("a departure's effective time must carry a time zone")
    with uow:
        cancelled = _vacate(uow, clock, cmd.clinician_ids, (cmd.effective, FOR_GOOD), cmd.reason)
        for clinician_id in sorted(set(cmd.clinician_ids)):
            # The end date lets a refusal name the departure as its cause (clinician-left).
            clinician = uow.clinicians.get(clinician_id)
            uow.clinicians.save(replace(clinician, leaves_at=cmd.effective))
        uow.commit()
    return cancelled


def clinicians_absent(cmd: Absence, uow: UnitOfWork, clock: Clock) -> list[Appointment]:
    """Record the absence as leave for each clinician (weeks laid later leave it empty and
    prorate the IPC guarantee), vacate the weeks already laid, return the cancelled visits."""
    if cmd.start.tzinfo is None or cmd.end.tzinfo is None:
        raise InvalidInput("an absence needs time-zone-aware start and end")
    if cmd.end <= max(cmd.start, clock.now()):
        raise InvalidInput("an absence must end after it starts and in the future")
    if not cmd.reason.strip():
        raise InvalidInput("an absence needs a reason on record")
    with uow:
        for clinician_id in cmd.clinician_ids:
            uow.availability_exceptions.add(
                AvailabilityException(
                    clinician_id, ExceptionKind.PTO, cmd.start, cmd.end, cmd.reason
                )
            )
        cancelled = _vacate(uow, clock, cmd.clinician_ids, (cmd.start, cmd.end), cmd.reason)
        uow.commit()
    return cancelled


def _vacate(
    uow: UnitOfWork,
    clock: Clock,
    clinician_ids: Collection[str],
    window: tuple[datetime, datetime],
    reason: str,
) -> list[Appointment]:
    ids = set(clinician_ids)
    for clinician_id in ids:
        uow.clinicians.get(clinician_id)  # unknown clinicians fail before anything changes
    start, end = window
    # One pass over the visits for the whole group: cheaper than a look-up per slot.
    doomed = [
        a.id
        for a in uow.appointments.list()
        if a.clinician_id in ids and a.status is AppointmentStatus.BOOKED and start <= a.start < end
    ]
    cancelled = [
        cancel_in(CancelAppointment(appointment_id, CancelledBy.CLINIC, reason), uow, clock)
        for appointment_id in doomed
    ]
    for clinician_id in sorted(ids):
        for slot in uow.slots.for_clinician(clinician_id, start, end):
            if slot.status is SlotStatus.FREE:
                uow.slots.take(slot.id)  # withdrawn: nobody may book it
    return cancelled


def transfer_course(cmd: TransferCourse, uow: UnitOfWork) -> Course:
    """Hand a course of treatment to another clinician of the same provider class, so its
    follow-ups go to them first (continuity of care after a departure)."""
    with uow:
        course = uow.courses.get(cmd.course_id)
        clinician = uow.clinicians.get(cmd.clinician_id)
        if clinician.provider_class is not course.provider_class:
            raise InvalidInput(
                f"clinician {clinician.id} is a {clinician.provider_class}; course "
                f"{course.id} needs a {course.provider_class}"
            )
        course.clinician_id = clinician.id
        uow.courses.save(course)
        uow.commit()
    return course
