"""Law cases: the member's acts and the plan's determinations, recorded as they happened
(docs/adr/0013-evidence-a-regulator-accepts.md, 2026-12-07 evening).

Each class is tried through the real services and read back from the report's rows, the
evidence documents, the request page's record and the work queue. Deadlines come from the
independent oracle (`law_oracle.py`); verdicts from the rule quoted beside each case:

* A member's act recorded by staff (a later date, a withdrawal, like a refusal) says how and
  when the member said it: the channel and a contact note. A member acting for themselves
  records the channel it came by.
* A later date of the member's own choosing is compliant only where a timely appointment had
  been offered (28 CCR §1300.67.2.2(c)(5); DMHC's timely-access reporting counts a delay the
  enrollee chose as compliant when a timely appointment was available and offered).
* Prior authorisation (urgent care: 96 hours instead of 48, H&S §1367.03(a)(5)(A)-(B)) is a
  determination someone on the plan's side made, on record with who and when; a member
  cannot make it for themselves, and made after the 48 hours ran out it moves nothing.
* A request asked again while the first waited is one request (ADR 0013, 2026-12-07,
  class 6): the request page and the work queue say so as the report does.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from law_oracle import at, hour_deadline
from test_law_cases_counting import ASKED, DEADLINE, IN_TIME, LONG_AFTER, Case

from parity.adapters.clock import SimulatedClock
from parity.domain.care import CareRequest, Channel, OfferResponse, RequestStatus
from parity.domain.compliance import Outcome
from parity.domain.errors import InvalidInput
from parity.domain.scope import MemberScope, Reach
from parity.domain.standards import VisitType
from parity.domain.users import Forbidden, Principal, Role
from parity.domain.workforce import Clinic, Modality, ProviderClass
from parity.entrypoints.reports.compliance import evidence_csv
from parity.services.evidence_trail import evidence_documents
from parity.services.page_queries import request_record
from parity.services.policy import Policy
from parity.services.prior_authorization import RecordPriorAuthorization, record_prior_authorization
from parity.services.reporting import Period
from parity.services.requests import (
    PreferLater,
    RequestCare,
    WithdrawRequest,
    open_request,
    prefer_later_date,
    withdraw_request,
)
from parity.services.work_queue import waiting_entries

WINDOW = Period(date(2026, 6, 1), date(2026, 7, 1))
EVERYONE = MemberScope(Reach.EVERYONE)
STAFF = "scheduler-1"
SAID = "member phoned 2026-06-02 09:10: wants a date after 06-22"
TOLD_AT = at("2026-06-02 09:15")
MEMBERS_DATE = at("2026-06-22 09:00")


def _act(
    case: Case,
    act: str,
    by: str = STAFF,
    *,
    by_staff: bool = True,
    channel: Channel | None = Channel.PHONE,
    note: str = SAID,
    when: datetime = TOLD_AT,
) -> CareRequest:
    """The member's act recorded through its service: a later date, or a withdrawal."""
    request, clock = case._request(), SimulatedClock(when)
    who = (
        Principal(by, Role.SCHEDULER, clinic_ids=(request.clinic_id,))
        if by_staff
        else Principal(by, Role.MEMBER, request.member_id)
    )
    if act == "prefer-later":
        cmd = PreferLater(request.id, MEMBERS_DATE, who, channel, note)
        return prefer_later_date(cmd, case.uow, clock)
    return withdraw_request(WithdrawRequest(request.id, who, channel, note), case.uow, clock)


def _document(case: Case, policy: Policy) -> dict[str, object]:
    request = case._request()
    (doc,) = [
        d
        for d in evidence_documents(case.uow, policy, WINDOW, LONG_AFTER)
        if d["request"] == request.id
    ]
    return doc


ACTS = ["prefer-later", "withdraw"]
EVENT = {"prefer-later": "preference_recorded", "withdraw": "withdrawn"}


# -- class 1: the member's act, recorded by staff, says how and when the member said it ------


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize(
    ("channel", "note"),
    [(None, SAID), (Channel.PHONE, ""), (Channel.PHONE, "   ")],
    ids=["no channel", "no note", "a blank note"],
)
def test_staff_recording_a_members_act_must_say_how_and_when_the_member_said_it(
    policy: Policy, act: str, channel: Channel | None, note: str
) -> None:
    """Like a refusal recorded by staff (ADR 0013, rule 2): a scheduler's click is not the
    member's word; the contact note and the channel are the evidence that the member said
    it. Refused, nothing is written."""
    case = Case()
    request = case.open(policy)
    with pytest.raises(InvalidInput):
        _act(case, act, channel=channel, note=note)
    kept = case.uow.requests.get(request.id)
    assert (kept.status, kept.member_preferred_from, kept.withdrawn_at) == (
        RequestStatus.OPEN,
        None,
        None,
    )


