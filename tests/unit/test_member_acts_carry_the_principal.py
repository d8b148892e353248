"""The member's acts at the service, whoever calls it (docs/adr/0012, "2026-12-07 (night)"):
a later date or a withdrawal carries the signed-in principal, and the service decides from
it whether the member's word is needed (staff: channel and contact note), never from a flag
the caller sets; a member acts through the portal and on their own requests only; a later
date is a date to come within a year of the deadline (an earlier one than the date in force
is taken: docs/adr/0013, 2026-12-08), and never while an offer awaits its answer. Expected
values come from the rule, and a refused act leaves the request as it was."""

from __future__ import annotations

from dataclasses import astuple
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from parity.domain.care import Channel, OfferResponse
from parity.domain.errors import InvalidInput, InvalidTransition, NotFound, ParityError
from parity.domain.standards import VisitType
from parity.domain.users import Forbidden, Principal, Role
from parity.domain.workforce import Modality, ProviderClass
from parity.services.offers import AnswerOffer, MakeOffer, make_offer, respond_to_offer
from parity.services.requests import (
    PreferLater,
    RequestCare,
    WithdrawRequest,
    open_request,
    prefer_later_date,
    withdraw_request,
)

LA = ZoneInfo("America/Los_Angeles")
M1 = Principal("m1-login", Role.MEMBER, "m1")
M2 = Principal("m2-login", Role.MEMBER, "m2")
SAM = Principal("sam", Role.SCHEDULER, clinic_ids=("north",))
ADMIN = Principal("root", Role.ADMIN)
NOTE = "m1 phoned 10:05: wants after the 16th"


def _ask(region, member: str = "m1") -> int:
    cmd = RequestCare(
        member,
        VisitType.INITIAL,
        ProviderClass.THERAPIST,
        "english",
        (Modality.IN_PERSON,),
        "north",
    )
    return open_request(cmd, region.uow, region.clock, region.policy).id


def _row(region, request_id: int) -> tuple[object, ...]:
    with region.uow:
        return astuple(region.uow.requests.get(request_id))


def _later(region, days: int = 16) -> datetime:
    return region.clock.now() + timedelta(days=days)


def _act(region, act: str, request_id: int, by: Principal, **word: object) -> None:
    if act == "prefer-later":
        cmd = PreferLater(request_id, _later(region), by, **word)  # type: ignore[arg-type]
        prefer_later_date(cmd, region.uow, region.clock)
    else:
        withdraw_request(WithdrawRequest(request_id, by, **word), region.uow, region.clock)  # type: ignore[arg-type]


ACTS = ["prefer-later", "withdraw"]


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("staff", [SAM, ADMIN], ids=["scheduler", "admin"])
@pytest.mark.parametrize(
    "word",
    [{}, {"channel": Channel.PHONE}, {"note": NOTE}, {"channel": Channel.PHONE, "note": "  "}],
    ids=["nothing", "no note", "no channel", "a blank note"],
)
def test_staff_without_the_members_word_are_refused_at_the_service(
    region, act: str, staff: Principal, word: dict[str, object]
) -> None:
    request_id = _ask(region)
    before = _row(region, request_id)
    with pytest.raises(InvalidInput):
        _act(region, act, request_id, staff, **word)
    assert _row(region, request_id) == before


@pytest.mark.parametrize("act", ACTS)
def test_staff_with_the_members_word_are_recorded_as_who_took_it(region, act: str) -> None:
    request_id = _ask(region)
    _act(region, act, request_id, SAM, channel=Channel.PHONE, note=NOTE)
    with region.uow:
        kept = region.uow.requests.get(request_id)
    if act == "prefer-later":
        said = (kept.preference_recorded_by, kept.preference_channel, kept.preference_note)
    else:
        said = (kept.withdrawn_by, kept.withdrawal_channel, kept.withdrawal_note)
    assert said == ("sam", Channel.PHONE, NOTE)


@pytest.mark.parametrize("act", ACTS)
def test_a_member_acts_on_their_own_request_only(region, act: str) -> None:
    theirs = _ask(region, "m1")
    before = _row(region, theirs)
    with pytest.raises(NotFound):
        _act(region, act, theirs, M2)
    assert _row(region, theirs) == before


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("channel", [c for c in Channel if c is not Channel.PORTAL])
def test_a_member_acting_for_themselves_acts_through_the_portal(
    region, act: str, channel: Channel
) -> None:
    request_id = _ask(region)
    before = _row(region, request_id)
    with pytest.raises(Forbidden):
        _act(region, act, request_id, M1, channel=channel, note=NOTE)
    assert _row(region, request_id) == before
    _act(region, act, request_id, M1)
    with region.uow:
        kept = region.uow.requests.get(request_id)
    recorded = kept.preference_channel if act == "prefer-later" else kept.withdrawal_channel
    assert recorded is Channel.PORTAL


