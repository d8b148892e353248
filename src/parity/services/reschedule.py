"""Move a booked visit to another free slot, in one transaction: the old visit is cancelled
by whoever asked (a member's own change keeps the plan compliant; a clinic's counts against
it, as the law measures), its request re-opened and booked into the new slot. Any refusal
(a slot taken meanwhile, protected time, past the deadline) leaves the visit where it was.
See docs/adr/0016-pages-for-each-role.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from parity.domain.care import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    Channel,
    Decision,
    RequestStatus,
)
from parity.domain.errors import InvalidInput, InvalidTransition, NotFound
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import Slot, SlotStatus
from parity.services.booking import (
    Acceptance,
    Booking,
    BookRequest,
    book_held_slot,
    book_in,
    check_slot_fits,
    slot_fits,
)
from parity.services.policy import Policy
from parity.services.visits import CancelAppointment, cancel_in

# How far ahead the page looks for a slot to move a visit to.
LOOK_AHEAD = timedelta(days=14)


@dataclass(frozen=True)
class MoveVisit:
    slot_id: int  # the booked visit's slot, as the week shows it
    to_slot_id: int
    asked_by: CancelledBy
    reason: str
    recorded_by: str


@dataclass(frozen=True)
class MoveChoice:
    """A booked visit, whose it is, and the free slots of the same kind it could move to."""

    visit: Appointment
    member_name: str
    slots: list[Slot]


def visit_in(uow: UnitOfWork, slot_id: int) -> Appointment:
    found = [
        a for a in uow.appointments.where(slot_id=slot_id) if a.status is AppointmentStatus.BOOKED
    ]
    if not found:
        raise NotFound(f"no booked visit in slot {slot_id}")
    return found[0]


def move_choice(slot_id: int, uow: UnitOfWork, now: datetime, policy: Policy) -> MoveChoice:
    """What the page offers for moving the visit booked in `slot_id`: the clinician's free
    slots of the same kind ahead that the move could book, by the booking engine's own check
    (what is proposed can be booked: docs/adr/0012, "2026-12-07 (evening)")."""
    with uow:
        visit = visit_in(uow, slot_id)
        kind = uow.slots.get(slot_id).kind
        request = uow.requests.get(visit.request_id)
        ahead = uow.slots.for_clinician(visit.clinician_id, now, now + LOOK_AHEAD)
        free = [
            s
            for s in ahead
            if s.status is SlotStatus.FREE
            and s.kind is kind
            and s.start > now
            and slot_fits(request, s, uow, policy, now)
        ]
        try:
            name = uow.members.get(visit.member_id).name
        except NotFound:
            name = visit.member_id
    return MoveChoice(visit, name, sorted(free, key=lambda s: s.start))


def move_visit(
    cmd: MoveVisit, uow: UnitOfWork, clock: Clock, policy: Policy
) -> tuple[Appointment, Decision]:
    """Cancel the visit in `cmd.slot_id` and book its request into `cmd.to_slot_id`, both or
    neither. Every move needs a reason on record: a clinic's, or the contact note that
    backs "the member asked" when staff record it (as a refusal recorded by staff does,
    ADR 0013), since a member's move is compliant and a clinic's is not."""
    if cmd.slot_id == cmd.to_slot_id:
        raise InvalidInput("choose a different slot to move the visit to")
    if not cmd.reason.strip():
        raise InvalidInput(
            "say why the visit moves: the clinic's reason, or when and how the member asked"
        )
    with uow:
        visit = visit_in(uow, cmd.slot_id)
        old = cancel_in(CancelAppointment(visit.id, cmd.asked_by, cmd.reason), uow, clock)
        request = uow.requests.get(old.request_id)
        request.status = RequestStatus.OPEN  # re-opened for the new booking only
        uow.requests.save(request)
        decision = book_in(
            BookRequest(request.id, cmd.to_slot_id, cmd.recorded_by), uow, clock, policy
        )
        uow.commit()
    return old, decision


@dataclass(frozen=True, slots=True)
class Reschedule:
    """Book a request into a proposed slot and cancel the member's visit it replaces."""

    request_id: int
    slot_id: int
    cancelled_appointment_id: int
    accepted_by: str = "member"
    channel: Channel = Channel.PORTAL


def reschedule(cmd: Reschedule, uow: UnitOfWork, clock: Clock, policy: Policy) -> Decision:
    """The member's own change (`$book` with `cancelled-appt-id`), in one transaction: the
    new slot is taken first (so the visit is never cancelled for a slot that is gone), the
    old visit cancelled by the member, the new one booked. Any refusal leaves both as they
    were."""
    now = clock.now()
    with uow:
        request = uow.requests.get(cmd.request_id)
        if request.status is not RequestStatus.OPEN:
            raise InvalidTransition(f"request {request.id} is {request.status}, not open")
        if uow.appointments.get(cmd.cancelled_appointment_id).member_id != request.member_id:
            raise InvalidInput(
                f"appointment {cmd.cancelled_appointment_id} belongs to another member; "
                "it cannot be rescheduled here"
            )
        slot = uow.slots.get(cmd.slot_id)
        check_slot_fits(request, slot, uow, policy, now)
        uow.slots.take(slot.id, SlotStatus.HELD)
        cancel_in(
            CancelAppointment(cmd.cancelled_appointment_id, CancelledBy.MEMBER, "rescheduled"),
            uow,
            clock,
        )
        acceptance = Acceptance(cmd.accepted_by, {"requested_slot": slot.id}, cmd.channel)
        decision = book_held_slot(Booking(request, slot, acceptance, uow, now, policy))
        uow.commit()
    return decision