@pytest.mark.parametrize("act", ACTS)
def test_a_members_act_recorded_by_staff_keeps_its_channel_and_note_as_evidence(
    policy: Policy, act: str
) -> None:
    case = Case()
    request = case.open(policy)
    _act(case, act)
    doc = _document(case, policy)
    recorded = doc[EVENT[act]]
    assert recorded == {
        "by": STAFF,
        "at": TOLD_AT.isoformat(timespec="seconds"),
        "channel": "phone",
        "note": SAID,
    }
    assert SAID in evidence_csv([doc])
    assert any(SAID in e["event"] for e in doc["timeline"])  # type: ignore[attr-defined]
    page = request_record(case.uow, EVERYONE, policy, request.id, LONG_AFTER)
    kept = page.request
    if act == "prefer-later":
        assert (kept.preference_channel, kept.preference_note) == (Channel.PHONE, SAID)
    else:
        assert (kept.withdrawal_channel, kept.withdrawal_note) == (Channel.PHONE, SAID)


@pytest.mark.parametrize("act", ACTS)
def test_a_member_acting_for_themselves_records_the_channel_it_came_by(
    policy: Policy, act: str
) -> None:
    case = Case()
    case.open(policy)
    _act(case, act, "m1-login", by_staff=False, channel=None, note="")
    recorded = _document(case, policy)[EVENT[act]]
    assert recorded["by"] == "m1-login"  # type: ignore[index]
    assert recorded["channel"] == "portal"  # type: ignore[index]


# -- class 2: a later date of the member's own choosing never launders a missed deadline -----


def _prefer_then_book_late(case: Case) -> None:
    _act(case, "prefer-later")
    booked_at = TOLD_AT + timedelta(minutes=5)
    case.offer(MEMBERS_DATE + timedelta(hours=1), offered_at=booked_at)
    case.visit(MEMBERS_DATE + timedelta(hours=1), booked_at=booked_at)


def _verdicts(case: Case, policy: Policy) -> tuple[object, object, object]:
    request = case._request()
    row = case.row(policy)
    page = request_record(case.uow, EVERYONE, policy, request.id, LONG_AFTER)
    return row.outcome, page.outcome, _document(case, policy)["outcome"]


def test_a_later_date_chosen_with_no_timely_time_offered_is_judged_by_the_standard(
    policy: Policy,
) -> None:
    """Nothing timely was offered before the member asked for 06-22 (the deadline is 06-15):
    their later date does not show a timely appointment was available; the request is
    late, a violation, everywhere it is judged."""
    case = Case()
    case.open(policy)
    _prefer_then_book_late(case)
    row = case.row(policy)
    assert (row.decided, row.compliant, row.violation) == (True, False, True)
    assert row.deadline == DEADLINE
    assert _verdicts(case, policy) == (Outcome.LATE, Outcome.LATE, Outcome.LATE.value)


def test_a_later_date_chosen_after_a_timely_offer_is_compliant(policy: Policy) -> None:
    """Offered 06-10 (timely) on 06-01, the member said no and asked for 06-22: a delay of
    their own choosing, compliant everywhere."""
    case = Case()
    case.open(policy)
    case.offer(IN_TIME, OfferResponse.DECLINED)
    _prefer_then_book_late(case)
    row = case.row(policy)
    assert (row.decided, row.compliant, row.violation) == (True, True, False)
    chose = Outcome.MEMBER_PREFERENCE
    assert _verdicts(case, policy) == (chose, chose, chose.value)


def test_a_timely_offer_that_never_reached_the_member_does_not_make_the_later_date_a_choice(
    policy: Policy,
) -> None:
    """An SMS offer that expired unanswered and was never delivered is no offer (ADR 0013,
    rule 2): the member chose against nothing."""
    case = Case()
    case.open(policy)
    case.offer(IN_TIME, OfferResponse.EXPIRED, channel=Channel.SMS)
    _prefer_then_book_late(case)
    row = case.row(policy)
    assert (row.compliant, row.violation) == (False, True)


def test_a_later_date_with_no_timely_offer_is_pending_until_the_deadline_passes(
    policy: Policy,
) -> None:
    case = Case()
    case.open(policy)
    _act(case, "prefer-later")
    row = case.row(policy, now=DEADLINE - timedelta(hours=1))
    assert row.decided is False
    late = case.row(policy, now=DEADLINE + timedelta(seconds=1))
    assert (late.decided, late.violation) == (True, True)


