"""Use cases after booking: cancellations (who cancelled matters), visits kept or missed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parity.domain.care import Appointment, AppointmentStatus, CancelledBy, RequestStatus
from parity.domain.errors import InvalidInput
from parity.domain.messages import MessageKind
from parity.domain.ports import Clock, UnitOfWork
from parity.services.outbox import queue_about_slot
from parity.services.policy import Policy
from parity.services.waitlist import (
    offer_best_slot,
    offer_freed_slot,
    requeue_clinic_cancelled,
    waiting_besides,
)

NEXT_STEP = {
    CancelledBy.MEMBER: "You can ask for a new appointment at any time.",
    CancelledBy.CLINIC: "We are sorry: we will offer you a new time as soon as possible.",
}


@dataclass(frozen=True, slots=True)
class CancelAppointment:
    appointment_id: int
    by: CancelledBy
    reason: str = ""


def cancel_appointment(
    cmd: CancelAppointment, uow: UnitOfWork, clock: Clock, policy: Policy | None = None
) -> Appointment:
    """Cancel a booked visit and free its slot.

    A member-initiated cancellation closes the request (compliant; the member may ask
    again). A clinic-initiated one re-opens the request with its original deadline: it
    counts against the plan and must be rescheduled promptly. With a `policy` whose
    waitlist is on, the member is told, a clinic-cancelled request goes to the head of the
    waitlist and is offered the best timely slot, and the freed slot is offered to the
    request that needs it most.
    """
    with uow:
        appointment = cancel_and_tell(cmd, uow, clock, policy)
        waiting = policy is not None and anyone_to_offer(appointment, uow, policy)
        uow.commit()
    if policy is not None and waiting:
        after_cancellation(appointment, uow, clock, policy)
    return appointment


def cancel_and_tell(
    cmd: CancelAppointment, uow: UnitOfWork, clock: Clock, policy: Policy | None = None
) -> Appointment:
    """The cancellation and its message (and a clinic-cancelled request requeued) inside the
    caller's transaction; the caller commits, then calls `after_cancellation` when
    `anyone_to_offer` said so (the API answers before committing: docs/adr/0017-booking-api-speed.md)."""
    appointment = cancel_in(cmd, uow, clock)
    if policy is not None and policy.waitlist.enabled:
        _tell_and_requeue(appointment, cmd.by, uow, clock.now(), policy)
    return appointment


def _tell_and_requeue(
    appointment: Appointment, by: CancelledBy, uow: UnitOfWork, now: datetime, policy: Policy
) -> None:
    slot = uow.slots.get(appointment.slot_id)
    step = NEXT_STEP[by]
    key = f"cancellation:appointment:{appointment.id}"
    member, tz = appointment.member_id, policy.rules.timezone
    extra = {"next_step": step}
    queue_about_slot(uow, key, member, MessageKind.CANCELLATION, slot, tz, now, extra)
    if by is CancelledBy.CLINIC:
        request = uow.requests.get(appointment.request_id)
        requeue_clinic_cancelled(request, uow, now, policy, appointment.slot_id)


def anyone_to_offer(appointment: Appointment, uow: UnitOfWork, policy: Policy) -> bool:
    """Inside the cancellation's own transaction: whether `after_cancellation` has anyone to
    offer the freed time to (a clinic-cancelled request, or another request on the
    waitlist). When nobody waits, the transaction after the commit would only read that
    nobody does, so the caller skips it (docs/adr/0017-booking-api-speed.md, nineteenth
    round: a waiter who joins between this read and the commit is missed exactly as one
    who joins between the commit and the read after it was)."""
    if not policy.waitlist.enabled:
        return False
    if appointment.cancelled_by is CancelledBy.CLINIC:
        return True
    return bool(waiting_besides(uow, appointment.request_id))


def after_cancellation(
    appointment: Appointment, uow: UnitOfWork, clock: Clock, policy: Policy
) -> None:
    """Reschedule a clinic-cancelled request first, then pass the freed slot on."""
    if appointment.cancelled_by is CancelledBy.CLINIC:
        offer_best_slot(appointment.request_id, uow, clock, policy)
    offer_freed_slot(
        appointment.slot_id, uow, clock, policy, exclude_request=appointment.request_id
    )


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
        if attended:  # only a kept visit counts, so only then is its course looked up
            course_id = uow.requests.get(appointment.request_id).course_id
            if course_id is not None:
                course = uow.courses.get(course_id)
                course.sessions_done += 1
                uow.courses.save(course)
        uow.commit()
    return appointment
