"""Every later date the member gives is kept, in order, with who recorded it, when, how and
the contact note; the latest is in force, and a date earlier than it is taken (the member
changed their mind), booked from the later of the new date and the earliest start the
request had before the member's first date (docs/adr/0013-evidence-a-regulator-accepts.md,
2026-12-08). The refusals stay: a past date, one beyond the longest deferral, one while an
offer awaits its answer, one on another member's request. Expected values come from the
rule; the store is the in-memory one."""

from __future__ import annotations

import csv
import io
from dataclasses import astuple, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from parity.domain.care import (
    LONGEST_DEFERRAL,
    Appointment,
    CareRequest,
    Channel,
    LaterDate,
    OfferResponse,
    later_dates_on_record,
)
from parity.domain.compliance import Outcome
from parity.domain.errors import InvalidInput, InvalidTransition, NotFound
from parity.domain.scope import MemberScope, Reach
from parity.domain.standards import VisitType
from parity.domain.users import Principal, Role
from parity.domain.workforce import Modality, ProviderClass
from parity.entrypoints.reports.compliance import evidence_csv
from parity.services.evidence_trail import evidence_document
from parity.services.follow_ups import reanchor_follow_ups
from parity.services.offers import AnswerOffer, MakeOffer, make_offer, respond_to_offer
from parity.services.page_queries import request_record
from parity.services.requests import PreferLater, RequestCare, open_request, prefer_later_date

LA = ZoneInfo("America/Los_Angeles")
M1 = Principal("m1-login", Role.MEMBER, "m1")
M2 = Principal("m2-login", Role.MEMBER, "m2")
SAM = Principal("sam", Role.SCHEDULER, clinic_ids=("north",))
NOTE = "m1 phoned 10:05: the 20th is too late after all, the 10th is fine"
EVERYONE = MemberScope(Reach.EVERYONE)


def _ask(region, member: str = "m1", not_before: datetime | None = None) -> int:
    cmd = RequestCare(
        member,
        VisitType.INITIAL,
        ProviderClass.THERAPIST,
        "english",
        (Modality.IN_PERSON,),
        "north",
        not_before=not_before,
    )
    return open_request(cmd, region.uow, region.clock, region.policy).id


def _request(region, request_id: int) -> CareRequest:
    with region.uow:
        return region.uow.requests.get(request_id)


def _kept(region, request_id: int) -> list[LaterDate]:
    with region.uow:
        return region.uow.later_dates.of([request_id]).get(request_id, [])


def _prefer(region, request_id: int, start: datetime, by: Principal = M1, **word: object) -> None:
    cmd = PreferLater(request_id, start, by, **word)  # type: ignore[arg-type]
    prefer_later_date(cmd, region.uow, region.clock)


def _offer(region, request_id: int) -> int:
    """Offer ana's Wednesday 3 June 09:00 intake: within the initial standard."""
    start = datetime(2026, 6, 3, 9, tzinfo=LA)
    slot = region.uow.slots.for_clinician("ana", start, start + timedelta(minutes=1))[0]
    cmd = MakeOffer(request_id, slot.id, "sam", Channel.PHONE)
    return make_offer(cmd, region.uow, region.clock, region.policy).id


def _decline(region, offer_id: int) -> None:
    cmd = AnswerOffer(offer_id, False, M1)
    respond_to_offer(cmd, region.uow, region.clock, region.policy)


# -- every date kept, in order ----------------------------------------------------------------