# -- class 3: prior authorisation is a recorded determination -------------------------------

NURSE = Principal("um-nurse", Role.SCHEDULER)
CLINICIAN = Principal("ana-login", Role.THERAPIST, clinician_id="ana")
MEMBER = Principal("m1-login", Role.MEMBER, member_id="m1")


def _urgent(case: Case, policy: Policy, by: Principal | None, flag: bool = True) -> CareRequest:
    with case.uow:
        if not case.uow.clinics.list():
            case.uow.clinics.add(Clinic("north", "North Clinic", "1 North St."))
        case.uow.commit()
    cmd = RequestCare(
        "m1",
        VisitType.URGENT,
        ProviderClass.THERAPIST,
        "english",
        (Modality.VIDEO,),
        "north",
        requested_at=ASKED,
        prior_authorization=flag,
        prior_authorized_by=by,
    )
    case.request = open_request(cmd, case.uow, SimulatedClock(ASKED), policy)
    return case.request


@pytest.mark.parametrize("who", [NURSE, CLINICIAN], ids=["staff", "clinician"])
def test_a_prior_authorisation_determined_when_the_request_is_made_allows_96_hours(
    policy: Policy, who: Principal
) -> None:
    case = Case()
    request = _urgent(case, policy, who)
    assert request.deadline == hour_deadline(ASKED, 96)
    assert (request.prior_authorization_by, request.prior_authorization_role) == (
        who.subject,
        who.role.value,
    )
    case.offer(ASKED + timedelta(hours=70), offered_at=ASKED + timedelta(hours=1))
    assert case.row(policy).compliant
    determined = _document(case, policy)["prior_authorization"]
    assert determined == {
        "by": who.subject,
        "role": who.role.value,
        "at": ASKED.isoformat(timespec="seconds"),
        "applied": True,
    }


def test_a_member_cannot_authorise_their_own_urgent_request(policy: Policy) -> None:
    case = Case()
    with pytest.raises(Forbidden):
        _urgent(case, policy, MEMBER)
    assert case.uow.requests.list() == []


def test_a_prior_authorisation_flag_without_who_determined_it_is_refused(policy: Policy) -> None:
    case = Case()
    with pytest.raises(InvalidInput):
        _urgent(case, policy, None)
    assert case.uow.requests.list() == []


def _authorise(case: Case, policy: Policy, who: Principal, after: timedelta) -> CareRequest:
    cmd = RecordPriorAuthorization(case._request().id, who)
    return record_prior_authorization(cmd, case.uow, SimulatedClock(ASKED + after), policy)


def test_a_prior_authorisation_recorded_before_the_48_hours_ran_out_allows_96(
    policy: Policy,
) -> None:
    case = Case()
    _urgent(case, policy, None, flag=False)
    kept = _authorise(case, policy, NURSE, timedelta(hours=47))
    assert kept.deadline == hour_deadline(ASKED, 96)
    case.offer(ASKED + timedelta(hours=70), offered_at=ASKED + timedelta(hours=47, minutes=5))
    row = case.row(policy)
    assert (row.compliant, row.deadline) == (True, hour_deadline(ASKED, 96))


def test_a_prior_authorisation_recorded_after_the_48_hours_ran_out_moves_nothing(
    policy: Policy,
) -> None:
    """The 48 hours had run out with nothing offered: the wait had already failed, and a
    determination made afterwards is kept, not applied."""
    case = Case()
    _urgent(case, policy, None, flag=False)
    kept = _authorise(case, policy, NURSE, timedelta(hours=49))
    assert kept.deadline == hour_deadline(ASKED, 48)
    case.offer(ASKED + timedelta(hours=70), offered_at=ASKED + timedelta(hours=49, minutes=5))
    row = case.row(policy)
    assert (row.compliant, row.violation, row.deadline) == (False, True, hour_deadline(ASKED, 48))
    determined = _document(case, policy)["prior_authorization"]
    assert determined["by"] == NURSE.subject  # type: ignore[index]
    assert determined["applied"] is False  # type: ignore[index]


def test_a_member_cannot_record_a_prior_authorisation_later_either(policy: Policy) -> None:
    case = Case()
    _urgent(case, policy, None, flag=False)
    with pytest.raises(Forbidden):
        _authorise(case, policy, MEMBER, timedelta(hours=1))
    assert case.uow.requests.get(case._request().id).deadline == hour_deadline(ASKED, 48)


