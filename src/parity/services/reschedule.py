"""Move a booked visit to another free slot, in one transaction: the old visit is cancelled
by whoever asked (a member's own change keeps the plan compliant; a clinic's counts against
it, as the law measures), its request re-opened and booked into the new slot. Any refusal
(a slot taken meanwhile, protected time, past the deadline) leaves the visit where it was.
See docs/adr/0016-pages-for-each-role.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from parity.domain.care import Appointment, AppointmentStatus, CancelledBy, Decision, RequestStatus
from parity.domain.errors import InvalidInput, NotFound
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import Slot, SlotStatus
from parity.services.booking import BookRequest, book_in
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


def move_choice(slot_id: int, uow: UnitOfWork, now: datetime) -> MoveChoice:
    """What the page offers for moving the visit booked in `slot_id`."""
    with uow:
        visit = visit_in(uow, slot_id)
        kind = uow.slots.get(slot_id).kind
        ahead = uow.slots.for_clinician(visit.clinician_id, now, now + LOOK_AHEAD)
        free = [
            s for s in ahead if s.status is SlotStatus.FREE and s.kind is kind and s.start > now
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
    neither. A clinic-initiated move needs a reason on record."""
    if cmd.slot_id == cmd.to_slot_id:
        raise InvalidInput("choose a different slot to move the visit to")
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
