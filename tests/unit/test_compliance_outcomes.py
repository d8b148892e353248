"""How each request counts against its standard: what is measured is the first offer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

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
from parity.domain.compliance import COMPLIANT, Outcome, RequestEvidence, classify, first_offer
from parity.domain.errors import InvalidTransition
from parity.domain.standards import VisitType
from parity.domain.workforce import Modality, ProviderClass

REQUESTED = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 6, 13, 6, 59, 59, tzinfo=UTC)  # Fri 06-12 23:59:59 PDT
EXTENDED = DEADLINE + timedelta(days=7)
TIMELY = DEADLINE - timedelta(days=2)
LATE = DEADLINE + timedelta(days=3)
BEFORE_DEADLINE = DEADLINE - timedelta(days=5)
AFTER_DEADLINE = DEADLINE + timedelta(days=1)


def request(extended: datetime | None = None) -> CareRequest:
    return CareRequest(
        "m1",
        VisitType.INITIAL,
        ProviderClass.THERAPIST,
        "english",
        (Modality.VIDEO,),
        "north",
        REQUESTED,
        "initial-therapy",
        REQUESTED,
        DEADLINE,
        REQUESTED,
        extended_deadline=extended,
        id=1,
    )


def offer(
    slot_start: datetime,
    response: OfferResponse = OfferResponse.ACCEPTED,
    offered_at: datetime = REQUESTED,
    offer_id: int = 1,
) -> Offer:
    return Offer(
        1, offer_id, "ana", slot_start, offered_at, slot_start <= DEADLINE, response, id=offer_id
    )


def appointment(start: datetime, cancelled_by: CancelledBy | None = None) -> Appointment:
    visit = Appointment(
        1,
        "m1",
        "ana",
        "north",
        1,
        start,
        start + timedelta(minutes=50),
        VisitType.INITIAL,
        Modality.VIDEO,
        REQUESTED,
        id=1,
    )
    if cancelled_by is not None:
        visit.cancel(cancelled_by, REQUESTED + timedelta(days=1), "changed plans")
    return visit


def evidence(
    care: CareRequest | None = None,
    offers: tuple[Offer, ...] = (),
    appointments: tuple[Appointment, ...] = (),
    referral: Referral | None = None,
    exception: ClinicalException | None = None,
) -> RequestEvidence:
    return RequestEvidence(care or request(), offers, appointments, referral, exception)


def referral() -> Referral:
    return Referral(1, "m1", REQUESTED, DEADLINE, "no timely in-network capacity", id=1)


def test_a_timely_booked_offer_is_within_standard() -> None:
    found = classify(
        evidence(offers=(offer(TIMELY),), appointments=(appointment(TIMELY),)), AFTER_DEADLINE
    )
    assert found is Outcome.WITHIN_STANDARD


def test_an_offer_exactly_at_the_deadline_is_within_standard() -> None:
    found = classify(evidence(offers=(offer(DEADLINE),)), AFTER_DEADLINE)
    assert found is Outcome.WITHIN_STANDARD


def test_an_offer_a_second_after_the_deadline_is_late() -> None:
    found = classify(evidence(offers=(offer(DEADLINE + timedelta(seconds=1)),)), AFTER_DEADLINE)
    assert found is Outcome.LATE


# A treating clinician's determination, documented in time (the record the extension rests on).
IN_TIME_EXCEPTION = ClinicalException(
    1, "ruiz", REQUESTED, "no harm from waiting", EXTENDED, "therapist", "ruiz"
)


def test_a_late_visit_allowed_by_a_documented_exception_is_compliant() -> None:
    care = request(extended=EXTENDED)
    exception = IN_TIME_EXCEPTION
    found = classify(
        evidence(
            care, offers=(offer(LATE),), appointments=(appointment(LATE),), exception=exception
        ),
        AFTER_DEADLINE,
    )
    assert found is Outcome.EXCEPTION_DOCUMENTED


def test_a_visit_after_even_the_extended_deadline_is_late() -> None:
    care = request(extended=DEADLINE + timedelta(days=1))
    found = classify(evidence(care, offers=(offer(LATE),)), LATE)
    assert found is Outcome.LATE


def test_a_timely_offer_the_member_declined_is_compliant() -> None:
    declined = offer(TIMELY, OfferResponse.DECLINED)
    later = offer(LATE, offered_at=REQUESTED + timedelta(hours=1), offer_id=2)
    found = classify(evidence(offers=(declined, later), appointments=(appointment(LATE),)), LATE)
    assert found is Outcome.MEMBER_DECLINED


def test_a_member_cancelled_visit_is_compliant() -> None:
    found = classify(
        evidence(offers=(offer(TIMELY),), appointments=(appointment(TIMELY, CancelledBy.MEMBER),)),
        AFTER_DEADLINE,
    )
    assert found is Outcome.MEMBER_CANCELLED


def test_a_clinic_cancelled_visit_never_offered_again_is_a_violation_after_the_deadline() -> None:
    found = classify(
        evidence(offers=(offer(TIMELY),), appointments=(appointment(TIMELY, CancelledBy.CLINIC),)),
        AFTER_DEADLINE,
    )
    assert found is Outcome.CLINIC_CANCELLED


def test_a_late_first_offer_is_late() -> None:
    found = classify(evidence(offers=(offer(LATE),), appointments=(appointment(LATE),)), LATE)
    assert found is Outcome.LATE


def test_a_request_referred_out_of_network_counts_as_referred() -> None:
    found = classify(evidence(referral=referral()), AFTER_DEADLINE)
    assert found is Outcome.REFERRED


def test_a_request_with_no_offer_yet_is_pending_until_its_deadline() -> None:
    assert classify(evidence(), BEFORE_DEADLINE) is Outcome.PENDING
    assert classify(evidence(), DEADLINE) is Outcome.PENDING


def test_a_request_with_no_offer_after_its_deadline_is_late() -> None:
    assert classify(evidence(), AFTER_DEADLINE) is Outcome.LATE


def test_a_documented_exception_keeps_an_unanswered_request_pending() -> None:
    care = request(extended=EXTENDED)
    documented = evidence(care, exception=IN_TIME_EXCEPTION)
    assert classify(documented, AFTER_DEADLINE) is Outcome.PENDING
    assert classify(documented, EXTENDED + timedelta(seconds=1)) is Outcome.LATE


def test_the_earliest_appointment_offered_is_the_one_measured() -> None:
    # The member was first offered a late slot; a timely one came a day later, before the
    # deadline. The wait runs to the earliest appointment offered, so the request was timely.
    late_first = offer(LATE, offered_at=REQUESTED, offer_id=1)
    timely_later = offer(TIMELY, offered_at=REQUESTED + timedelta(days=1), offer_id=2)
    assert first_offer([late_first, timely_later]) is timely_later
    assert classify(evidence(offers=(late_first, timely_later)), LATE) is Outcome.WITHIN_STANDARD


def test_first_offer_of_no_offers_is_none() -> None:
    assert first_offer([]) is None


def test_offers_of_the_same_time_are_ordered_by_when_they_were_made_then_id() -> None:
    a = offer(TIMELY, offered_at=REQUESTED + timedelta(hours=1), offer_id=1)
    b = offer(TIMELY, offered_at=REQUESTED, offer_id=3)
    c = offer(TIMELY, offered_at=REQUESTED, offer_id=2)
    assert first_offer([a, b, c]) is c


@pytest.mark.parametrize(
    ("outcome", "compliant"),
    [
        (Outcome.WITHIN_STANDARD, True),
        (Outcome.EXCEPTION_DOCUMENTED, True),
        (Outcome.MEMBER_DECLINED, True),
        (Outcome.MEMBER_CANCELLED, True),
        (Outcome.CLINIC_CANCELLED, False),
        (Outcome.LATE, False),
    ],
)
def test_declines_member_cancellations_and_exceptions_are_compliant_but_clinic_ones_are_not(
    outcome: Outcome, compliant: bool
) -> None:
    assert (outcome in COMPLIANT) is compliant


def test_a_cancelled_appointment_cannot_be_cancelled_again() -> None:
    visit = appointment(TIMELY, CancelledBy.MEMBER)
    assert visit.status is AppointmentStatus.CANCELLED
    with pytest.raises(InvalidTransition):
        visit.cancel(CancelledBy.CLINIC, TIMELY, "again")


def test_an_offer_can_be_answered_only_once() -> None:
    pending = offer(TIMELY, OfferResponse.PENDING)
    pending.respond(OfferResponse.DECLINED, "member", REQUESTED)
    assert pending.responded_by == "member"
    with pytest.raises(InvalidTransition):
        pending.respond(OfferResponse.ACCEPTED, "member", REQUESTED)