def _offer(region, request_id: int) -> int:
    start = datetime(2026, 6, 3, 9, tzinfo=LA)
    slot = region.uow.slots.for_clinician("ana", start, start + timedelta(minutes=1))[0]
    cmd = MakeOffer(request_id, slot.id, "sam", Channel.PHONE)
    return make_offer(cmd, region.uow, region.clock, region.policy).id


@pytest.mark.parametrize("accept", [True, False], ids=["accept", "decline"])
def test_a_members_own_answer_by_another_channel_is_refused(region, accept: bool) -> None:
    offer_id = _offer(region, _ask(region))
    cmd = AnswerOffer(offer_id, accept, M1, Channel.PHONE)
    with pytest.raises(Forbidden):
        respond_to_offer(cmd, region.uow, region.clock, region.policy)
    with region.uow:
        assert region.uow.offers.get(offer_id).response is OfferResponse.PENDING


def test_a_later_date_a_year_after_the_deadline_is_the_last_one_taken(region) -> None:
    request_id = _ask(region)
    with region.uow:
        deadline = region.uow.requests.get(request_id).effective_deadline
    last = deadline + timedelta(days=365)
    with pytest.raises(InvalidInput):
        prefer_later_date(
            PreferLater(request_id, last + timedelta(seconds=1), M1), region.uow, region.clock
        )
    prefer_later_date(PreferLater(request_id, last, M1), region.uow, region.clock)
    with region.uow:
        assert region.uow.requests.get(request_id).member_preferred_from == last


def test_an_earlier_date_over_a_recorded_one_is_taken(region) -> None:
    """The member may change their mind: a date earlier than the one in force is recorded
    and booked from (docs/adr/0013, 2026-12-08; every date is kept:
    test_every_later_date_kept.py)."""
    request_id = _ask(region)
    first = _later(region, 30)
    prefer_later_date(PreferLater(request_id, first, M1), region.uow, region.clock)
    prefer_later_date(
        PreferLater(request_id, first - timedelta(days=1), M1), region.uow, region.clock
    )
    with region.uow:
        kept = region.uow.requests.get(request_id)
    assert kept.member_preferred_from == kept.not_before == first - timedelta(days=1)


@pytest.mark.parametrize("by", [M1, SAM], ids=["member", "staff"])
def test_a_later_date_while_an_offer_awaits_its_answer_is_refused(region, by: Principal) -> None:
    request_id = _ask(region)
    _offer(region, request_id)
    before = _row(region, request_id)
    word = {} if by is M1 else {"channel": Channel.PHONE, "note": NOTE}
    with pytest.raises(InvalidTransition, match="waiting for an answer"):
        prefer_later_date(
            PreferLater(request_id, _later(region), by, **word),  # type: ignore[arg-type]
            region.uow,
            region.clock,
        )
    assert _row(region, request_id) == before


def test_a_past_date_is_refused_as_a_date_even_with_an_offer_waiting(region) -> None:
    request_id = _ask(region)
    _offer(region, request_id)
    past = region.clock.now() - timedelta(days=1)
    with pytest.raises(ParityError) as refused:
        prefer_later_date(PreferLater(request_id, past, M1), region.uow, region.clock)
    assert type(refused.value) is InvalidInput


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("by", [M1, SAM], ids=["member", "staff"])
def test_a_contact_note_holds_at_most_2000_characters(region, act: str, by: Principal) -> None:
    request_id = _ask(region)
    before = _row(region, request_id)
    word = {} if by is M1 else {"channel": Channel.PHONE}
    with pytest.raises(InvalidInput, match="2,000"):
        _act(region, act, request_id, by, note="n" * 2001, **word)
    assert _row(region, request_id) == before
    _act(region, act, request_id, by, note="n" * 2000, **word)


@pytest.mark.parametrize("accept", [True, False], ids=["accept", "decline"])
def test_a_member_cannot_answer_another_members_offer(region, accept: bool) -> None:
    # Who answers is the principal the service is given, and a member answers only their
    # own offers: another member's is absent to them (404), whatever the caller checked.
    offer_id = _offer(region, _ask(region, "m1"))
    with pytest.raises(NotFound):
        respond_to_offer(AnswerOffer(offer_id, accept, M2), region.uow, region.clock, region.policy)
    with region.uow:
        assert region.uow.offers.get(offer_id).response is OfferResponse.PENDING


def test_staff_are_read_from_the_role_so_a_refusal_without_a_note_is_refused(region) -> None:
    offer_id = _offer(region, _ask(region))
    refusal = AnswerOffer(offer_id, False, SAM, Channel.PHONE)
    with pytest.raises(InvalidInput, match="contact note"):
        respond_to_offer(refusal, region.uow, region.clock, region.policy)
    with region.uow:
        assert region.uow.offers.get(offer_id).response is OfferResponse.PENDING