def test_two_later_dates_are_both_kept_in_order_with_who_when_and_how(region) -> None:
    request_id = _ask(region)
    first_at = region.clock.now()
    first = first_at + timedelta(days=20)
    _prefer(region, request_id, first)  # the member, in the portal
    region.clock.advance(timedelta(hours=3))
    second_at = region.clock.now()
    second = first + timedelta(days=5)
    _prefer(region, request_id, second, SAM, channel=Channel.PHONE, note=NOTE)
    kept = _kept(region, request_id)
    assert [replace(g, id=0) for g in kept] == [
        LaterDate(request_id, first, first_at, "m1-login", Channel.PORTAL, ""),
        LaterDate(request_id, second, second_at, "sam", Channel.PHONE, NOTE),
    ]
    assert kept[0].id < kept[1].id
    row = _request(region, request_id)  # the row holds the one in force
    assert (row.member_preferred_from, row.preference_recorded_at) == (second, second_at)
    assert (row.preference_recorded_by, row.preference_channel) == ("sam", Channel.PHONE)


def test_the_evidence_trail_lists_every_later_date_the_latest_in_force(region) -> None:
    request_id = _ask(region)
    first = region.clock.now() + timedelta(days=20)
    _prefer(region, request_id, first)
    region.clock.advance(timedelta(hours=3))
    second = first - timedelta(days=10)  # moved earlier
    _prefer(region, request_id, second, SAM, channel=Channel.PHONE, note=NOTE)
    doc = evidence_document(region.uow, region.policy, request_id, region.clock.now())
    shown = [
        (g["preferred_from"], g["by"], g["channel"], g["note"], g["in_force"])
        for g in doc["later_dates"]
    ]
    local = [d.astimezone(LA).isoformat(timespec="seconds") for d in (first, second)]
    assert shown == [
        (local[0], "m1-login", "portal", "", False),
        (local[1], "sam", "phone", NOTE, True),
    ]
    chose = [e["event"] for e in doc["timeline"] if "later date" in e["event"]]
    assert len(chose) == 2
    assert local[0] in chose[0]
    assert "superseded" in chose[0]
    assert "m1-login" in chose[0]
    assert local[1] in chose[1]
    assert "in force" in chose[1]
    assert NOTE in chose[1]
    assert doc["member_preferred_from"] == local[1]
    (row,) = csv.DictReader(io.StringIO(evidence_csv([doc])))
    cell = row["member_later_dates"]  # both, in order, in one cell
    assert cell.index(local[0]) < cell.index(local[1])
    assert cell.count("superseded") == 1


def test_the_request_page_lists_every_later_date_in_order(region) -> None:
    request_id = _ask(region)
    first = region.clock.now() + timedelta(days=20)
    _prefer(region, request_id, first)
    region.clock.advance(timedelta(hours=1))
    _prefer(region, request_id, first + timedelta(days=2), SAM, channel=Channel.SMS, note=NOTE)
    page = request_record(region.uow, EVERYONE, region.policy, request_id, region.clock.now())
    assert [(g.preferred_from, g.recorded_by) for g in page.later_dates] == [
        (first, "m1-login"),
        (first + timedelta(days=2), "sam"),
    ]


def test_a_later_date_whose_transaction_is_rolled_back_is_not_kept(region) -> None:
    request_id = _ask(region)
    with region.uow:
        request = region.uow.requests.get(request_id)
        given = request.prefer_later(
            region.clock.now() + timedelta(days=9), "sam", region.clock.now()
        )
        region.uow.later_dates.append(given)
        # left without commit: rolled back
    assert _kept(region, request_id) == []
    assert _request(region, request_id).member_preferred_from is None


# -- an earlier date taken ---------------------------------------------------------------------


def test_an_earlier_later_date_is_taken_and_booked_from(region) -> None:
    request_id = _ask(region)
    planned = _request(region, request_id).not_before  # before any date of the member's
    first = region.clock.now() + timedelta(days=30)
    _prefer(region, request_id, first)
    earlier = first - timedelta(days=20)
    _prefer(region, request_id, earlier)
    row = _request(region, request_id)
    assert row.member_preferred_from == earlier
    assert row.not_before == max(planned, earlier) == earlier
    assert [g.preferred_from for g in _kept(region, request_id)] == [first, earlier]


