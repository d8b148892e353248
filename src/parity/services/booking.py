"""The booking engine: offer, book, cancel: one engine for the API, pages and simulator
(what it proposes, and up to when: `services/proposals.py`).

Policy, in order: a slot before the (effective) deadline; for follow-ups the same
clinician when they have a timely slot (continuity of care); the request's provider class,
language and modality matched; earliest otherwise. When nothing in network meets the
deadline the request becomes an out-of-network referral: never a silent late booking. Once
the member declined a timely offer the plan has met the standard, and the engine books the
earliest later in-network time instead (marked late; docs/adr/0013, "2026-12-07 (night)").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parity.domain.availability import Serving, serving
from parity.domain.care import (
    Action,
    Appointment,
    CareRequest,
    Channel,
    Considered,
    Decision,
    Explanation,
    Offer,
    OfferResponse,
    RequestStatus,
)
from parity.domain.errors import (
    DeadlineUnreachable,
    InvalidTransition,
    ParityError,
    ProtectedTimeConflict,
    SlotMismatch,
    SlotUnavailable,
)
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.records import quick_init
from parity.domain.schedule import Slot
from parity.domain.workforce import Clinician
from parity.services.follow_ups import reanchor_follow_ups
from parity.services.policy import Policy
from parity.services.proposals import best_timely_slot, declined_timely_offer, later_slot
from parity.services.refusals import refer
from parity.services.slot_search import after_declining_until, booking_deadline
from parity.services.waiting import may_wait, wait_for_slot


@quick_init  # built once or more per booking decision (ADR 0014, sixth pass)
@dataclass(frozen=True, slots=True)
class BookRequest:
    """Book a request now: an offer made and accepted in one interaction. `accepted_by` is
    who recorded the acceptance (the member in the portal, or the staff member on the phone
    with them), `channel` the interaction's."""

    request_id: int
    slot_id: int | None = None
    accepted_by: str = "member"
    channel: Channel = Channel.PORTAL


def book_request(cmd: BookRequest, uow: UnitOfWork, clock: Clock, policy: Policy) -> Decision:
    """Book a request into the best timely slot (or the one asked for), or refer it out."""
    with uow:
        decision = book_in(cmd, uow, clock, policy)
        uow.commit()
    return decision


def book_in(cmd: BookRequest, uow: UnitOfWork, clock: Clock, policy: Policy) -> Decision:
    """`book_request` inside the caller's transaction."""
    request = uow.requests.get(cmd.request_id)
    if request.status is not RequestStatus.OPEN:
        raise InvalidTransition(f"request {request.id} is {request.status}, not open")
    now = clock.now()
    if cmd.slot_id is not None:
        slot = uow.slots.get(cmd.slot_id)
        check_slot_fits(request, slot, uow, policy, now)
        considered: Considered = {"requested_slot": slot.id}
    else:
        found, considered = best_timely_slot(request, uow, policy, now)
        if found is None and declined_timely_offer(request, uow):
            found = later_slot(request, uow, policy, now)
            considered = {**considered, "after_declining": found.id if found else None}
        if found is None and request.member_preferred_from is not None:
            raise DeadlineUnreachable(
                f"no time from the member's preferred date "
                f"{request.member_preferred_from.isoformat()} yet; the request stays open"
            )
        if found is None:
            if may_wait(request, policy, now):
                return wait_for_slot(request, considered, uow, now, policy)
            return refer(request, considered, uow, clock, policy)
        slot = found
    acceptance = Acceptance(cmd.accepted_by, considered, cmd.channel)
    return book_slot(Booking(request, slot, acceptance, uow, now, policy))


