"""Offers are evidence and holds are time-limited: the `$hold`/`$book` flow and declined offers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from unit_support import LOS_ANGELES, Region

from parity.domain.care import (
    AppointmentStatus,
    CancelledBy,
    CareRequest,
    Channel,
    Offer,
    OfferResponse,
)
from parity.domain.compliance import Outcome, RequestEvidence, classify
from parity.domain.errors import InvalidTransition, SlotUnavailable
from parity.domain.holds import HoldStatus
from parity.domain.schedule import BlockKind, Slot, SlotStatus
from parity.domain.standards import VisitType
from parity.domain.users import Principal, Role
from parity.domain.workforce import Modality, ProviderClass
from parity.services.holds import BookHold, HoldSlot, book_hold, expire_holds, hold_slot
from parity.services.offers import AnswerOffer, MakeOffer, answer_offer, expire_offers, make_offer
from parity.services.requests import RequestCare, open_request

M1 = Principal("member m1", Role.MEMBER, "m1")


def _initial_request(region: Region, member: str = "m1") -> CareRequest:
    cmd = RequestCare(
        member,
        VisitType.INITIAL,
        ProviderClass.THERAPIST,
        "english",
        (Modality.IN_PERSON,),
        "north",
    )
    return open_request(cmd, region.uow, region.clock, region.policy)


def _ana_intake(region: Region, hour: int) -> Slot:
    start = datetime(2026, 6, 3, hour, tzinfo=LOS_ANGELES)
    slots = region.uow.slots.for_clinician("ana", start, start + timedelta(minutes=1))
    assert len(slots) == 1
    assert slots[0].kind is BlockKind.INTAKE
    return slots[0]


def _evidence(region: Region, request: CareRequest) -> RequestEvidence:
    uow = region.uow
    return RequestEvidence(
        request,
        uow.offers.where(request_id=request.id),
        uow.appointments.where(request_id=request.id),
        None,
        None,
    )


def test_an_offer_holds_its_slot_until_the_member_answers(region: Region) -> None:
    request = _initial_request(region)
    slot = _ana_intake(region, 9)
    offer = make_offer(
        MakeOffer(request.id, slot.id, "sam", Channel.PHONE),
        region.uow,
        region.clock,
        region.policy,
    )
    assert offer.response is OfferResponse.PENDING
    assert offer.timely
    assert region.uow.slots.get(slot.id).status is SlotStatus.HELD
    other = _initial_request(region, "m2")
    with pytest.raises(SlotUnavailable):
        make_offer(
            MakeOffer(other.id, slot.id, "sam", Channel.PHONE),
            region.uow,
            region.clock,
            region.policy,
        )


def test_a_declined_timely_offer_is_kept_as_evidence_and_counts_as_compliant(
    region: Region,
) -> None:
    request = _initial_request(region)
    slot = _ana_intake(region, 9)
    offer = make_offer(
        MakeOffer(request.id, slot.id, "sam", Channel.PHONE),
        region.uow,
        region.clock,
        region.policy,
    )
    region.clock.advance(timedelta(hours=1))
    answered = answer_offer(
        AnswerOffer(offer.id, False, M1), region.uow, region.clock, region.policy
    )
    assert isinstance(answered, Offer)
    assert answered.response is OfferResponse.DECLINED
    assert answered.responded_by == "member m1"
    assert answered.responded_at == region.clock.now()
    assert region.uow.slots.get(slot.id).status is SlotStatus.FREE
    outcome = classify(_evidence(region, request), request.deadline + timedelta(days=1))
    assert outcome is Outcome.MEMBER_DECLINED


def test_accepting_an_offer_books_it_without_a_second_offer_record(region: Region) -> None:
    request = _initial_request(region)
    slot = _ana_intake(region, 10)
    offer = make_offer(
        MakeOffer(request.id, slot.id, "sam", Channel.PHONE),
        region.uow,
        region.clock,
        region.policy,
    )
    decision = answer_offer(
        AnswerOffer(offer.id, True, M1), region.uow, region.clock, region.policy
    )
    assert not isinstance(decision, Offer)
    assert decision.action == "booked"
    assert decision.slot_id == slot.id
    offers = region.uow.offers.where(request_id=request.id)
    assert [o.response for o in offers] == [OfferResponse.ACCEPTED]
    assert region.uow.slots.get(slot.id).status is SlotStatus.BUSY
    with pytest.raises(InvalidTransition):
        answer_offer(AnswerOffer(offer.id, False, M1), region.uow, region.clock, region.policy)


def test_an_unanswered_offer_expires_and_frees_its_slot(region: Region) -> None:
    request = _initial_request(region)
    slot = _ana_intake(region, 11)
    offer = make_offer(
        MakeOffer(request.id, slot.id, "sam", Channel.PHONE),
        region.uow,
        region.clock,
        region.policy,
    )
    region.clock.advance(timedelta(hours=23))
    assert expire_offers(region.uow, region.clock) == 0
    region.clock.advance(timedelta(hours=2))
    assert expire_offers(region.uow, region.clock) == 1
    assert region.uow.offers.get(offer.id).response is OfferResponse.EXPIRED
    assert region.uow.slots.get(slot.id).status is SlotStatus.FREE


def test_a_live_hold_books_and_an_expired_one_does_not(region: Region) -> None:
    first, second = _initial_request(region), _initial_request(region, "m2")
    slot = _ana_intake(region, 9)
    hold = hold_slot(
        HoldSlot(first.id, slot.id, timedelta(minutes=10)), region.uow, region.clock, region.policy
    )
    region.clock.advance(timedelta(minutes=11))
    with pytest.raises(SlotUnavailable):
        book_hold(BookHold(hold.id), region.uow, region.clock, region.policy)
    with region.uow:
        assert expire_holds(region.uow, region.clock.now()) == 1
        region.uow.commit()
    assert region.uow.holds.get(hold.id).status is HoldStatus.EXPIRED
    again = hold_slot(HoldSlot(second.id, slot.id), region.uow, region.clock, region.policy)
    decision = book_hold(BookHold(again.id), region.uow, region.clock, region.policy)
    assert decision.slot_id == slot.id
    assert decision.appointment_id is not None


def test_a_reschedule_cancels_the_old_visit_as_the_members_choice_in_the_same_step(
    region: Region,
) -> None:
    request = _initial_request(region)
    first = hold_slot(
        HoldSlot(request.id, _ana_intake(region, 9).id), region.uow, region.clock, region.policy
    )
    booked = book_hold(BookHold(first.id), region.uow, region.clock, region.policy)
    assert booked.appointment_id is not None
    again = _initial_request(region)
    later = hold_slot(
        HoldSlot(again.id, _ana_intake(region, 11).id), region.uow, region.clock, region.policy
    )
    book_hold(
        BookHold(later.id, cancelled_appointment_id=booked.appointment_id),
        region.uow,
        region.clock,
        region.policy,
    )
    old = region.uow.appointments.get(booked.appointment_id)
    assert old.status is AppointmentStatus.CANCELLED
    assert old.cancelled_by is CancelledBy.MEMBER
    assert region.uow.slots.get(old.slot_id).status is SlotStatus.FREE


def test_a_failed_reschedule_leaves_the_old_visit_booked(region: Region) -> None:
    request = _initial_request(region)
    first = hold_slot(
        HoldSlot(request.id, _ana_intake(region, 9).id), region.uow, region.clock, region.policy
    )
    booked = book_hold(BookHold(first.id), region.uow, region.clock, region.policy)
    assert booked.appointment_id is not None
    again = _initial_request(region)
    later = hold_slot(
        HoldSlot(again.id, _ana_intake(region, 11).id), region.uow, region.clock, region.policy
    )
    region.clock.advance(timedelta(hours=1))  # the hold has expired: the rebooking fails
    with pytest.raises(SlotUnavailable):
        book_hold(
            BookHold(later.id, cancelled_appointment_id=booked.appointment_id),
            region.uow,
            region.clock,
            region.policy,
        )
    assert region.uow.appointments.get(booked.appointment_id).status is AppointmentStatus.BOOKED
