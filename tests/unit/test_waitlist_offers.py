"""Automatic offers from the waitlist: a freed slot goes to the request that needs it most;
accepted -> booked, declined or expired -> kept as evidence and the next candidate offered."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from unit_support import LOS_ANGELES, Region
from waitlist_support import HOLD, ask, book, full_region

from parity.domain.care import (
    AppointmentStatus,
    CancelledBy,
    CareRequest,
    Offer,
    OfferResponse,
    RequestStatus,
)
from parity.domain.compliance import COMPLIANT, Outcome, RequestEvidence, classify
from parity.domain.messages import MessageKind
from parity.domain.schedule import AvailabilityException, BlockKind, ExceptionKind, SlotStatus
from parity.domain.users import Principal, Role
from parity.domain.waitlist import WaitReason, WaitStatus
from parity.services.offers import AnswerOffer, OfferExpired, respond_to_offer
from parity.services.schedules import AddException, add_availability_exception
from parity.services.visits import CancelAppointment, cancel_appointment
from parity.services.waitlist import JoinWaitlist, join_waitlist, leave_waitlist, ranked_waitlist
from parity.services.waitlist_sweep import sweep_waitlist


def _member(region: Region, offer: Offer) -> Principal:
    """The member the offer was made to, answering it themselves."""
    with region.uow:
        member = region.uow.requests.get(offer.request_id).member_id
    return Principal("member", Role.MEMBER, member)


def _entry_of(region: Region, request_id: int) -> WaitReason | WaitStatus:
    (entry,) = region.uow.waitlist.where(request_id=request_id)
    return entry.status


def _cancel(region: Region, appointment_id: int, by: CancelledBy = CancelledBy.MEMBER) -> None:
    cmd = CancelAppointment(appointment_id, by, "clinician ill" if by is CancelledBy.CLINIC else "")
    cancel_appointment(cmd, region.uow, region.clock, region.policy)


def _pending(region: Region, request: CareRequest) -> list[int]:
    offers = region.uow.offers.where(request_id=request.id)
    return [o.id for o in offers if o.response is OfferResponse.PENDING]


def _messages(region: Region, kind: MessageKind) -> list[str]:
    return [m.member_id for m in region.uow.messages.list() if m.kind is kind]


def test_a_request_with_no_timely_slot_waits_instead_of_being_referred_at_once(
    region: Region,
) -> None:
    on, _ = full_region(region)
    decision = book(on, "w1")
    assert decision.action == "waitlisted"
    assert not on.uow.referrals.list()
    (entry,) = on.uow.waitlist.where(request_id=decision.request_id)
    assert entry.reason is WaitReason.NO_TIMELY_SLOT
    assert entry.status is WaitStatus.WAITING


def test_a_member_cancellation_offers_the_freed_slot_to_the_first_waiting_request(
    region: Region,
) -> None:
    on, booked = full_region(region)
    first, second = book(on, "w1"), book(on, "w2")
    _cancel(on, booked[0].appointment_id or 0)
    freed = booked[0].slot_id or 0
    (offer,) = on.uow.offers.where(request_id=first.request_id)
    assert (offer.slot_id, offer.response, offer.timely) == (freed, OfferResponse.PENDING, True)
    assert on.uow.slots.get(freed).status is SlotStatus.HELD
    assert _entry_of(on, first.request_id) is WaitStatus.OFFERED
    assert not on.uow.offers.where(request_id=second.request_id)
    assert "w1" in _messages(on, MessageKind.OFFER)
    assert "b1" in _messages(on, MessageKind.CANCELLATION)


def test_accepting_an_offer_books_the_slot_and_queues_a_confirmation(region: Region) -> None:
    on, booked = full_region(region)
    waiting = book(on, "w1")
    _cancel(on, booked[0].appointment_id or 0)
    (offer,) = on.uow.offers.where(request_id=waiting.request_id)
    answer = respond_to_offer(
        AnswerOffer(offer.id, True, _member(on, offer)), on.uow, on.clock, on.policy
    )
    assert answer.decision is not None
    assert answer.decision.action == "booked"
    assert on.uow.requests.get(waiting.request_id).status is RequestStatus.BOOKED
    assert on.uow.slots.get(offer.slot_id).status is SlotStatus.BUSY
    assert _entry_of(on, waiting.request_id) is WaitStatus.DONE
    assert _messages(on, MessageKind.CONFIRMATION) == ["w1"]


def test_declining_keeps_the_evidence_and_offers_the_slot_to_the_next_candidate(
    region: Region,
) -> None:
    on, booked = full_region(region)
    first, second = book(on, "w1"), book(on, "w2")
    _cancel(on, booked[0].appointment_id or 0)
    (offer,) = on.uow.offers.where(request_id=first.request_id)
    answer = respond_to_offer(
        AnswerOffer(offer.id, False, _member(on, offer)), on.uow, on.clock, on.policy
    )
    assert on.uow.offers.get(offer.id).response is OfferResponse.DECLINED
    assert answer.next_offer is not None
    assert answer.next_offer.request_id == second.request_id
    assert answer.next_offer.slot_id == offer.slot_id
    # The first member waits on, but is never offered the slot they declined again.
    (entry,) = on.uow.waitlist.where(request_id=first.request_id)
    assert entry.status is WaitStatus.WAITING
    assert offer.slot_id in entry.passed_slot_ids


def test_a_declined_timely_offer_is_compliant_evidence(region: Region) -> None:
    on, booked = full_region(region)
    waiting = book(on, "w1")
    _cancel(on, booked[0].appointment_id or 0)
    (offer,) = on.uow.offers.where(request_id=waiting.request_id)
    respond_to_offer(AnswerOffer(offer.id, False, _member(on, offer)), on.uow, on.clock, on.policy)
    request = on.uow.requests.get(waiting.request_id)
    evidence = RequestEvidence(request, on.uow.offers.where(request_id=request.id), [], None, None)
    outcome = classify(evidence, request.deadline + timedelta(days=1))
    assert outcome is Outcome.MEMBER_DECLINED
    assert outcome in COMPLIANT


def test_an_offer_left_unanswered_expires_and_the_slot_goes_to_the_next_candidate(
    region: Region,
) -> None:
    on, booked = full_region(region)
    first, second = book(on, "w1"), book(on, "w2")
    _cancel(on, booked[0].appointment_id or 0)
    (offer,) = on.uow.offers.where(request_id=first.request_id)
    on.clock.advance(HOLD - timedelta(minutes=1))
    assert sweep_waitlist(on.uow, on.clock, on.policy).expired == 0
    on.clock.advance(timedelta(minutes=2))
    result = sweep_waitlist(on.uow, on.clock, on.policy)
    assert (result.expired, result.offered_again) == (1, 1)
    assert on.uow.offers.get(offer.id).response is OfferResponse.EXPIRED
    (following,) = on.uow.offers.where(request_id=second.request_id)
    assert following.slot_id == offer.slot_id


def test_a_clinic_cancellation_puts_the_request_at_the_head_with_its_original_deadline(
    region: Region,
) -> None:
    on, booked = full_region(region)
    book(on, "w1")  # waiting since before the cancellation, with an earlier deadline
    on.clock.advance(timedelta(hours=1))
    victim = on.uow.requests.get(booked[3].request_id)
    original = victim.deadline
    _cancel(on, booked[3].appointment_id or 0, CancelledBy.CLINIC)
    head = ranked_waitlist(on.uow, on.clock)[0]
    assert (head.request_id, head.head_of_line, head.deadline) == (victim.id, True, original)
    assert head.reason is WaitReason.CLINIC_CANCELLED
    # The slot the clinic cancelled is not offered back to the same request.
    for offer in on.uow.offers.where(request_id=victim.id):
        assert offer.slot_id != booked[3].slot_id or offer.response is OfferResponse.ACCEPTED


def test_a_member_who_wants_an_earlier_time_gets_it_and_frees_the_later_one(
    region: Region,
) -> None:
    on, booked = full_region(region)
    later = booked[5]  # June 10, 11:00
    join_waitlist(JoinWaitlist(later.request_id), on.uow, on.clock)
    _cancel(on, booked[0].appointment_id or 0)  # June 3, 09:00 frees
    (offer,) = [
        o
        for o in on.uow.offers.where(request_id=later.request_id)
        if o.response is OfferResponse.PENDING
    ]
    respond_to_offer(AnswerOffer(offer.id, True, _member(on, offer)), on.uow, on.clock, on.policy)
    visits = {a.slot_id: a.status for a in on.uow.appointments.where(request_id=later.request_id)}
    assert visits[offer.slot_id] is AppointmentStatus.BOOKED
    assert visits[later.slot_id or 0] is AppointmentStatus.CANCELLED
    assert on.uow.slots.get(later.slot_id or 0).status is SlotStatus.FREE


def test_a_request_still_waiting_near_its_deadline_is_referred_out_of_network(
    region: Region,
) -> None:
    on, _ = full_region(region)
    waiting = book(on, "w1")
    request = on.uow.requests.get(waiting.request_id)
    on.clock.set(request.deadline - timedelta(hours=25))
    assert sweep_waitlist(on.uow, on.clock, on.policy).referred == 0
    on.clock.advance(timedelta(hours=2))
    assert sweep_waitlist(on.uow, on.clock, on.policy).referred == 1
    assert on.uow.requests.get(request.id).status is RequestStatus.REFERRED
    assert _entry_of(on, request.id) is WaitStatus.DONE


def test_leaving_the_waitlist_keeps_the_entry_as_removed(region: Region) -> None:
    on, booked = full_region(region)
    waiting = book(on, "w1")
    leave_waitlist(waiting.request_id, on.uow, on.clock)
    assert _entry_of(on, waiting.request_id) is WaitStatus.REMOVED
    _cancel(on, booked[0].appointment_id or 0)
    assert not _pending(on, on.uow.requests.get(waiting.request_id))


def test_with_the_waitlist_off_cancellations_behave_as_before(region: Region) -> None:
    decisions = [book(region, f"b{n}") for n in range(1, 8)]
    assert decisions[-1].action == "referred"
    cmd = CancelAppointment(decisions[0].appointment_id or 0, CancelledBy.MEMBER)
    cancel_appointment(cmd, region.uow, region.clock, region.policy)
    assert region.uow.slots.get(decisions[0].slot_id or 0).status is SlotStatus.FREE
    assert not region.uow.waitlist.list()
    assert ask(region, "x").status is RequestStatus.OPEN


def test_extra_hours_are_offered_to_the_waitlist_at_once(region: Region) -> None:
    on, _ = full_region(region)
    waiting = book(on, "w1")
    # Ana opens two intake hours on Thursday 4 June at north.
    start = datetime(2026, 6, 4, 14, tzinfo=LOS_ANGELES)
    extra = AvailabilityException(
        "ana",
        ExceptionKind.EXTRA_HOURS,
        start,
        start + timedelta(hours=2),
        "extra clinic",
        clinic_id="north",
        slot_kind=BlockKind.INTAKE,
        slot_minutes=60,
    )
    add_availability_exception(AddException(extra), on.uow, on.policy, on.clock)
    (offer,) = on.uow.offers.where(request_id=waiting.request_id)
    assert offer.slot_start == start
    assert offer.timely


def test_an_answer_after_the_hold_time_is_refused_and_the_slot_passed_on(
    region: Region,
) -> None:
    on, booked = full_region(region)
    first, second = book(on, "w1"), book(on, "w2")
    _cancel(on, booked[0].appointment_id or 0)
    (offer,) = on.uow.offers.where(request_id=first.request_id)
    on.clock.advance(HOLD)
    with pytest.raises(OfferExpired):
        respond_to_offer(
            AnswerOffer(offer.id, True, _member(on, offer)), on.uow, on.clock, on.policy
        )
    assert on.uow.offers.get(offer.id).response is OfferResponse.EXPIRED
    assert on.uow.requests.get(first.request_id).status is RequestStatus.OPEN
    (following,) = on.uow.offers.where(request_id=second.request_id)
    assert following.slot_id == offer.slot_id


def _transactions_of_a_cancellation(
    on: Region, appointment_id: int, monkeypatch: pytest.MonkeyPatch
) -> int:
    """How many transactions the member's cancellation of `appointment_id` opened."""
    opened: list[int] = []
    kind = type(on.uow)
    enter = kind.__enter__

    def counted(self: Any) -> Any:
        opened.append(1)
        return enter(self)

    monkeypatch.setattr(kind, "__enter__", counted)
    _cancel(on, appointment_id)
    monkeypatch.undo()
    return len(opened)


def test_a_cancellation_with_nobody_else_waiting_takes_one_transaction_and_frees_the_time(
    region: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nobody to offer the freed time to: no second transaction just to read that nobody
    waits; the time is free for anyone to book (docs/adr/0017, nineteenth round)."""
    on, booked = full_region(region)
    offers_before = len(on.uow.offers.list())  # the booked members' own, accepted
    opened = _transactions_of_a_cancellation(on, booked[0].appointment_id or 0, monkeypatch)
    assert opened == 1
    freed = booked[0].slot_id or 0
    assert on.uow.slots.get(freed).status is SlotStatus.FREE
    assert len(on.uow.offers.list()) == offers_before


def test_with_someone_waiting_the_cancellation_still_offers_in_a_second_transaction(
    region: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    on, booked = full_region(region)
    waiting = book(on, "w1")
    opened = _transactions_of_a_cancellation(on, booked[0].appointment_id or 0, monkeypatch)
    assert opened >= 2
    (offer,) = on.uow.offers.where(request_id=waiting.request_id)
    assert offer.slot_id == booked[0].slot_id