def check_slot_fits(
    request: CareRequest,
    slot: Slot,
    uow: UnitOfWork,
    policy: Policy,
    now: datetime,
    *,
    allow_late: bool = False,
) -> None:
    """Refuse a chosen slot that does not match the request or would make it late silently."""
    if slot.start < now + policy.min_notice:
        raise SlotUnavailable(f"slot {slot.id} starts too soon or is in the past", slot=slot.id)
    if slot.start < request.clock_start:
        raise SlotMismatch(
            f"slot {slot.id} starts before the request's clock start: a follow-up is never "
            "booked before the visit it follows"
        )
    if slot.start < request.not_before:
        # `$find` searches from here (slot_search.slot_query): what it never proposes is
        # not held either (docs/adr/0012, "2026-12-07 (evening)").
        raise SlotMismatch(
            f"slot {slot.id} starts before the request's earliest start "
            f"{request.not_before.isoformat()} (the member's later date or the course's cadence)"
        )
    clinician = uow.clinicians.get(slot.clinician_id)
    if slot.kind not in policy.kinds_for(request.visit):
        raise SlotMismatch(
            f"slot {slot.id} is a {slot.kind} slot; a {request.visit} visit cannot use it"
        )
    _serving(request, slot, clinician)
    if not any(
        clinician.can_see(request.provider_class, request.language, m) for m in request.modalities
    ):
        raise SlotMismatch(
            f"clinician {clinician.id} does not match the request's provider class, language or modality"
        )
    due = booking_deadline(request, policy)
    chosen = request.member_preferred_from is not None
    if slot.start > due and not allow_late and not chosen:
        _check_late(request, slot, uow, policy, due)


def _check_late(
    request: CareRequest, slot: Slot, uow: UnitOfWork, policy: Policy, due: datetime
) -> None:
    """A late slot (after `due`, the request's booking deadline) is chosen only after the
    member declined a timely offer, and only as late as `$find` then proposes
    (`after_declining_until`; docs/adr/0013, "2026-12-07 (late evening)"); otherwise offer
    a timely slot or refer out of network."""
    deadline = due.isoformat()
    if not declined_timely_offer(request, uow):
        raise DeadlineUnreachable(
            f"slot {slot.id} starts after the {request.standard} deadline "
            f"{deadline}; offer a timely slot or refer out of network",
            deadline=deadline,
        )
    until = after_declining_until(request, policy)
    if slot.start > until:
        raise DeadlineUnreachable(
            f"slot {slot.id} starts after {until.isoformat()}, the latest time proposed once "
            f"the member declined a timely offer (deadline {deadline})",
            deadline=deadline,
        )


def slot_fits(
    request: CareRequest, slot: Slot, uow: UnitOfWork, policy: Policy, now: datetime
) -> bool:
    """Whether `check_slot_fits` accepts the slot for the request now: what a page may
    propose for it (docs/adr/0012, "2026-12-07 (evening)")."""
    try:
        check_slot_fits(request, slot, uow, policy, now)
    except ParityError:
        return False
    return True


def _serving(request: CareRequest, slot: Slot, clinician: Clinician) -> Serving:
    """How the slot of `clinician` serves the request, by the index's own modality and area
    rule (`domain.availability.serving`, docs/adr/0002-availability-index.md), or
    SlotMismatch."""
    found = serving(request, slot, clinician)
    if found is None:
        raise SlotMismatch(
            f"slot {slot.id} cannot serve any of the request's modalities "
            f"({', '.join(request.modalities)}) from clinic {slot.clinic_id}"
        )
    return found


@quick_init  # built once or more per booking decision (ADR 0014, sixth pass)
@dataclass(frozen=True, slots=True)
class Acceptance:
    """Who accepted a slot for a request (the member, or staff recording it), through which
    channel, and what the engine considered on the way."""

    by: str
    considered: Considered
    channel: Channel = Channel.PORTAL


@quick_init  # built once or more per booking decision (ADR 0014, sixth pass)
@dataclass(frozen=True, slots=True)
class Booking:
    """A slot about to be booked for a request: accepted by whom, in which unit of work,
    when, and under which rules. The three ways a slot is booked take one of these."""

    request: CareRequest
    slot: Slot
    acceptance: Acceptance
    uow: UnitOfWork
    now: datetime
    policy: Policy


