"""After the member declined a timely offer, what is proposed is what can be held.

The rule (docs/adr/0013, "2026-12-07 (late evening)"): once a timely offer was declined the
plan has met the standard (28 CCR §1300.67.2.2(c)(5): the wait is to the appointment
offered), and the member may still be booked later. `$find` then proposes, after any timely
times, the times up to the rule file's member-preference window (28 days) after the
deadline, each marked not timely; `$hold` and `$book` accept exactly those. Without a
declined timely offer nothing late is proposed or held. The expected slots are listed from
the store's plain per-clinician listing, not from the search index `$find` reads.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from unit_support import FIRST_WEEK, LOS_ANGELES, Region

from parity.domain.care import Action, CareRequest, Channel, OfferResponse
from parity.domain.errors import DeadlineUnreachable
from parity.domain.schedule import BlockKind, Slot, SlotStatus
from parity.domain.standards import VisitType
from parity.domain.users import Principal, Role
from parity.domain.workforce import Modality, ProviderClass
from parity.services.booking import BookRequest, book_request
from parity.services.holds import HoldSlot, hold_slot
from parity.services.offers import AnswerOffer, MakeOffer, answer_offer, make_offer
from parity.services.optimize import Horizon, optimize_queue
from parity.services.proposals import find_proposals
from parity.services.requests import PreferLater, RequestCare, open_request, prefer_later_date
from parity.services.schedules import materialise

WEEKS = 9  # past the deadline and the 28 days after it
MANY = 200


def _request(region: Region) -> CareRequest:
    materialise(region.uow, region.policy, FIRST_WEEK, WEEKS)
    cmd = RequestCare(
        "m1", VisitType.INITIAL, ProviderClass.THERAPIST, "english", (Modality.VIDEO,), "north"
    )
    return open_request(cmd, region.uow, region.clock, region.policy)


def _intake_slots(region: Region) -> list[Slot]:
    """Every free intake slot a therapy intake by video may take, from the plain listing."""
    start = region.clock.now() + region.policy.min_notice
    end = start + timedelta(weeks=WEEKS + 1)
    with region.uow:
        found = [
            s
            for who in ("ana", "ben")
            for s in region.uow.slots.for_clinician(who, start, end)
            if s.status is SlotStatus.FREE and s.kind is BlockKind.INTAKE
        ]
    return sorted(found, key=lambda s: (s.start, s.id))


def _decline_the_first_timely(region: Region, request: CareRequest) -> Slot:
    first = next(s for s in _intake_slots(region) if s.start <= request.effective_deadline)
    offer = make_offer(
        MakeOffer(request.id, first.id, "sam", Channel.PHONE),
        region.uow,
        region.clock,
        region.policy,
    )
    region.clock.advance(timedelta(minutes=10))
    answer_offer(
        AnswerOffer(offer.id, False, Principal("member m1", Role.MEMBER, "m1")),
        region.uow,
        region.clock,
        region.policy,
    )
    return first


def _until(request: CareRequest) -> datetime:
    return request.effective_deadline + timedelta(days=28)  # california.toml search_days


def test_without_a_declined_offer_only_timely_times_are_proposed(region: Region) -> None:
    request = _request(region)
    proposals = find_proposals(request.id, region.uow, region.clock, region.policy, MANY)
    expected = [s.id for s in _intake_slots(region) if s.start <= request.effective_deadline]
    assert sorted(p.slot.id for p in proposals) == sorted(expected)
    assert all(p.timely for p in proposals)


def test_after_declining_later_times_are_proposed_each_marked_not_timely(region: Region) -> None:
    request = _request(region)
    _decline_the_first_timely(region, request)
    proposals = find_proposals(request.id, region.uow, region.clock, region.policy, MANY)
    expected = [s for s in _intake_slots(region) if s.start <= _until(request)]
    assert any(s.start > request.effective_deadline for s in expected)  # the premise
    assert sorted(p.slot.id for p in proposals) == sorted(s.id for s in expected)
    for proposal in proposals:
        assert proposal.timely is (proposal.slot.start <= request.effective_deadline)
    flags = [p.timely for p in proposals]
    assert flags == sorted(flags, reverse=True)  # timely times first


def test_after_declining_a_short_page_keeps_timely_times_first(region: Region) -> None:
    request = _request(region)
    _decline_the_first_timely(region, request)
    timely = [s for s in _intake_slots(region) if s.start <= request.effective_deadline]
    proposals = find_proposals(request.id, region.uow, region.clock, region.policy, len(timely) + 1)
    assert [p.timely for p in proposals] == [True] * len(timely) + [False]


def test_after_declining_every_proposed_late_time_can_be_held_and_none_later(
    region: Region,
) -> None:
    request = _request(region)
    _decline_the_first_timely(region, request)
    late = [s for s in _intake_slots(region) if s.start > request.effective_deadline]
    for slot in late:
        if slot.start <= _until(request):
            hold_slot(HoldSlot(request.id, slot.id), region.uow, region.clock, region.policy)
        else:
            with pytest.raises(DeadlineUnreachable):
                hold_slot(HoldSlot(request.id, slot.id), region.uow, region.clock, region.policy)
    assert any(s.start > _until(request) for s in late)  # the premise


def test_after_declining_a_late_proposed_time_can_be_booked(region: Region) -> None:
    request = _request(region)
    _decline_the_first_timely(region, request)
    proposals = find_proposals(request.id, region.uow, region.clock, region.policy, MANY)
    late = next(p for p in proposals if not p.timely)
    decision = book_request(
        BookRequest(request.id, late.slot.id), region.uow, region.clock, region.policy
    )
    assert (decision.slot_id, decision.timely) == (late.slot.id, False)


def test_without_a_declined_offer_a_late_time_cannot_be_held(region: Region) -> None:
    request = _request(region)
    late = next(s for s in _intake_slots(region) if s.start > request.effective_deadline)
    with pytest.raises(DeadlineUnreachable):
        hold_slot(HoldSlot(request.id, late.id), region.uow, region.clock, region.policy)


def _take_every_free_slot(region: Region, slots: list[Slot]) -> None:
    with region.uow:
        for slot in slots:
            region.uow.slots.take(slot.id)
        region.uow.commit()


def test_after_declining_with_nothing_timely_left_the_engine_books_the_earliest_later_time(
    region: Region,
) -> None:
    # The engine books what `$find` then proposes first, in network, instead of referring
    # the member out: the plan met the standard by the declined offer.
    request = _request(region)
    _decline_the_first_timely(region, request)
    slots = _intake_slots(region)
    _take_every_free_slot(region, [s for s in slots if s.start <= request.effective_deadline])
    earliest_later = next(s for s in slots if s.start > request.effective_deadline)
    decision = book_request(BookRequest(request.id), region.uow, region.clock, region.policy)
    assert (decision.action, decision.slot_id) == (Action.BOOKED, earliest_later.id)
    assert decision.timely is False
    with region.uow:
        assert list(region.uow.referrals.where(request_id=request.id)) == []


def test_after_declining_with_nothing_until_the_window_ends_the_engine_refers_out(
    region: Region,
) -> None:
    request = _request(region)
    _decline_the_first_timely(region, request)
    _take_every_free_slot(region, [s for s in _intake_slots(region) if s.start <= _until(request)])
    decision = book_request(BookRequest(request.id), region.uow, region.clock, region.policy)
    assert decision.action is Action.REFERRED


def test_without_a_declined_offer_nothing_timely_is_referred_not_booked_late(
    region: Region,
) -> None:
    request = _request(region)
    _take_every_free_slot(
        region, [s for s in _intake_slots(region) if s.start <= request.effective_deadline]
    )
    decision = book_request(BookRequest(request.id), region.uow, region.clock, region.policy)
    assert decision.action is Action.REFERRED


def test_times_from_the_members_later_date_past_the_deadline_are_not_called_timely(
    region: Region,
) -> None:
    # A member's own later date past the deadline: the times from it are proposed, and each
    # says what the booking's decision will say of it (after the deadline), not "timely".
    request = _request(region)
    wanted = request.effective_deadline + timedelta(days=7)
    prefer_later_date(
        PreferLater(
            request.id, wanted, Principal("m1", Role.MEMBER, request.member_id), Channel.PORTAL
        ),
        region.uow,
        region.clock,
    )
    proposals = find_proposals(request.id, region.uow, region.clock, region.policy, MANY)
    assert proposals  # the premise
    assert all(p.slot.start >= wanted for p in proposals)
    assert [p.timely for p in proposals] == [False] * len(proposals)
    assert not any("before the deadline" in p.reason for p in proposals)
    decision = book_request(
        BookRequest(request.id, proposals[0].slot.id), region.uow, region.clock, region.policy
    )
    assert decision.timely is proposals[0].timely


def _applied(region: Region) -> None:
    horizon = Horizon(region.clock.now().astimezone(LOS_ANGELES).date(), 10)
    optimize_queue(
        horizon, region.uow, region.clock, region.policy, apply=True, applied_by="sam", time_limit=5
    )


def _offered_and_referred(region: Region, request: CareRequest) -> tuple[list[datetime], int]:
    with region.uow:
        pending = [
            o.slot_start
            for o in region.uow.offers.where(request_id=request.id)
            if o.response is OfferResponse.PENDING
        ]
        referred = len(region.uow.referrals.where(request_id=request.id))
    return pending, referred


def test_after_declining_the_batch_optimizer_offers_a_later_time_rather_than_refer(
    region: Region,
) -> None:
    # The optimizer plans each request up to the last start the engine books it at: after
    # a declined timely offer, up to the window after the deadline, so applying its plan
    # offers a later time instead of referring a member the law no longer says to refer.
    request = _request(region)
    _decline_the_first_timely(region, request)
    slots = _intake_slots(region)
    _take_every_free_slot(region, [s for s in slots if s.start <= request.effective_deadline])
    _applied(region)
    pending, referred = _offered_and_referred(region, request)
    assert referred == 0
    assert len(pending) == 1
    assert request.effective_deadline < pending[0] <= _until(request)


def test_the_batch_optimizer_offers_from_the_members_later_date(region: Region) -> None:
    request = _request(region)
    wanted = request.effective_deadline + timedelta(days=7)
    member = Principal("m1", Role.MEMBER, "m1")
    prefer_later_date(
        PreferLater(request.id, wanted, member, Channel.PORTAL), region.uow, region.clock
    )
    _applied(region)
    pending, referred = _offered_and_referred(region, request)
    assert referred == 0
    assert len(pending) == 1
    assert pending[0] >= wanted


def test_a_refusal_recorded_after_the_offered_time_began_opens_no_later_times(
    region: Region,
) -> None:
    """A refusal first recorded once the offered time had begun shows no choice the member
    made against a time they could have had (28 CCR §1300.67.2.2(c)(5); the figures count it
    as no answer, `compliance.answered_in_time`): the request is still owed a timely time, so
    nothing past the deadline is proposed (the optimizer reads the same `refused_in_time`)."""
    request = _request(region)
    first = next(s for s in _intake_slots(region) if s.start <= request.effective_deadline)
    offer = make_offer(
        MakeOffer(request.id, first.id, "sam", Channel.PHONE),
        region.uow,
        region.clock,
        region.policy,
    )
    region.clock.set(first.start + timedelta(minutes=30))
    answer_offer(
        AnswerOffer(offer.id, False, Principal("sam", Role.SCHEDULER), Channel.PHONE, "called"),
        region.uow,
        region.clock,
        region.policy,
    )
    with region.uow:
        (answered,) = region.uow.offers.where(request_id=request.id)
    assert answered.response is OfferResponse.DECLINED  # recorded as said, late
    proposals = find_proposals(request.id, region.uow, region.clock, region.policy, MANY)
    assert proposals
    assert all(p.slot.start <= request.effective_deadline for p in proposals)
    assert all(p.timely for p in proposals)
