"""Offers as evidence: offer a slot, then record the member's acceptance or refusal.

What the law measures is the earliest appointment *offered* (28 CCR §1300.67.2.2(c)(5));
a timely offer the member declines is compliant, so the refusal is kept with who declined
and when. An offer holds its slot until answered or expired. With the waitlist on, a
declined or expired offer's slot goes straight to the next waiting request, and an accepted
one queues the member's confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from parity.domain.care import (
    AppointmentStatus,
    CancelledBy,
    CareRequest,
    Channel,
    Decision,
    MembersWord,
    Offer,
    OfferResponse,
    RequestStatus,
)
from parity.domain.errors import InvalidInput, InvalidTransition, NotFound, SlotUnavailable
from parity.domain.messages import MessageKind
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import SlotStatus
from parity.domain.users import Principal, Role
from parity.domain.waitlist import WaitStatus
from parity.services.booking import Acceptance, Booking, book_offered_slot, check_slot_fits
from parity.services.outbox import queue_about_slot
from parity.services.policy import Policy
from parity.services.requests import members_word
from parity.services.slot_search import booking_deadline
from parity.services.visits import CancelAppointment, cancel_in
from parity.services.waitlist import offer_freed_slot, open_entry

DEFAULT_OFFER_HOLD = timedelta(hours=24)


class OfferExpired(InvalidTransition):
    """The member answered after the offer stopped holding its slot."""

    rule = "offer-expired"
    http_status = 410


EARLIER_TIME = "moved to an earlier time the member accepted"


@dataclass(frozen=True, slots=True)
class MakeOffer:
    """Offer a slot: `offered_by` is the signed-in user (or the process) making the offer,
    `channel` how it reaches the member."""

    request_id: int
    slot_id: int
    offered_by: str
    channel: Channel


def make_offer(cmd: MakeOffer, uow: UnitOfWork, clock: Clock, policy: Policy) -> Offer:
    """Offer a slot to a member: record the offer and hold the slot for them."""
    now = clock.now()
    with uow:
        request = uow.requests.get(cmd.request_id)
        if request.status is not RequestStatus.OPEN:
            raise InvalidTransition(f"request {request.id} is {request.status}, not open")
        slot = uow.slots.get(cmd.slot_id)
        check_slot_fits(request, slot, uow, policy, now, allow_late=True)
        uow.slots.take(slot.id, SlotStatus.HELD)
        timely = slot.start <= booking_deadline(request, policy)
        offer = uow.offers.add(
            Offer(
                request.id,
                slot.id,
                slot.clinician_id,
                slot.start,
                now,
                timely,
                channel=cmd.channel,
                offered_by=_who(cmd.offered_by, "an offer must say who made it"),
            )
        )
        uow.commit()
    return offer


def _who(name: str, message: str) -> str:
    if not name.strip():
        raise InvalidInput(message)
    return name.strip()


@dataclass(frozen=True, slots=True)
class AnswerOffer:
    """The member's answer, as recorded: `by` is the signed-in principal who recorded it
    (the member themselves, or a staff member who spoke to them), `channel` how the answer
    came. Whether staff recorded it is read from the principal's role, never from a flag the
    caller sets: a refusal recorded by staff needs the contact note that backs it, and a
    member answers only their own offers, through the portal (docs/adr/0012, "2026-12-07
    (night)")."""

    offer_id: int
    accept: bool
    by: Principal
    channel: Channel = Channel.PORTAL
    note: str = ""


@dataclass(frozen=True, slots=True)
class OfferAnswer:
    """What answering did: the offer as answered, the booking (when accepted), and the
    offer the freed slot went to next (when declined and someone else was waiting)."""

    offer: Offer
    decision: Decision | None
    next_offer: Offer | None


def answer_offer(
    cmd: AnswerOffer, uow: UnitOfWork, clock: Clock, policy: Policy
) -> Decision | Offer:
    """Accept (book the offered slot) or decline (keep the refusal as evidence, free the slot)."""
    answer = respond_to_offer(cmd, uow, clock, policy)
    return answer.decision if answer.decision is not None else answer.offer


def respond_to_offer(
    cmd: AnswerOffer, uow: UnitOfWork, clock: Clock, policy: Policy
) -> OfferAnswer:
    """Answer an offer; then, with the waitlist on, pass any slot freed to the next
    waiting request (a declined slot, or the later visit an accepted offer replaced). An
    answer after the offer's hold time is refused, and the offer recorded as expired."""
    _who(cmd.by.subject, "an answer to an offer must say who recorded it")
    if not cmd.accept:  # the member's act: the same rule as a later date or a withdrawal
        members_word("a refusal", cmd.by, cmd.channel, cmd.note)
    elif cmd.by.role is Role.MEMBER:  # the member accepting for themselves: the portal
        MembersWord.members_own(cmd.channel)
    with uow:
        offer = uow.offers.get(cmd.offer_id)
        _members_own(offer, cmd.by, uow)
        if offer.response is not OfferResponse.PENDING:
            raise InvalidTransition(f"offer {offer.id} was already {offer.response}")
        late = _hold_over(offer, clock, policy)
        decision, freed = _answer_in(offer, cmd, late, uow, clock, policy)
        uow.commit()
    following = _reoffer(freed, offer.request_id, uow, clock, policy)
    if late:
        held_until = offer.offered_at + policy.waitlist.offer_hold
        raise OfferExpired(
            f"offer {offer.id} expired: its slot was held until {held_until.isoformat()}"
        )
    return OfferAnswer(offer, decision, following)


def _answer_in(
    offer: Offer, cmd: AnswerOffer, late: bool, uow: UnitOfWork, clock: Clock, policy: Policy
) -> tuple[Decision | None, int | None]:
    """Record the answer (or the expiry of a late one); the booking and the slot freed."""
    if late:
        return None, _pass(offer, OfferResponse.EXPIRED, EXPIRY, uow, clock.now())
    if cmd.accept:
        return _accept(offer, cmd, uow, clock, policy)
    answer = (cmd.by.subject, cmd.channel, cmd.note.strip())
    return None, _pass(offer, OfferResponse.DECLINED, answer, uow, clock.now())


def _members_own(offer: Offer, by: Principal, uow: UnitOfWork) -> None:
    """A member answers their own offers only: another member's is absent to them, as in
    every scoped read (docs/adr/0012)."""
    if by.role is Role.MEMBER and not by.acts_for(uow.requests.get(offer.request_id).member_id):
        raise NotFound(f"Task offer-{offer.id} not found", resource="Task", id=f"offer-{offer.id}")


def _hold_over(offer: Offer, clock: Clock, policy: Policy) -> bool:
    """With the waitlist on, an offer holds its slot for `offer_hold` and no longer, even
    if the sweep has not run yet."""
    return policy.waitlist.enabled and offer.offered_at + policy.waitlist.offer_hold <= clock.now()


def _accept(
    offer: Offer, cmd: AnswerOffer, uow: UnitOfWork, clock: Clock, policy: Policy
) -> tuple[Decision, int | None]:
    now = clock.now()
    request = uow.requests.get(offer.request_id)
    slot = uow.slots.get(offer.slot_id)
    if slot.status is not SlotStatus.HELD:
        raise SlotUnavailable(f"slot {slot.id} is no longer held for offer {offer.id}")
    freed = _cancel_later_visit(request, uow, clock)
    offer.respond(OfferResponse.ACCEPTED, cmd.by.subject, now, cmd.channel, cmd.note.strip())
    uow.offers.save(offer)
    acceptance = Acceptance(cmd.by.subject, {"offer": offer.id}, cmd.channel)
    decision = book_offered_slot(Booking(request, slot, acceptance, uow, now, policy))
    entry = open_entry(uow, request.id)
    if entry is not None:
        entry.close(WaitStatus.DONE, now)
        uow.waitlist.save(entry)
    tz = policy.rules.timezone
    key = f"confirmation:appointment:{decision.appointment_id}"
    queue_about_slot(uow, key, request.member_id, MessageKind.CONFIRMATION, slot, tz, now)
    return decision, freed


def _cancel_later_visit(request: CareRequest, uow: UnitOfWork, clock: Clock) -> int | None:
    """A member who waited for an earlier time gives up the later visit (their own choice,
    so a member-initiated cancellation); returns the slot it frees."""
    if request.status is not RequestStatus.BOOKED:
        return None
    for visit in uow.appointments.where(request_id=request.id):
        if visit.status is AppointmentStatus.BOOKED:
            cancel_in(CancelAppointment(visit.id, CancelledBy.MEMBER, EARLIER_TIME), uow, clock)
            return visit.slot_id
    return None


# Who records that an offer went unanswered: the expiry process, not a person.
EXPIRY = ("offer-expiry", None, "")


def _pass(
    offer: Offer,
    response: OfferResponse,
    answer: tuple[str, Channel | None, str],
    uow: UnitOfWork,
    now: datetime,
) -> int:
    """Record a refusal or an expiry, free the slot, and let the member wait on."""
    by, channel, note = answer
    offer.respond(response, by, now, channel, note)
    uow.offers.save(offer)
    uow.slots.release(offer.slot_id)
    entry = open_entry(uow, offer.request_id)
    if entry is not None and entry.status is WaitStatus.OFFERED:
        entry.passed(offer.slot_id, now)
        uow.waitlist.save(entry)
    return offer.slot_id


def _reoffer(
    slot_id: int | None, request_id: int, uow: UnitOfWork, clock: Clock, policy: Policy
) -> Offer | None:
    if slot_id is None or not policy.waitlist.enabled:
        return None
    return offer_freed_slot(slot_id, uow, clock, policy, exclude_request=request_id)


def expire_offers(uow: UnitOfWork, clock: Clock, hold_for: timedelta = DEFAULT_OFFER_HOLD) -> int:
    """Mark unanswered offers older than `hold_for` expired and free their slots."""
    return len(_expire(uow, clock, hold_for))


def _expire(uow: UnitOfWork, clock: Clock, hold_for: timedelta) -> list[tuple[int, int]]:
    """Expire old offers; the (slot, request) pairs they free."""
    now = clock.now()
    freed: list[tuple[int, int]] = []
    with uow:
        for offer in uow.offers.where(response=OfferResponse.PENDING):
            if offer.offered_at + hold_for <= now:
                freed.append(
                    (_pass(offer, OfferResponse.EXPIRED, EXPIRY, uow, now), offer.request_id)
                )
        uow.commit()
    return freed


def expire_and_reoffer(uow: UnitOfWork, clock: Clock, policy: Policy) -> tuple[int, int]:
    """Expire offers held longer than `policy.waitlist.offer_hold`, and offer each freed
    slot to the next waiting request; returns (expired, offered again)."""
    freed = _expire(uow, clock, policy.waitlist.offer_hold)
    again = [_reoffer(slot, request, uow, clock, policy) for slot, request in freed]
    return len(freed), sum(offer is not None for offer in again)