def book_slot(booking: Booking) -> Decision:
    """Book a free slot, chosen while the member was there: the offer and its acceptance
    are one interaction, recorded under whoever recorded it."""
    _refuse_protected_time(booking.slot, booking.uow)
    booking.uow.slots.take(booking.slot.id)
    _record_accepted_offer(booking)
    return _record_booking(booking)


def book_held_slot(booking: Booking) -> Decision:
    """Book the slot a hold set aside for the request; the acceptance is recorded now."""
    _refuse_protected_time(booking.slot, booking.uow)
    booking.uow.slots.confirm(booking.slot.id)
    _record_accepted_offer(booking)
    return _record_booking(booking)


def book_offered_slot(booking: Booking) -> Decision:
    """Book the held slot of an offer the member has accepted (its answer already recorded)."""
    _refuse_protected_time(booking.slot, booking.uow)
    booking.uow.slots.confirm(booking.slot.id)
    return _record_booking(booking)


def _refuse_protected_time(slot: Slot, uow: UnitOfWork) -> None:
    if uow.protected.overlapping(slot.clinician_id, slot.start, slot.end):
        raise ProtectedTimeConflict(
            f"slot {slot.id} lies in clinician {slot.clinician_id}'s protected IPC time",
            slot=slot.id,
        )


def _record_accepted_offer(booking: Booking) -> None:
    """The offer and its acceptance: one interaction, so one record written once."""
    request, slot, acceptance = booking.request, booking.slot, booking.acceptance
    offer = Offer(  # positional, in field order: one per booking (ADR 0014, speed)
        request.id,  # request_id
        slot.id,  # slot_id
        slot.clinician_id,  # clinician_id
        slot.start,  # slot_start
        booking.now,  # offered_at
        slot.start <= booking_deadline(request, booking.policy),  # timely
        OfferResponse.PENDING,  # response, until `respond` below
        None,  # responded_by
        None,  # responded_at
        acceptance.channel,  # channel
        acceptance.by,  # offered_by
    )
    offer.respond(OfferResponse.ACCEPTED, acceptance.by, booking.now, acceptance.channel)
    booking.uow.offers.add(offer)


def _record_booking(booking: Booking) -> Decision:
    """The appointment, the request booked, its follow-ups re-anchored, and the decision."""
    request, slot, acceptance = booking.request, booking.slot, booking.acceptance
    uow, now, policy = booking.uow, booking.now, booking.policy
    appointment = Appointment(  # positional, in field order: one per booking
        request.id,  # request_id
        request.member_id,  # member_id
        slot.clinician_id,  # clinician_id
        slot.clinic_id,  # clinic_id
        slot.id,  # slot_id
        slot.start,  # start
        slot.end,  # end
        request.visit,  # visit
        _serving(request, slot, uow.clinicians.get(slot.clinician_id)).modality,  # modality
        now,  # booked_at
    )
    uow.appointments.add(appointment)
    request.status = RequestStatus.BOOKED
    uow.requests.save(request)
    reanchor_follow_ups(request, appointment, uow, policy)
    standard = policy.rules.standard(request.standard)
    deadline = booking_deadline(request, policy)
    # Positional: a frozen record's keyword call costs twice its positional one, and the
    # simulator makes one per booking (ADR 0014, speed, third pass). In field order.
    explanation = Explanation(
        standard.name,  # rule
        acceptance.considered,  # considered
        standard.limit_text,  # limit
        request.clock_start,  # clock_start
    )
    return Decision(
        request.id,  # request_id
        Action.BOOKED,  # action
        standard.name,  # standard
        standard.citation,  # citation
        deadline,  # deadline
        explanation,  # explanation
        slot.start <= deadline,  # timely
        slot.id,  # slot_id
        appointment.id,  # appointment_id
        None,  # referral_id
        slot.start,  # starts_at
    )
