"""Offers as evidence: offer a slot, then record the member's acceptance or refusal.

What the law measures is the earliest appointment *offered* (28 CCR §1300.67.2.2(c)(5));
a timely offer the member declines is compliant, so the refusal is kept with who declined
and when. An offer holds its slot until answered or expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from parity.domain.care import Decision, Offer, OfferResponse, RequestStatus
from parity.domain.errors import InvalidInput, InvalidTransition, SlotUnavailable
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import SlotStatus
from parity.services.booking import book_slot, check_slot_fits
from parity.services.policy import Policy

DEFAULT_OFFER_HOLD = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class MakeOffer:
    request_id: int
    slot_id: int


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
        timely = slot.start <= request.effective_deadline
        offer = uow.offers.add(
            Offer(request.id, slot.id, slot.clinician_id, slot.start, now, timely)
        )
        uow.commit()
    return offer


@dataclass(frozen=True, slots=True)
class AnswerOffer:
    offer_id: int
    accept: bool
    by: str


def answer_offer(
    cmd: AnswerOffer, uow: UnitOfWork, clock: Clock, policy: Policy
) -> Decision | Offer:
    """Accept (book the offered slot) or decline (keep the refusal as evidence, free the slot)."""
    if not cmd.by.strip():
        raise InvalidInput("an answer to an offer must say who gave it")
    now = clock.now()
    with uow:
        offer = uow.offers.get(cmd.offer_id)
        if offer.response is not OfferResponse.PENDING:
            raise InvalidTransition(f"offer {offer.id} was already {offer.response}")
        request = uow.requests.get(offer.request_id)
        slot = uow.slots.get(offer.slot_id)
        if not cmd.accept:
            offer.respond(OfferResponse.DECLINED, cmd.by, now)
            uow.offers.save(offer)
            uow.slots.release(slot.id)
            uow.commit()
            return offer
        if slot.status is not SlotStatus.HELD:
            raise SlotUnavailable(f"slot {slot.id} is no longer held for offer {offer.id}")
        decision = book_slot(
            request, slot, cmd.by, {"offer": offer.id}, uow, now, policy, held=True, offer=offer
        )
        uow.commit()
    return decision


def expire_offers(uow: UnitOfWork, clock: Clock, hold_for: timedelta = DEFAULT_OFFER_HOLD) -> int:
    """Mark unanswered offers older than `hold_for` expired and free their slots."""
    now = clock.now()
    expired = 0
    with uow:
        for offer in uow.offers.where(response=OfferResponse.PENDING):
            if offer.offered_at + hold_for <= now:
                offer.respond(OfferResponse.EXPIRED, "system", now)
                uow.offers.save(offer)
                uow.slots.release(offer.slot_id)
                expired += 1
        uow.commit()
    return expired