def test_an_earlier_date_is_never_booked_before_the_requests_own_earliest_start(region) -> None:
    """The request may not be booked before its own earliest start (here given when it was
    made, as a course's cadence gives it): a member's date before that moves nothing back
    past it."""
    own_start = region.clock.now() + timedelta(days=10)
    request_id = _ask(region, not_before=own_start)
    _prefer(region, request_id, region.clock.now() + timedelta(days=30))
    sooner = region.clock.now() + timedelta(days=5)
    _prefer(region, request_id, sooner)
    row = _request(region, request_id)
    assert (row.member_preferred_from, row.not_before) == (sooner, max(own_start, sooner))
    assert row.not_before == own_start


def _visit(region, request_id: int, start: datetime) -> Appointment:
    end = start + timedelta(minutes=50)
    visit = Appointment(
        request_id,
        "m1",
        "ana",
        "north",
        0,
        start,
        end,
        VisitType.INITIAL,
        Modality.IN_PERSON,
        start,
    )
    with region.uow:
        region.uow.appointments.add(visit)
        region.uow.commit()
    return visit


def test_a_follow_ups_date_moved_earlier_never_books_before_its_rescheduled_prior_visit(
    region,
) -> None:
    """A rescheduled visit moves its follow-up's earliest start to the new visit's end
    (`reanchor_follow_ups`), and with it the start the follow-up returns to when the member
    moves their date earlier: the follow-up is never booked before the visit it follows."""
    first = _visit(region, _ask(region), datetime(2026, 6, 2, 9, tzinfo=LA))
    cmd = RequestCare(
        "m1",
        VisitType.FOLLOW_UP,
        ProviderClass.THERAPIST,
        "english",
        (Modality.IN_PERSON,),
        "north",
        prior_appointment_start=first.start,
        prior_appointment_id=first.id,
    )
    follow_up = open_request(cmd, region.uow, region.clock, region.policy).id
    _prefer(region, follow_up, datetime(2026, 6, 30, 9, tzinfo=LA))
    moved = _visit(region, first.request_id, datetime(2026, 6, 10, 9, tzinfo=LA))
    with region.uow:
        asked = region.uow.requests.get(first.request_id)
        reanchor_follow_ups(asked, moved, region.uow, region.policy)
        region.uow.commit()
    _prefer(region, follow_up, datetime(2026, 6, 5, 9, tzinfo=LA))
    row = _request(region, follow_up)
    assert row.member_preferred_from == datetime(2026, 6, 5, 9, tzinfo=LA)
    assert row.not_before == moved.end


def test_a_row_whose_earliest_start_was_not_kept_still_refuses_an_earlier_date(region) -> None:
    """A date recorded before migration r0015 left no earliest start to return to
    (`planned_not_before` empty): an earlier date would have to guess it, so it is refused;
    a later one is taken as before."""
    request_id = _ask(region)
    first = region.clock.now() + timedelta(days=30)
    with region.uow:
        request = region.uow.requests.get(request_id)
        request.member_preferred_from = request.not_before = first  # as r0014 left it
        request.preference_recorded_at = region.clock.now()
        region.uow.commit()
    with pytest.raises(InvalidTransition, match="earlier one cannot be recorded"):
        _prefer(region, request_id, first - timedelta(days=1))
    _prefer(region, request_id, first + timedelta(days=1))
    row = _request(region, request_id)
    assert row.not_before == row.member_preferred_from == first + timedelta(days=1)
    assert row.planned_not_before is None


