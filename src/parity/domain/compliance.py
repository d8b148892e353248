"""How each request counts against the timely-access standard: one definition of a
violation, from the law (docs/adr/0013-evidence-a-regulator-accepts.md).

What is measured is the offer: the wait runs from the clock start to the earliest
appointment offered (28 CCR §1300.67.2.2(c)(5)). A request is late when no timely offer was
made. Timely: an offer accepted, declined or still open; one that expired unanswered only
if its message was delivered; an in-time documented clinical exception; the member's own
later date; a withdrawal before the deadline is not counted at all. A clinic cancellation
is a violation only when no new timely appointment was offered promptly (promptness judged
by when the new offer was made), or the rebooked care is late.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from parity.domain.care import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    CareRequest,
    ClinicalException,
    Offer,
    OfferResponse,
    Referral,
)
from parity.domain.records import quick_init


class Outcome(StrEnum):
    WITHIN_STANDARD = "within-standard"
    EXCEPTION_DOCUMENTED = "exception-documented"
    MEMBER_DECLINED = "member-declined-timely-offer"
    MEMBER_CANCELLED = "member-cancelled"
    MEMBER_PREFERENCE = "member-chose-later-date"
    WITHDRAWN = "withdrawn-by-member"
    CLINIC_CANCELLED = "clinic-cancelled-not-reoffered-promptly"
    LATE = "late"
    REFERRED = "referred-out-of-network"
    PENDING = "pending"


COMPLIANT = frozenset(
    {
        Outcome.WITHIN_STANDARD,
        Outcome.EXCEPTION_DOCUMENTED,
        Outcome.MEMBER_DECLINED,
        Outcome.MEMBER_CANCELLED,
        Outcome.MEMBER_PREFERENCE,
    }
)
# Not decided: still running, or the member withdrew before anything was due.
UNDECIDED = frozenset({Outcome.PENDING, Outcome.WITHDRAWN})
VIOLATIONS = frozenset({Outcome.LATE, Outcome.CLINIC_CANCELLED})

# Given a clinic cancellation's instant, the last instant a new offer is still "prompt".
Promptness = Callable[[datetime], datetime]


@quick_init  # one per request a long run folds (ADR 0014, sixth pass)
@dataclass(frozen=True, slots=True)
class RequestEvidence:
    """Everything recorded about one request, enough to classify it. `delivered_offers`
    are the offers whose message the outbox delivered."""

    request: CareRequest
    offers: Sequence[Offer]
    appointments: Sequence[Appointment]
    referral: Referral | None
    exception: ClinicalException | None
    delivered_offers: Collection[int] = field(default_factory=frozenset)


def counts_as_offered(offer: Offer, delivered: Collection[int]) -> bool:
    """An offer counts as made when it was answered or is still open; one that expired
    unanswered counts only if its message reached the member."""
    if offer.response is OfferResponse.EXPIRED:
        return offer.id in delivered
    return True


def first_offer(offers: Sequence[Offer]) -> Offer | None:
    """The offer that measures the wait: the earliest appointment time offered.

    The law times the wait to the earliest appointment *offered*, so a timely offer made
    after a late one still counts; between equal times the earlier offer is the evidence.
    """
    return min(offers, key=lambda o: (o.slot_start, o.offered_at, o.id)) if offers else None


def counted_offers(evidence: RequestEvidence) -> list[Offer]:
    """The offers that count as made, never one for a time before the clock started."""
    start = evidence.request.clock_start
    return [
        o
        for o in evidence.offers
        if counts_as_offered(o, evidence.delivered_offers) and o.slot_start >= start
    ]


def classify(evidence: RequestEvidence, now: datetime, prompt: Promptness | None = None) -> Outcome:
    """Classify one request as of `now`. `prompt` gives, for a clinic cancellation, the
    last instant a new offer is prompt (the rule file's plan policy); without it only the
    new offer's timeliness is judged."""
    cancelled = _clinic_cancelled(evidence.appointments)
    if cancelled:
        return _after_clinic_cancellation(evidence, cancelled, now, prompt)
    return _by_offers(evidence, counted_offers(evidence), now)


def _clinic_cancelled(appointments: Sequence[Appointment]) -> list[Appointment]:
    return sorted(
        (
            a
            for a in appointments
            if a.status is AppointmentStatus.CANCELLED
            and a.cancelled_by is CancelledBy.CLINIC
            and a.cancelled_at is not None
        ),
        key=lambda a: (a.cancelled_at, a.id),
    )


def _after_clinic_cancellation(
    evidence: RequestEvidence,
    cancelled: Sequence[Appointment],
    now: datetime,
    prompt: Promptness | None,
) -> Outcome:
    """Judge the request by what was offered after the clinic last cancelled: a new timely
    offer made promptly keeps it compliant; otherwise it is a violation once the prompt
    window (or the deadline) has passed, unless it was referred out of network."""
    cancelled_at = cancelled[-1].cancelled_at or cancelled[-1].booked_at
    by = prompt(cancelled_at) if prompt is not None else evidence.request.effective_deadline
    later = [
        o
        for o in counted_offers(evidence)
        if cancelled_at <= o.offered_at <= by and not _booked_into(o, cancelled)
    ]
    deadline = evidence.request.effective_deadline
    if any(o.slot_start <= deadline for o in later):
        return _by_offers(evidence, later, now)
    if evidence.referral is not None:
        return Outcome.REFERRED
    if now <= min(by, deadline):
        return Outcome.PENDING
    return Outcome.CLINIC_CANCELLED


def _booked_into(offer: Offer, cancelled: Sequence[Appointment]) -> bool:
    """The offer that made a visit the clinic later cancelled (made no later than that
    visit was booked): not a new offer, even for the same slot at the same instant."""
    return any(offer.slot_id == a.slot_id and offer.offered_at <= a.booked_at for a in cancelled)


def _by_offers(evidence: RequestEvidence, offers: Sequence[Offer], now: datetime) -> Outcome:
    request = evidence.request
    deadline = request.effective_deadline
    timely = [o for o in offers if o.slot_start <= deadline]
    answered = [o for o in timely if o.response is not OfferResponse.EXPIRED]
    if answered:
        return _timely_outcome(evidence, first_offer(answered) or answered[0])
    if evidence.referral is not None:
        return Outcome.REFERRED  # a later referral on the same request counts as a referral
    if timely:
        return Outcome.WITHIN_STANDARD  # offered, message delivered, not answered
    return _without_timely_offer(request, offers, now)


def _without_timely_offer(request: CareRequest, offers: Sequence[Offer], now: datetime) -> Outcome:
    deadline = request.effective_deadline
    chosen = request.preference_recorded_at
    if request.member_preferred_from is not None and chosen is not None and chosen <= deadline:
        return Outcome.MEMBER_PREFERENCE
    if request.withdrawn_at is not None and request.withdrawn_at <= deadline:
        return Outcome.WITHDRAWN
    if not offers and now <= deadline:
        return Outcome.PENDING
    return Outcome.LATE


def _timely_outcome(evidence: RequestEvidence, offer: Offer) -> Outcome:
    if offer.slot_start > evidence.request.deadline:
        return Outcome.EXCEPTION_DOCUMENTED
    if offer.response is OfferResponse.DECLINED:
        return Outcome.MEMBER_DECLINED
    if any(a.cancelled_by is CancelledBy.MEMBER for a in evidence.appointments):
        return Outcome.MEMBER_CANCELLED
    return Outcome.WITHIN_STANDARD
