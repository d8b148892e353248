"""The work queue people can work (docs/adr/0016-pages-for-each-role.md): a claim keeps two
schedulers off the same request and lapses after half an hour; the queue is searched by a
member's name, id or phone digits, sorted by any column with ties broken by request number,
and cut into pages."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from unit_support import LOS_ANGELES, Region
from waitlist_support import ask

from parity.domain.care import CareRequest
from parity.domain.errors import InvalidInput, InvalidTransition
from parity.domain.members import Member
from parity.domain.standards import VisitType
from parity.domain.workforce import Modality, ProviderClass
from parity.entrypoints.web.queue_view import PAGE_SIZE, QueueView, arrange
from parity.services.booking import BookRequest, book_request
from parity.services.claims import CLAIM_LAPSES, ClaimedElsewhere, claim_request, release_request


def test_a_claimed_request_is_refused_to_another_scheduler_until_released(region: Region) -> None:
    request = ask(region, "m1")
    claim_request(request.id, "sam", region.uow, region.clock)
    with pytest.raises(ClaimedElsewhere, match="sam has been working on request"):
        claim_request(request.id, "kim", region.uow, region.clock)
    with pytest.raises(ClaimedElsewhere):
        release_request(request.id, "kim", region.uow, region.clock)
    release_request(request.id, "sam", region.uow, region.clock)
    assert claim_request(request.id, "kim", region.uow, region.clock).claimed_by == "kim"


def test_a_claim_lapses_after_half_an_hour(region: Region) -> None:
    request = ask(region, "m1")
    claim_request(request.id, "sam", region.uow, region.clock)
    region.clock.advance(CLAIM_LAPSES)
    assert claim_request(request.id, "kim", region.uow, region.clock).claimed_by == "kim"


def test_a_booked_request_cannot_be_claimed(region: Region) -> None:
    request = ask(region, "m1")
    book_request(BookRequest(request.id), region.uow, region.clock, region.policy)
    with pytest.raises(InvalidTransition):
        claim_request(request.id, "sam", region.uow, region.clock)


NOON = datetime(2026, 6, 1, 12, tzinfo=LOS_ANGELES)


def _requests(count: int, same_deadline: bool = False) -> list[CareRequest]:
    made = []
    for n in range(1, count + 1):
        due = NOON if same_deadline else NOON + timedelta(hours=count - n)
        found = replace(
            _template(),
            id=n,
            member_id=f"m{n}",
            deadline=due,
            requested_at=NOON - timedelta(days=n),
        )
        made.append(found)
    return made


def _template() -> CareRequest:
    return CareRequest(
        member_id="m0",
        visit=VisitType.INITIAL,
        provider_class=ProviderClass.THERAPIST,
        language="english",
        modalities=(Modality.VIDEO,),
        clinic_id="north",
        requested_at=NOON,
        clock_start=NOON,
        standard="initial-therapy",
        deadline=NOON,
        not_before=NOON,
    )


MEMBERS = {
    "m1": Member("m1", "Ada Lovelace", "north", phone="(619) 555-0101"),
    "m2": Member("m2", "Bo Diddley", "north", phone="619-555-0202"),
    "m3": Member("m3", "Celia Cruz", "north"),
}


def test_search_finds_a_member_by_name_id_or_phone_digits() -> None:
    found = _requests(3)
    names = {"north": "North"}
    assert [r.id for r in arrange(found, MEMBERS, names, QueueView(q="lovelace")).rows] == [1]
    assert [r.id for r in arrange(found, MEMBERS, names, QueueView(q="m2")).rows] == [2]
    assert [r.id for r in arrange(found, MEMBERS, names, QueueView(q="5550202")).rows] == [2]
    assert arrange(found, MEMBERS, names, QueueView(q="55")).rows == []  # too few digits


def test_ties_are_broken_by_request_number_in_either_direction() -> None:
    found = list(reversed(_requests(3, same_deadline=True)))
    names = {"north": "North"}
    ahead = arrange(found, MEMBERS, names, QueueView())
    assert [r.id for r in ahead.rows] == [1, 2, 3]
    assert ahead.ties == frozenset({2, 3})
    back = arrange(found, MEMBERS, names, QueueView(descending=True))
    assert [r.id for r in back.rows] == [1, 2, 3]


def test_sorting_by_member_name_and_paging() -> None:
    found = _requests(3)
    names = {"north": "North"}
    by_name = arrange(found, MEMBERS, names, QueueView(sort="member", descending=True))
    assert [r.id for r in by_name.rows] == [3, 2, 1]  # Celia, Bo, Ada
    many = _requests(PAGE_SIZE + 3)
    last = arrange(many, {}, names, QueueView(page=2))
    assert (last.page, last.pages, len(last.rows)) == (2, 2, 3)


def test_a_bad_sort_or_page_is_a_plain_refusal() -> None:
    with pytest.raises(InvalidInput):
        QueueView.parse("", "salary", "", "")
    with pytest.raises(InvalidInput):
        QueueView.parse("", "", "", "٣")