def test_a_row_with_a_date_and_no_record_apart_shows_the_rows_own() -> None:
    asked = datetime(2026, 6, 1, 9, tzinfo=LA)
    request = CareRequest(
        "m1",
        VisitType.INITIAL,
        ProviderClass.THERAPIST,
        "english",
        (Modality.VIDEO,),
        "north",
        asked,
        "initial-therapy",
        asked,
        asked + timedelta(days=14),
        asked,
        member_preferred_from=asked + timedelta(days=20),
        preference_recorded_at=asked,
        preference_recorded_by="sam",
        id=7,
    )
    assert later_dates_on_record(request, []) == [
        LaterDate(7, asked + timedelta(days=20), asked, "sam", None, "")
    ]
    kept = [LaterDate(7, asked + timedelta(days=3), asked, "ann", Channel.PORTAL, "", 1)]
    assert later_dates_on_record(request, kept) == kept


# -- the refusals that stay ---------------------------------------------------------------------


def _with_a_date(region) -> tuple[int, tuple[object, ...]]:
    request_id = _ask(region)
    _prefer(region, request_id, region.clock.now() + timedelta(days=30))
    return request_id, astuple(_request(region, request_id))


def _refused_and_unchanged(region, request_id: int, before: tuple[object, ...]) -> None:
    assert astuple(_request(region, request_id)) == before
    assert len(_kept(region, request_id)) == 1


def test_a_past_date_is_still_refused(region) -> None:
    request_id, before = _with_a_date(region)
    with pytest.raises(InvalidInput, match="has passed"):
        _prefer(region, request_id, region.clock.now() - timedelta(minutes=1))
    with pytest.raises(InvalidInput, match="has passed"):
        _prefer(region, request_id, region.clock.now())
    _refused_and_unchanged(region, request_id, before)


def test_a_date_beyond_the_longest_deferral_is_still_refused(region) -> None:
    request_id, before = _with_a_date(region)
    latest = _request(region, request_id).effective_deadline + LONGEST_DEFERRAL
    with pytest.raises(InvalidInput, match="after the deadline"):
        _prefer(region, request_id, latest + timedelta(seconds=1))
    _refused_and_unchanged(region, request_id, before)


def test_an_earlier_date_while_an_offer_awaits_its_answer_is_still_refused(region) -> None:
    request_id = _ask(region)
    _prefer(region, request_id, region.clock.now() + timedelta(days=2))  # Tuesday noon
    _offer(region, request_id)  # Wednesday 09:00, after the member's date
    before = astuple(_request(region, request_id))
    with pytest.raises(InvalidTransition, match="waiting for an answer"):
        _prefer(region, request_id, region.clock.now() + timedelta(days=1))
    _refused_and_unchanged(region, request_id, before)


def test_a_date_on_another_members_request_is_still_refused(region) -> None:
    request_id, before = _with_a_date(region)
    with pytest.raises(NotFound):
        _prefer(region, request_id, region.clock.now() + timedelta(days=10), M2)
    _refused_and_unchanged(region, request_id, before)


# -- compliance: a later date counts only after a timely offer ---------------------------------


def _outcome(region, request_id: int) -> str:
    after = _request(region, request_id).deadline + timedelta(days=1)
    return evidence_document(region.uow, region.policy, request_id, after)["outcome"]


def test_later_dates_with_no_timely_offer_before_them_do_not_make_a_request_compliant(
    region,
) -> None:
    request_id = _ask(region)
    _prefer(region, request_id, region.clock.now() + timedelta(days=30))
    _prefer(region, request_id, region.clock.now() + timedelta(days=20))
    assert _outcome(region, request_id) == Outcome.LATE.value


def test_a_date_moved_earlier_after_a_declined_timely_offer_is_the_members_choice(
    region,
) -> None:
    request_id = _ask(region)
    offer_id = _offer(region, request_id)
    _decline(region, offer_id)
    with region.uow:
        assert region.uow.offers.get(offer_id).response is OfferResponse.DECLINED
    region.clock.advance(timedelta(hours=1))
    _prefer(region, request_id, region.clock.now() + timedelta(days=30))
    _prefer(region, request_id, region.clock.now() + timedelta(days=20))
    assert _outcome(region, request_id) == Outcome.MEMBER_PREFERENCE.value
