"""How each request counts against the timely-access standard.

What is measured is the offer: the wait runs from the clock start to the earliest
appointment offered (28 CCR §1300.67.2.2(c)(5)). A timely offer the member declines is
compliant; so is a member-initiated cancellation. A clinic-initiated cancellation is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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


class Outcome(StrEnum):
    WITHIN_STANDARD = "within-standard"
    EXCEPTION_DOCUMENTED = "exception-documented"
    MEMBER_DECLINED = "member-declined-timely-offer"
    MEMBER_CANCELLED = "member-cancelled"
    CLINIC_CANCELLED = "clinic-cancelled"
    LATE = "late"
    REFERRED = "referred-out-of-network"
    PENDING = "pending"


COMPLIANT = frozenset(
    {
        Outcome.WITHIN_STANDARD,
        Outcome.EXCEPTION_DOCUMENTED,
        Outcome.MEMBER_DECLINED,
        Outcome.MEMBER_CANCELLED,
    }
)


@dataclass(frozen=True, slots=True)
class RequestEvidence:
    """Everything recorded about one request, enough to classify it."""

    request: CareRequest
    offers: Sequence[Offer]
    appointments: Sequence[Appointment]
    referral: Referral | None
    exception: ClinicalException | None


def first_offer(offers: Sequence[Offer]) -> Offer | None:
    """The offer that measures the wait: the earliest appointment time offered.

    The law times the wait to the earliest appointment *offered*, so a timely offer made
    after a late one still counts; between equal times the earlier offer is the evidence.
    """
    return min(offers, key=lambda o: (o.slot_start, o.offered_at, o.id)) if offers else None


def classify(evidence: RequestEvidence, now: datetime) -> Outcome:
    """Classify one request; `now` decides whether an unanswered request is late yet."""
    request = evidence.request
    if any(
        a.status is AppointmentStatus.CANCELLED and a.cancelled_by is CancelledBy.CLINIC
        for a in evidence.appointments
    ):
        return Outcome.CLINIC_CANCELLED
    offer = first_offer(evidence.offers)
    if offer is not None and offer.slot_start <= request.effective_deadline:
        return _timely_outcome(evidence, offer)
    if evidence.referral is not None:
        return Outcome.REFERRED
    if offer is None and now <= request.effective_deadline:
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