def test_a_96_hour_standard_on_record_without_its_determination_is_judged_at_48(
    policy: Policy,
) -> None:
    """A row that says "prior authorisation" but names nobody who determined it (written
    before the determination was recorded, or by hand) does not support 96 hours."""
    case = Case()
    request = _urgent(case, policy, None, flag=False)
    request.prior_authorization = True
    request.standard = "urgent-prior-auth"
    request.deadline = hour_deadline(ASKED, 96)
    case.offer(ASKED + timedelta(hours=70), offered_at=ASKED + timedelta(hours=1))
    row = case.row(policy)
    assert (row.compliant, row.violation, row.deadline) == (False, True, hour_deadline(ASKED, 48))
    assert _document(case, policy)["outcome"] == Outcome.LATE.value


# -- class 4: a repeated ask is one request on the page and in the queue --------------------


def _ask_again(case: Case, policy: Policy, when: datetime) -> CareRequest:
    cmd = RequestCare(
        "m1",
        VisitType.INITIAL,
        ProviderClass.THERAPIST,
        "english",
        (Modality.VIDEO,),
        "north",
        requested_at=when,
    )
    case.request = open_request(cmd, case.uow, SimulatedClock(when), policy)
    return case.request


def test_the_request_page_judges_a_repeated_pair_as_the_report_does(policy: Policy) -> None:
    """The member asked on 06-01 and again on 06-03; the repeat was offered 06-10 (timely for
    the first ask): the first is within standard, waited 7 business days; the repeat is not
    counted apart. The page of each says what the report's row says."""
    case = Case()
    first = case.open(policy)
    repeat = _ask_again(case, policy, at("2026-06-03 09:00"))
    case.offer(IN_TIME, offered_at=at("2026-06-03 10:00"))
    rows = {r.request_id: r for r in case.rows(policy)}
    assert (rows[first.id].outcome, rows[first.id].wait_business_days) == (
        Outcome.WITHIN_STANDARD,
        7,
    )
    assert rows[repeat.id].outcome is Outcome.REPEAT
    for request in (first, repeat):
        page = request_record(case.uow, EVERYONE, policy, request.id, LONG_AFTER)
        row = rows[request.id]
        assert (page.outcome, page.cause, page.wait_business_days) == (
            row.outcome,
            row.cause,
            row.wait_business_days,
        )


def test_the_request_page_of_a_first_ask_never_offered_anything_sees_the_repeats_booking(
    policy: Policy,
) -> None:
    case = Case()
    first = case.open(policy)
    _ask_again(case, policy, at("2026-06-09 09:00"))
    case.offer(at("2026-06-17 10:00"), offered_at=at("2026-06-09 10:00"))
    case.visit(at("2026-06-17 10:00"), booked_at=at("2026-06-09 10:00"))
    page = request_record(case.uow, EVERYONE, policy, first.id, LONG_AFTER)
    # Late, but for the offer made on the repeat: "late-offer", not "no-offer-made".
    assert (page.outcome, page.cause) == (Outcome.LATE, "late-offer")


def test_the_work_queue_shows_a_repeated_pair_once_as_the_first_ask(policy: Policy) -> None:
    case = Case()
    first = case.open(policy)
    repeat = _ask_again(case, policy, at("2026-06-03 09:00"))
    other = case.open(policy)  # another member's request: its own entry
    queue = waiting_entries(case.uow, EVERYONE)
    assert [e.request.id for e in queue] == [first.id, other.id]
    assert [r.id for r in queue[0].repeats] == [repeat.id]
    assert queue[1].repeats == []


def test_the_work_queue_keeps_the_first_ask_once_with_its_booked_repeat_noted(
    policy: Policy,
) -> None:
    case = Case()
    first = case.open(policy)
    repeat = _ask_again(case, policy, at("2026-06-03 09:00"))
    case.offer(IN_TIME, offered_at=at("2026-06-03 10:00"))
    case.visit(IN_TIME, booked_at=at("2026-06-03 10:00"))
    repeat.status = RequestStatus.BOOKED
    queue = waiting_entries(case.uow, EVERYONE)
    assert [e.request.id for e in queue] == [first.id]
    assert [(r.id, r.status) for r in queue[0].repeats] == [(repeat.id, RequestStatus.BOOKED)]


def test_asking_again_after_the_first_was_booked_is_its_own_queue_entry(policy: Policy) -> None:
    case = Case()
    first = case.open(policy)
    case.offer(IN_TIME)
    case.visit(IN_TIME)
    first.status = RequestStatus.BOOKED
    second = _ask_again(case, policy, at("2026-06-20 09:00"))
    queue = waiting_entries(case.uow, EVERYONE)
    assert [(e.request.id, e.repeats) for e in queue] == [(second.id, [])]
