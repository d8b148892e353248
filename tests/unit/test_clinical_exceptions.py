"""Clinical exceptions are clinicians' determinations (28 CCR §1300.67.2.2(c)(5)(G)).

The rule, as the tests read it: only the treating or referring clinician, signed in, may
document that a longer wait will not harm the member; the author and role come from the
session and the time from the server; the reason and the new date are required; one
documented after the legal deadline is kept as a late determination and the request stays
late; a course whose cadence is longer than the follow-up window never creates one by
itself: the follow-up is offered within the window and the clinician gets a to-do.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from parity.bootstrap import build_simulation
from parity.config import Settings
from parity.domain.care import CareRequest, Course
from parity.domain.compliance import Outcome, RequestEvidence, classify
from parity.domain.errors import InvalidInput
from parity.domain.standards import VisitType
from parity.domain.users import Forbidden, Principal, Role
from parity.domain.workforce import Modality, ProviderClass
from parity.services.booking import BookRequest, book_request
from parity.services.courses import BookFollowUp, book_follow_up, exception_todos, start_course
from parity.services.requests import (
    RecordClinicalException,
    RequestCare,
    open_request,
    record_clinical_exception,
)

LA = ZoneInfo("America/Los_Angeles")
# Asked on Sunday 2026-05-31: 10 business days end on Friday 2026-06-12 (see the region).
LEGAL_DEADLINE = datetime(2026, 6, 12, 23, 59, 59, tzinfo=LA)
LATER = datetime(2026, 6, 19, 23, 59, 59, tzinfo=LA)
ANA = Principal("dr.ana", Role.THERAPIST, clinician_id="ana")


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LA)


def ask(region, clinician: str | None = "ana") -> CareRequest:
    cmd = RequestCare(
        "m1",
        VisitType.INITIAL,
        ProviderClass.THERAPIST,
        "english",
        (Modality.IN_PERSON,),
        "north",
        preferred_clinician_id=clinician,
    )
    return open_request(cmd, region.uow, region.clock, region.policy)


def document(region, request: CareRequest, who: Principal = ANA, reason: str = "stable"):
    cmd = RecordClinicalException(request.id, who, reason, LATER)
    return record_clinical_exception(cmd, region.uow, region.clock)


def test_the_treating_clinician_documents_it_under_their_own_name_and_role(region) -> None:
    request = ask(region)
    found = document(region, request, reason="  no harm from a later visit  ")
    assert (found.author, found.author_role, found.clinician_id) == ("dr.ana", "therapist", "ana")
    assert found.recorded_at == region.clock.now()
    assert found.reason == "no harm from a later visit"
    assert found.late is False
    assert request.effective_deadline == LATER
    assert request.deadline == LEGAL_DEADLINE


@pytest.mark.parametrize(
    "who",
    [
        Principal("sam", Role.SCHEDULER, clinic_ids=("north",)),
        Principal("root", Role.ADMIN),
        Principal("meg", Role.MANAGER),
        Principal("m1", Role.MEMBER, member_id="m1"),
    ],
)
def test_no_one_but_a_clinician_may_document_it(region, who: Principal) -> None:
    request = ask(region)
    with pytest.raises(Forbidden):
        document(region, request, who)
    assert region.uow.clinical_exceptions.list() == []
    assert request.effective_deadline == LEGAL_DEADLINE


def test_a_clinician_who_neither_treats_nor_referred_the_member_may_not(region) -> None:
    request = ask(region)
    with pytest.raises(Forbidden):
        document(region, request, Principal("dr.ben", Role.THERAPIST, clinician_id="ben"))
    assert region.uow.clinical_exceptions.list() == []


def test_the_clinician_of_the_members_earlier_visit_may_document_it(region) -> None:
    earlier = ask(region, clinician=None)
    book_request(BookRequest(earlier.id), region.uow, region.clock, region.policy)
    treating = region.uow.appointments.where(request_id=earlier.id)[0].clinician_id
    request = ask(region, clinician=None)
    who = Principal(f"dr.{treating}", Role.THERAPIST, clinician_id=treating)
    assert document(region, request, who).clinician_id == treating


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_needs_a_reason(region, reason: str) -> None:
    request = ask(region)
    with pytest.raises(InvalidInput, match="reason"):
        document(region, request, reason=reason)
    assert region.uow.clinical_exceptions.list() == []


def test_the_new_date_must_be_later_than_the_legal_deadline(region) -> None:
    request = ask(region)
    cmd = RecordClinicalException(request.id, ANA, "stable", LEGAL_DEADLINE - timedelta(days=2))
    with pytest.raises(InvalidInput, match="extend"):
        record_clinical_exception(cmd, region.uow, region.clock)


def test_documented_after_the_deadline_it_is_a_late_determination_and_the_request_stays_late(
    region,
) -> None:
    request = ask(region)
    region.clock.set(LEGAL_DEADLINE + timedelta(hours=9))
    found = document(region, request)
    assert found.late is True
    assert request.effective_deadline == LEGAL_DEADLINE
    evidence = RequestEvidence(request, [], [], None, found)
    assert classify(evidence, LEGAL_DEADLINE + timedelta(days=1)) is Outcome.LATE


def _course_with_a_first_visit(region, cadence_days: int) -> tuple[Course, int]:
    first = ask(region)
    slot = next(
        s
        for s in region.uow.slots.for_clinician(
            "ana", at(date(2026, 6, 3), 0), at(date(2026, 6, 4), 0)
        )
        if s.start == at(date(2026, 6, 3), 9)
    )
    decision = book_request(BookRequest(first.id, slot.id), region.uow, region.clock, region.policy)
    course = Course(
        "m1",
        "ana",
        ProviderClass.THERAPIST,
        "english",
        (Modality.IN_PERSON,),
        "north",
        cadence_days,
        6,
        1,
    )
    start_course(course, region.uow)
    assert decision.appointment_id is not None
    return course, decision.appointment_id


def test_a_longer_cadence_never_writes_an_exception_and_offers_the_follow_up_in_the_window(
    region,
) -> None:
    course, prior = _course_with_a_first_visit(region, cadence_days=28)
    decision = book_follow_up(
        BookFollowUp(course.id, prior), region.uow, region.clock, region.policy
    )
    assert region.uow.clinical_exceptions.list() == []
    follow_up = region.uow.requests.get(decision.request_id)
    # SB 221: 10 business days after Wednesday 2026-06-03 end on Wednesday 2026-06-17.
    assert follow_up.deadline == datetime(2026, 6, 17, 23, 59, 59, tzinfo=LA)
    assert decision.action == "booked"
    assert decision.starts_at is not None
    assert decision.starts_at <= follow_up.deadline


def test_a_longer_cadence_puts_a_to_do_on_the_treating_clinicians_list_until_documented(
    region,
) -> None:
    course, prior = _course_with_a_first_visit(region, cadence_days=28)
    decision = book_follow_up(
        BookFollowUp(course.id, prior), region.uow, region.clock, region.policy
    )
    todos = exception_todos("ana", region.uow)
    assert [(t.request_id, t.cadence_days) for t in todos] == [(decision.request_id, 28)]
    assert exception_todos("ben", region.uow) == []
    follow_up = region.uow.requests.get(decision.request_id)
    cmd = RecordClinicalException(
        follow_up.id, ANA, "monthly is enough", datetime(2026, 7, 2, 23, 59, 59, tzinfo=LA)
    )
    record_clinical_exception(cmd, region.uow, region.clock)
    assert exception_todos("ana", region.uow) == []


def test_a_cadence_within_the_window_asks_nothing_of_the_clinician(region) -> None:
    course, prior = _course_with_a_first_visit(region, cadence_days=7)
    book_follow_up(BookFollowUp(course.id, prior), region.uow, region.clock, region.policy)
    assert exception_todos("ana", region.uow) == []
    assert region.uow.clinical_exceptions.list() == []


def test_every_exception_in_the_simulator_is_its_treating_clinicians_own() -> None:
    """The simulator writes no exception of its own: a simulated clinician documents one (at
    the region's ESTIMATE rate) under their own name, for a member of their own course."""
    settings = Settings(contract="socal-2025", region="demo", seed=7)
    simulation, _ = build_simulation(
        settings, weeks=3, scale=0.5, warmup_weeks=3, start=date(2026, 3, 2)
    )
    run = simulation.run()
    assert run.errors == []
    long_courses = [c for c in run.uow.courses.list() if c.cadence_days > 14]
    assert long_courses, "the demo region should have courses whose cadence exceeds the window"
    requests = {r.id: r for r in run.uow.requests.list()}
    courses = {c.id: c for c in run.uow.courses.list()}
    for found in run.uow.clinical_exceptions.list():
        course_id = requests[found.request_id].course_id
        assert course_id is not None, f"exception {found.id} is not on a course's follow-up"
        treating = courses[course_id].clinician_id
        assert (found.author, found.author_role, found.clinician_id) == (
            treating,
            "therapist",
            treating,
        )


def test_until_documented_the_follow_up_is_offered_as_near_the_cadence_as_the_window_allows(
    region,
) -> None:
    # Prior visit Wednesday 06-03; the SB 221 window ends Wednesday 06-17. A 28-day cadence
    # runs past it, so the search starts two business days before the deadline (Monday
    # 06-15): Ana's next follow-up slot then is Tuesday 06-16 09:00, not Tuesday 06-09.
    course, prior = _course_with_a_first_visit(region, cadence_days=28)
    decision = book_follow_up(
        BookFollowUp(course.id, prior), region.uow, region.clock, region.policy
    )
    assert decision.starts_at == at(date(2026, 6, 16), 9)
