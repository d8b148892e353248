"""Holds and reschedules: the `$hold` and `$book` steps of the FHIR scheduling flow.

A booked hold and its visit are one visit: `booking_of` finds the visit a hold became, so
`Appointment/hold-{n}` reads, and is cancelled, as that visit (docs/adr/0015)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from parity.domain.care import Appointment, CancelledBy, Channel, Decision, RequestStatus
from parity.domain.errors import InvalidInput, InvalidTransition, SlotUnavailable
from parity.domain.holds import Hold, HoldStatus
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import SlotStatus
from parity.services.booking import Acceptance, Booking, book_held_slot, check_slot_fits
from parity.services.policy import Policy
from parity.services.visits import CancelAppointment, cancel_in

DEFAULT_HOLD = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class HoldSlot:
    request_id: int
    slot_id: int
    hold_for: timedelta = DEFAULT_HOLD


def hold_slot(cmd: HoldSlot, uow: UnitOfWork, clock: Clock, policy: Policy) -> Hold:
    """Set a slot aside for a request; the slot is busy-tentative until booked or expired."""
    with uow:
        hold = hold_slot_in(cmd, uow, clock, policy)
        uow.commit()
    return hold


def hold_slot_in(cmd: HoldSlot, uow: UnitOfWork, clock: Clock, policy: Policy) -> Hold:
    """`hold_slot` inside the caller's transaction, which commits it."""
    now = clock.now()
    expire_holds(uow, now)
    request = uow.requests.get(cmd.request_id)
    if request.status is not RequestStatus.OPEN:
        raise InvalidTransition(f"request {request.id} is {request.status}, not open")
    slot = uow.slots.get(cmd.slot_id)
    check_slot_fits(request, slot, uow, policy, now)
    uow.slots.take(slot.id, SlotStatus.HELD)
    return uow.holds.add(
        Hold(request_id=request.id, slot_id=slot.id, held_at=now, expires_at=now + cmd.hold_for)
    )


def expire_holds(uow: UnitOfWork, now: datetime) -> int:
    """Free the slots of holds whose time ran out (inside the caller's transaction): only
    the active holds already past their expiry are read, through an index, not every
    active hold (docs/adr/0017-booking-api-speed.md)."""
    expired = 0
    for hold in uow.holds.due("expires_at", now, status=HoldStatus.ACTIVE):
        hold.end(HoldStatus.EXPIRED)
        uow.holds.save(hold)
        uow.slots.release(hold.slot_id)
        expired += 1
    return expired


@dataclass(frozen=True, slots=True)
class BookHold:
    hold_id: int
    accepted_by: str = "member"
    cancelled_appointment_id: int | None = None
    channel: Channel = Channel.PORTAL


def book_hold(cmd: BookHold, uow: UnitOfWork, clock: Clock, policy: Policy) -> Decision:
    """Turn a live hold into a booking; with `cancelled_appointment_id`, a reschedule:
    the old visit is cancelled (by the member) in the same transaction."""
    with uow:
        decision = book_hold_in(cmd, uow, clock, policy)
        uow.commit()
    return decision


def book_hold_in(cmd: BookHold, uow: UnitOfWork, clock: Clock, policy: Policy) -> Decision:
    """`book_hold` inside the caller's transaction, which commits it (the API answers from
    the records it wrote before committing: docs/adr/0017-booking-api-speed.md)."""
    now = clock.now()
    hold = uow.holds.get(cmd.hold_id)
    if not hold.is_live(now):
        raise SlotUnavailable(f"hold {hold.id} is {hold.status} or has expired", hold=hold.id)
    if cmd.cancelled_appointment_id is not None:
        _same_member(uow, hold, cmd.cancelled_appointment_id)
        cancel_in(
            CancelAppointment(cmd.cancelled_appointment_id, CancelledBy.MEMBER, "rescheduled"),
            uow,
            clock,
        )
    request = uow.requests.get(hold.request_id)
    slot = uow.slots.get(hold.slot_id)
    acceptance = Acceptance(cmd.accepted_by, {"hold": hold.id}, cmd.channel)
    decision = book_held_slot(Booking(request, slot, acceptance, uow, now, policy))
    hold.end(HoldStatus.BOOKED)
    uow.holds.save(hold)
    return decision


def _same_member(uow: UnitOfWork, hold: Hold, appointment_id: int) -> None:
    """A reschedule may only cancel the same member's own visit."""
    member = uow.requests.get(hold.request_id).member_id
    if uow.appointments.get(appointment_id).member_id != member:
        raise InvalidInput(
            f"appointment {appointment_id} belongs to another member; it cannot be rescheduled here"
        )


def booking_of(uow: UnitOfWork, hold_id: int) -> Appointment | None:
    """The visit a booked hold became (its request in its slot), or None while it is not
    booked. A slot is booked once per request, so the latest such visit is the one."""
    with uow:
        hold = uow.holds.get(hold_id)
        if hold.status is not HoldStatus.BOOKED:
            return None
        visits = uow.appointments.where(request_id=hold.request_id, slot_id=hold.slot_id)
        return max(visits, key=lambda v: v.id, default=None)


def release_hold(hold_id: int, uow: UnitOfWork) -> Hold:
    with uow:
        hold = uow.holds.get(hold_id)
        hold.end(HoldStatus.RELEASED)
        uow.holds.save(hold)
        uow.slots.release(hold.slot_id)
        uow.commit()
    return hold
