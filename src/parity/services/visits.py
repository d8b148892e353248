"""Use cases after booking: cancellations (who cancelled matters), visits kept or missed."""

from __future__ import annotations

from dataclasses import dataclass

from parity.domain.care import Appointment, AppointmentStatus, CancelledBy, RequestStatus
from parity.domain.errors import InvalidInput
from parity.domain.ports import Clock, UnitOfWork


@dataclass(frozen=True, slots=True)
class CancelAppointment:
    appointment_id: int
    by: CancelledBy
    reason: str = ""


def cancel_appointment(cmd: CancelAppointment, uow: UnitOfWork, clock: Clock) -> Appointment:
    """Cancel a booked visit and free its slot.

    A member-initiated cancellation closes the request (compliant; the member may ask
    again). A clinic-initiated one re-opens the request with its original deadline: it
    counts against the plan and must be rescheduled promptly.
    """
    with uow:
        appointment = cancel_in(cmd, uow, clock)
        uow.commit()
    return appointment


def cancel_in(cmd: CancelAppointment, uow: UnitOfWork, clock: Clock) -> Appointment:
    if cmd.by is CancelledBy.CLINIC and not cmd.reason.strip():
        raise InvalidInput("a clinic-initiated cancellation needs a reason on record")
    appointment = uow.appointments.get(cmd.appointment_id)
    appointment.cancel(cmd.by, clock.now(), cmd.reason)
    uow.appointments.save(appointment)
    uow.slots.release(appointment.slot_id)
    request = uow.requests.get(appointment.request_id)
    request.status = RequestStatus.OPEN if cmd.by is CancelledBy.CLINIC else RequestStatus.WITHDRAWN
    uow.requests.save(request)
    return appointment


def close_visit(appointment_id: int, attended: bool, uow: UnitOfWork) -> Appointment:
    """Record that a booked visit happened, or that the member did not come; a kept visit
    counts towards its course of treatment."""
    with uow:
        appointment = uow.appointments.get(appointment_id)
        appointment.close(AppointmentStatus.FULFILLED if attended else AppointmentStatus.NOSHOW)
        uow.appointments.save(appointment)
        course_id = uow.requests.get(appointment.request_id).course_id
        if attended and course_id is not None:
            course = uow.courses.get(course_id)
            course.sessions_done += 1
            uow.courses.save(course)
        uow.commit()
    return appointment
