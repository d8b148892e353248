"""Rules 2-6 of docs/adr/0013-evidence-a-regulator-accepts.md, read from the law's text.

Offers are recorded events; one definition of a violation; the follow-up chain; the
member's own choice; out-of-network referrals under SB 855. Classification tests build the
records by hand (domain only); service tests drive the small region of unit_support.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from parity.domain.care import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    CareRequest,
    Channel,
    Offer,
    OfferResponse,
    Referral,
)
from parity.domain.compliance import Outcome, RequestEvidence, classify
from parity.domain.errors import DeadlineUnreachable, InvalidInput, SlotMismatch
from parity.domain.metrics import EvidenceRow, Metric
from parity.domain.standards import RuleSet, VisitType
from parity.domain.users import Principal, Role
from parity.domain.workforce import Modality, ProviderClass
from parity.services.booking import BookRequest, book_request
from parity.services.courses import clock_start_after
from parity.services.offers import AnswerOffer, MakeOffer, answer_offer, make_offer
from parity.services.requests import (
    PreferLater,
    RequestCare,
    WithdrawRequest,
    open_request,
    prefer_later_date,
    withdraw_request,
)
from parity.services.visits import CancelAppointment, cancel_appointment

LA = ZoneInfo("America/Los_Angeles")
# Monday 2026-06-01 09:00 PDT; 10 business days end Monday 2026-06-15 23:59:59 PDT.
REQUESTED = datetime(2026, 6, 1, 9, tzinfo=LA)
DEADLINE = datetime(2026, 6, 15, 23, 59, 59, tzinfo=LA)
TIMELY = datetime(2026, 6, 10, 9, tzinfo=LA)
AFTER = DEADLINE + timedelta(days=2)


def care(**extra: object) -> CareRequest:
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
        id=1,
        **extra,  # type: ignore[arg-type]
    )


def offered(
    start: datetime,
    response: OfferResponse,
    at: datetime = REQUESTED,
    offer_id: int = 1,
    slot_id: int | None = None,
) -> Offer:
    return Offer(
        1,
        slot_id or offer_id,
        "ana",
        start,
        at,
        start <= DEADLINE,
        response,
        channel=Channel.PHONE,
        offered_by="sam",
        id=offer_id,
    )


def visit(start: datetime, slot_id: int = 1, appointment_id: int = 1) -> Appointment:
    return Appointment(
        1,
        "m1",
        "ana",
        "north",
        slot_id,
        start,
        start + timedelta(minutes=50),
        VisitType.INITIAL,
        Modality.VIDEO,
        REQUESTED,
        id=appointment_id,
    )


def evidence(
    request: CareRequest | None = None,
    offers: tuple[Offer, ...] = (),
    appointments: tuple[Appointment, ...] = (),
    referral: Referral | None = None,
    delivered: frozenset[int] = frozenset(),
) -> RequestEvidence:
    return RequestEvidence(request or care(), offers, appointments, referral, None, delivered)


# -- rule 2: offers are recorded events ----------------------------------------------------


def test_an_expired_unanswered_offer_counts_only_if_its_message_was_delivered() -> None:
    unanswered = offered(TIMELY, OfferResponse.EXPIRED)
    assert classify(evidence(offers=(unanswered,)), AFTER) is Outcome.LATE
    delivered = evidence(offers=(unanswered,), delivered=frozenset({unanswered.id}))
    assert classify(delivered, AFTER) is Outcome.WITHIN_STANDARD


def test_a_referral_after_an_expired_offer_counts_as_a_referral() -> None:
    unanswered = offered(TIMELY, OfferResponse.EXPIRED)
    referral = Referral(1, "m1", REQUESTED + timedelta(days=3), DEADLINE, "no-capacity")
    found = evidence(offers=(unanswered,), referral=referral, delivered=frozenset({1}))
    assert classify(found, AFTER) is Outcome.REFERRED


def _offer(region, request: CareRequest, hour: int) -> Offer:
    start = datetime(2026, 6, 3, hour, tzinfo=LA)
    slot = region.uow.slots.for_clinician("ana", start, start + timedelta(minutes=1))[0]
    cmd = MakeOffer(request.id, slot.id, "sam", Channel.PHONE)
    return make_offer(cmd, region.uow, region.clock, region.policy)


# Member m1, signed in: who records their own later date or withdrawal.
M1 = Principal("m1-login", Role.MEMBER, "m1")


def _ask(region, member: str = "m1") -> CareRequest:
    cmd = RequestCare(
        member,
        VisitType.INITIAL,
        ProviderClass.THERAPIST,
        "english",
        (Modality.IN_PERSON,),
        "north",
    )
    return open_request(cmd, region.uow, region.clock, region.policy)


def test_an_offer_keeps_its_channel_who_made_it_and_the_server_time(region) -> None:
    made = _offer(region, _ask(region), 9)
    assert (made.channel, made.offered_by, made.offered_at) == (
        Channel.PHONE,
        "sam",
        region.clock.now(),
    )


def test_a_refusal_recorded_by_staff_needs_a_contact_note(region) -> None:
    made = _offer(region, _ask(region), 9)
    refuse = AnswerOffer(
        made.id, False, Principal("sam", Role.SCHEDULER, clinic_ids=("north",)), Channel.PHONE, ""
    )
    with pytest.raises(InvalidInput, match="contact note"):
        answer_offer(refuse, region.uow, region.clock, region.policy)
    assert region.uow.offers.get(made.id).response is OfferResponse.PENDING
    noted = AnswerOffer(
        made.id,
        False,
        Principal("sam", Role.SCHEDULER, clinic_ids=("north",)),
        Channel.PHONE,
        "called 10:05, prefers Fridays",
    )
    answer_offer(noted, region.uow, region.clock, region.policy)
    kept = region.uow.offers.get(made.id)
    assert (kept.response, kept.responded_by, kept.response_channel, kept.response_note) == (
        OfferResponse.DECLINED,
        "sam",
        Channel.PHONE,
        "called 10:05, prefers Fridays",
    )


def test_a_member_answering_for_themselves_needs_no_contact_note(region) -> None:
    made = _offer(region, _ask(region), 9)
    answer_offer(AnswerOffer(made.id, False, M1), region.uow, region.clock, region.policy)
    kept = region.uow.offers.get(made.id)
    assert (kept.responded_by, kept.response_channel) == ("m1-login", Channel.PORTAL)


def test_a_member_booking_in_the_portal_records_their_own_acceptance(region) -> None:
    request = _ask(region)
    cmd = BookRequest(request.id, None, "m1-login", Channel.PORTAL)
    book_request(cmd, region.uow, region.clock, region.policy)
    (offer,) = region.uow.offers.where(request_id=request.id)
    assert (offer.response, offer.responded_by, offer.channel, offer.response_channel) == (
        OfferResponse.ACCEPTED,
        "m1-login",
        Channel.PORTAL,
        Channel.PORTAL,
    )


# -- rule 3: one definition of a violation ---------------------------------------------------


def _clinic_cancelled(start: datetime, at: datetime) -> Appointment:
    cancelled = visit(start)
    cancelled.cancel(CancelledBy.CLINIC, at, "clinician ill")
    return cancelled


def test_a_clinic_cancellation_reoffered_promptly_in_time_is_not_a_violation(
    rules: RuleSet,
) -> None:
    cancelled_at = datetime(2026, 6, 8, 10, tzinfo=LA)  # Monday
    first = offered(TIMELY, OfferResponse.ACCEPTED, slot_id=1)
    again = offered(
        datetime(2026, 6, 12, 9, tzinfo=LA), OfferResponse.ACCEPTED, cancelled_at, 2, slot_id=2
    )
    found = evidence(offers=(first, again), appointments=(_clinic_cancelled(TIMELY, cancelled_at),))
    assert classify(found, AFTER, rules.reoffer_by) is Outcome.WITHIN_STANDARD


def test_promptness_is_judged_by_when_the_new_offer_was_made(rules: RuleSet) -> None:
    # One business day (the rule file) after Monday 06-08 ends Tuesday 06-09 23:59:59; the
    # new offer came on Thursday 06-11, for a visit still before the deadline: not prompt.
    cancelled_at = datetime(2026, 6, 8, 10, tzinfo=LA)
    first = offered(TIMELY, OfferResponse.ACCEPTED, slot_id=1)
    slow = offered(
        datetime(2026, 6, 12, 9, tzinfo=LA),
        OfferResponse.ACCEPTED,
        datetime(2026, 6, 11, 10, tzinfo=LA),
        2,
        slot_id=2,
    )
    found = evidence(offers=(first, slow), appointments=(_clinic_cancelled(TIMELY, cancelled_at),))
    assert rules.prompt_reschedule_business_days == 1
    assert classify(found, AFTER, rules.reoffer_by) is Outcome.CLINIC_CANCELLED


def test_a_prompt_reoffer_of_late_care_is_still_a_violation(rules: RuleSet) -> None:
    cancelled_at = datetime(2026, 6, 8, 10, tzinfo=LA)
    first = offered(TIMELY, OfferResponse.ACCEPTED, slot_id=1)
    late = offered(AFTER, OfferResponse.ACCEPTED, cancelled_at, 2, slot_id=2)
    found = evidence(offers=(first, late), appointments=(_clinic_cancelled(TIMELY, cancelled_at),))
    assert classify(found, AFTER + timedelta(days=1), rules.reoffer_by) is Outcome.CLINIC_CANCELLED


def _row(outcome: Outcome, **extra: object) -> EvidenceRow:
    at = REQUESTED.astimezone(UTC)
    return EvidenceRow(
        1,
        "m1",
        "initial-therapy",
        "north",
        "therapist",
        at,
        at,
        DEADLINE,
        outcome,
        date(2026, 6, 1),
        "2026-06",
        **extra,  # type: ignore[arg-type]
    )


def test_penalty_exposure_counts_violations_of_the_law_only() -> None:
    metric = Metric(("all",))
    metric.add(_row(Outcome.LATE, cause="no-offer-made", penalty_usd=25_000))
    metric.add(_row(Outcome.REFERRED, referral_in_time=True, referred_wait_business_days=6))
    # A plan-policy miss is no violation: whatever price a row carried, none is counted.
    metric.add(_row(Outcome.LATE, plan_policy=True, penalty_usd=25_000))
    metric.add(_row(Outcome.WITHDRAWN))
    summary = metric.summary()
    assert summary["violations"] == 1
    assert summary["plan_policy_misses"] == 1
    assert summary["penalty_exposure_usd"] == 25_000
    assert summary["decided"] == 3


def test_waits_of_referred_requests_are_reported_apart_not_dropped() -> None:
    metric = Metric(("all",))
    metric.add(_row(Outcome.WITHIN_STANDARD, wait_business_days=2))
    metric.add(_row(Outcome.REFERRED, referral_in_time=False, referred_wait_business_days=14))
    metric.add(_row(Outcome.REFERRED, referral_in_time=None))
    summary = metric.summary()
    assert summary["mean_wait_business_days"] == 2
    assert summary["mean_wait_referred_business_days"] == 14
    assert (
        summary["referrals_arranged_in_time"],
        summary["referrals_arranged_late"],
        summary["referrals_appointment_unknown"],
    ) == (0, 1, 1)


# -- rule 4: the follow-up chain -------------------------------------------------------------


def test_after_a_no_show_the_clock_starts_at_the_missed_visit() -> None:
    missed = visit(TIMELY)
    missed.close(AppointmentStatus.NOSHOW)
    assert clock_start_after(missed) == TIMELY


def test_after_a_member_cancellation_the_clock_starts_when_the_member_cancelled() -> None:
    cancelled = visit(TIMELY)
    when = datetime(2026, 6, 5, 15, tzinfo=LA)
    cancelled.cancel(CancelledBy.MEMBER, when, "member rescheduled")
    assert clock_start_after(cancelled) == when


def test_a_clinic_cancelled_visit_is_not_followed_up() -> None:
    cancelled = visit(TIMELY)
    cancelled.cancel(CancelledBy.CLINIC, REQUESTED, "clinician ill")
    with pytest.raises(InvalidInput):
        clock_start_after(cancelled)


def test_no_follow_up_is_booked_before_the_visit_it_follows(region) -> None:
    prior = datetime(2026, 6, 10, 9, tzinfo=LA)
    cmd = RequestCare(
        "m1",
        VisitType.FOLLOW_UP,
        ProviderClass.THERAPIST,
        "english",
        (Modality.IN_PERSON,),
        "north",
        prior_appointment_start=prior,
    )
    follow_up = open_request(cmd, region.uow, region.clock, region.policy)
    assert follow_up.not_before >= prior
    early = region.uow.slots.for_clinician(
        "ana", datetime(2026, 6, 9, 9, tzinfo=LA), datetime(2026, 6, 9, 9, 1, tzinfo=LA)
    )[0]
    with pytest.raises(SlotMismatch, match="before"):
        book_request(BookRequest(follow_up.id, early.id), region.uow, region.clock, region.policy)


def test_a_rescheduled_prior_visit_moves_the_follow_ups_clock(region) -> None:
    first = _ask(region)
    booked = book_request(BookRequest(first.id), region.uow, region.clock, region.policy)
    old = region.uow.appointments.get(booked.appointment_id)
    cmd = RequestCare(
        "m1",
        VisitType.FOLLOW_UP,
        ProviderClass.THERAPIST,
        "english",
        (Modality.IN_PERSON,),
        "north",
        prior_appointment_start=old.start,
        prior_appointment_id=old.id,
    )
    follow_up = open_request(cmd, region.uow, region.clock, region.policy)
    cancel = CancelAppointment(old.id, CancelledBy.CLINIC, "clinician ill")
    cancel_appointment(cancel, region.uow, region.clock)
    again = book_request(BookRequest(first.id), region.uow, region.clock, region.policy)
    new = region.uow.appointments.get(again.appointment_id)
    moved = region.uow.requests.get(follow_up.id)
    assert (moved.prior_appointment_id, moved.clock_start) == (new.id, new.start)
    assert moved.deadline == region.policy.rules.deadline(
        region.policy.rules.standard(moved.standard), new.start
    )


# -- rule 5: the member's choice -------------------------------------------------------------


def test_a_members_own_later_date_is_kept_as_evidence_and_booked_from(region) -> None:
    """Booked from the member's date; with no timely time offered before it, the later
    date launders nothing: the request is late (ADR 0013, 2026-12-07 evening)."""
    request = _ask(region)
    later = datetime.combine(date(2026, 6, 16), time(0), tzinfo=LA)
    prefer_later_date(PreferLater(request.id, later, M1), region.uow, region.clock)
    kept = region.uow.requests.get(request.id)
    assert (kept.preference_recorded_by, kept.preference_recorded_at) == (
        "m1-login",
        region.clock.now(),
    )
    decision = book_request(BookRequest(request.id), region.uow, region.clock, region.policy)
    assert decision.action == "booked"
    assert decision.starts_at is not None
    assert decision.starts_at >= later > kept.deadline
    records = RequestEvidence(kept, [], [], None, None)
    assert classify(records, kept.deadline + timedelta(days=30)) is Outcome.LATE


def test_a_member_who_chose_a_later_date_is_never_referred_for_no_capacity(region) -> None:
    request = _ask(region)
    far = datetime(2026, 9, 1, tzinfo=LA)  # past the laid weeks: no time yet
    prefer_later_date(PreferLater(request.id, far, M1), region.uow, region.clock)
    with pytest.raises(DeadlineUnreachable):
        book_request(BookRequest(request.id), region.uow, region.clock, region.policy)
    assert region.uow.referrals.list() == []


def test_a_withdrawn_open_request_is_not_a_violation(region) -> None:
    request = _ask(region)
    withdraw_request(WithdrawRequest(request.id, M1), region.uow, region.clock)
    kept = region.uow.requests.get(request.id)
    assert (kept.withdrawn_by, kept.withdrawn_at) == ("m1-login", region.clock.now())
    records = RequestEvidence(kept, [], [], None, None)
    assert classify(records, kept.deadline + timedelta(days=1)) is Outcome.WITHDRAWN


# -- rule 6: SB 855 referrals ----------------------------------------------------------------


def test_a_referral_says_whether_the_outside_appointment_met_the_standard() -> None:
    referral = Referral(1, "m1", REQUESTED, DEADLINE, "no-capacity")
    assert referral.arranged_in_time is None
    referral.appointment_at = DEADLINE - timedelta(hours=1)
    assert referral.arranged_in_time is True
    referral.appointment_at = DEADLINE + timedelta(seconds=1)
    assert referral.arranged_in_time is False
    assert referral.in_network_cost_sharing is True


def test_the_same_time_offered_again_after_a_clinic_cancellation_is_a_new_offer(
    rules: RuleSet,
) -> None:
    booked_at = REQUESTED
    cancelled_at = datetime(2026, 6, 8, 10, tzinfo=LA)
    first = offered(TIMELY, OfferResponse.ACCEPTED, booked_at, 1, slot_id=7)
    again = offered(TIMELY, OfferResponse.ACCEPTED, cancelled_at, 2, slot_id=7)
    cancelled = visit(TIMELY, slot_id=7)
    cancelled.cancel(CancelledBy.CLINIC, cancelled_at, "room flooded")
    found = evidence(offers=(first, again), appointments=(cancelled,))
    assert classify(found, AFTER, rules.reoffer_by) is Outcome.WITHIN_STANDARD
    alone = evidence(offers=(first,), appointments=(cancelled,))
    assert classify(alone, AFTER, rules.reoffer_by) is Outcome.CLINIC_CANCELLED
