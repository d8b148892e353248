"""Law cases, round nineteen (docs/adr/0013-evidence-a-regulator-accepts.md, 2026-12-08).

Each case is a request's story told through the real services (`law_round19.Story`) on the
in-memory store; the expected deadline or outcome is derived by hand from the rule quoted
beside it (the project brief's statement of H&S §1367.03, 28 CCR §1300.67.2.2 and SB 221),
with each day counted in the comment, never read from the code. The same stories run on
SQLite and PostgreSQL in tests/integration/test_law_cases_round19_sql.py.

Rules used throughout:
* Business day: Monday-Friday, not a California state-office holiday (Gov. Code §19853 as
  CalHR publishes it: the calendar file's citation). N business days end with the Nth
  business day after the clock start's clinic-local date.
* Urgent: 48 elapsed hours from the request, 96 when the plan requires prior authorisation
  (H&S §1367.03(a)(5)(A)-(B)): clock hours, nights, weekends and holidays included.
* What is measured is the offer (28 CCR §1300.67.2.2(c)(5)); a timely offer declined is
  compliant; a clinical exception is the treating or referring provider's determination,
  noted in the record, that a longer wait will not harm the member ((c)(5)(G)).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from law_oracle import LA, at
from law_round19 import (
    DEADLINE,
    LONG_AFTER,
    OTHER_CLINICIAN,
    SCHEDULER,
    STORIES,
    STORIES_EXCEPTION_AT,
    Story,
    exception_at,
)
from unit_support import Region

from parity.adapters.clock import SimulatedClock
from parity.adapters.memory import MemoryUnitOfWork
from parity.domain.care import AppointmentStatus, CancelledBy, Channel, OfferResponse, RequestStatus
from parity.domain.compliance import Outcome
from parity.domain.errors import InvalidInput
from parity.domain.standards import VisitType
from parity.domain.survey import SurveyAnswer, survey_rates
from parity.domain.users import Forbidden
from parity.domain.workforce import Clinic, ProviderClass
from parity.services.compliance_report import build_report
from parity.services.corrective import detect_findings
from parity.services.evidence_trail import evidence_document
from parity.services.offers import AnswerOffer, MakeOffer, answer_offer, make_offer
from parity.services.policy import Policy
from parity.services.reporting import Period, evidence_rows
from parity.services.requests import ReferOutOfNetwork, refer_out_of_network

IN_TIME = at("2026-06-10 10:00")
AFTER = at("2026-06-22 10:00")  # a week after the deadline
EXTENDED = datetime(2026, 6, 26, 23, 59, 59, tzinfo=LA)


def story(policy: Policy) -> Story:
    uow = MemoryUnitOfWork()
    with uow:
        uow.clinics.add(Clinic("north", "North Clinic", "1 North St."))
        uow.commit()
    return Story(uow, policy, itertools.count(1000))


def end_of(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=23, minute=59, second=59, tzinfo=LA)


# -- deadlines: business days on the state's calendar, counted by hand ------------------------

DEADLINES = [
    # (case, asked (LA wall time), visit, provider class, the deadline's last day)
    # Fri 16:59 before MLK Day (Mon 01-19): Tue 20(1) 21 22 23(4) 26-30(9) Mon 02-02(10)
    ("Friday 16:59 before a Monday holiday", "2026-01-16 16:59", "initial", "2026-02-02"),
    # No business-hours cut-off in the rule: 17:01 on Friday is still day 0
    ("Friday 17:01 before a Monday holiday", "2026-01-16 17:01", "initial", "2026-02-02"),
    # Lincoln's Birthday (Thu 02-12) is a business day; Presidents' Day (02-16) is not:
    # 12(1) 13(2) 17(3) 18 19 20(6) 23 24 25(9) 26(10)
    ("Lincoln's Birthday is a business day", "2026-02-11 10:00", "initial", "2026-02-26"),
    # Cesar Chavez Day (Tue 03-31) is a holiday: 04-01(1) 2 3(3) 6-10(8) 13(9) 14(10)
    ("Cesar Chavez Day on a Tuesday", "2026-03-30 10:00", "initial", "2026-04-14"),
    # Cesar Chavez Day on Saturday 2029-03-31 is not observed on Friday 03-30:
    # 30(1) 04-02..06(6) 9 10 11(9) 12(10)
    ("Cesar Chavez Day on a Saturday", "2029-03-29 10:00", "initial", "2029-04-12"),
    # Native American Day (4th Friday of September, 09-25) is commemorative, offices open:
    # 25(1) 28 29 30 10-01 02(6) 5 6 7(9) 8(10)
    ("Native American Day is a business day", "2026-09-24 10:00", "initial", "2026-10-08"),
    # Juneteenth (Fri 06-19) is not a state-office closure; psychiatry, 15 business days:
    # 2-5(4) 8-12(9) 15-19(14) 22(15)
    ("Juneteenth is a business day", "2026-06-01 09:00", "psychiatry", "2026-06-22"),
    # Thanksgiving 11-26 and the day after: 24(1) 25(2) 30(3) 12-01..04(7) 7 8(9) 9(10)
    ("Thanksgiving and the day after", "2026-11-23 10:00", "initial", "2026-12-09"),
    # Asked on Thanksgiving itself: that day is day 0: 30(1) 12-01..04(5) 7..11(10)
    ("asked on Thanksgiving Day", "2026-11-26 10:00", "initial", "2026-12-11"),
    # Across Christmas (Fri) and New Year (Fri): 24(1) 28..31(5) 2027-01-04..08(10)
    ("across Christmas and New Year", "2026-12-23 10:00", "initial", "2027-01-08"),
    # New Year 2028 and Christmas 2027 fall on Saturdays: no Friday closure:
    # 12-30(1) 31(2) 01-03..07(7) 10 11(9) 12(10)
    ("New Year on a Saturday", "2027-12-29 10:00", "initial", "2028-01-12"),
    # Veterans Day 2028 on a Saturday is observed Friday 11-10; Thanksgiving 11-23 and 24:
    # 9(1) 13..17(6) 20 21 22(9) 27(10)
    ("Veterans Day on a Saturday", "2028-11-08 10:00", "initial", "2028-11-27"),
    # 23:30 PDT on the spring-forward Sunday is still Sunday in Los Angeles (06:30 UTC
    # Monday): 03-09..13(5) 16..20(10)
    ("23:30 on the spring-forward day", "2026-03-08 23:30", "initial", "2026-03-20"),
    # 23:30 PST on the fall-back Sunday is 07:30 UTC Monday; Veterans Day Wed 11-11:
    # 2..6(5) 9 10(7) 12 13(9) 16(10)
    ("23:30 on the fall-back day", "2026-11-01 23:30", "initial", "2026-11-16"),
]


@pytest.mark.parametrize(
    ("asked", "kind", "last_day"),
    [case[1:] for case in DEADLINES],
    ids=[case[0] for case in DEADLINES],
)
def test_a_business_day_deadline_ends_on_the_day_counted_by_hand(
    policy: Policy, asked: str, kind: str, last_day: str
) -> None:
    """H&S §1367.03(a)(5)(D)-(E); 28 CCR §1300.67.2.2(c)(5): 10 (psychiatry 15) business days
    from the request, on the state's calendar (Gov. Code §19853, CalHR)."""
    cls = ProviderClass.PSYCHIATRIST if kind == "psychiatry" else ProviderClass.THERAPIST
    request = story(policy).open(at(asked), provider_class=cls)
    assert request.deadline == end_of(last_day)


URGENT = [
    # (case, asked, prior authorisation, the deadline as LA wall time)
    # 48 real hours across the spring-forward night: Sat 10:00 PST -> Mon 11:00 PDT
    ("48 h across spring forward", "2026-03-07 10:00", False, "2026-03-09 11:00"),
    # across the fall-back night: Sat 10:00 PDT -> Mon 09:00 PST
    ("48 h across fall back", "2026-10-31 10:00", False, "2026-11-02 09:00"),
    # a weekend is not skipped: Fri 16:00 -> Sun 16:00
    ("48 h over a weekend", "2026-07-03 16:00", False, "2026-07-05 16:00"),
    # prior authorisation determined at the request: 96 hours, Fri 17:00 -> Tue 17:00
    ("96 h with prior authorisation", "2026-06-05 17:00", True, "2026-06-09 17:00"),
    # 96 hours over Thanksgiving and the day after: Wed 12:00 -> Sun 12:00
    ("96 h over Thanksgiving", "2026-11-25 12:00", True, "2026-11-29 12:00"),
]


@pytest.mark.parametrize(
    ("asked", "authorised", "deadline"),
    [case[1:] for case in URGENT],
    ids=[case[0] for case in URGENT],
)
def test_an_urgent_deadline_counts_clock_hours(
    policy: Policy, asked: str, authorised: bool, deadline: str
) -> None:
    """H&S §1367.03(a)(5)(A)-(B): urgent care within 48 hours of the request, 96 when prior
    authorisation is required; hours, not business days."""
    request = story(policy).open(
        at(asked), VisitType.URGENT, authorized_by=SCHEDULER if authorised else None
    )
    assert request.deadline == at(deadline)


# -- follow-ups (SB 221, H&S §1367.03(a)(5)(F)) ------------------------------------------------


def _prior_visit(s: Story, start: str, status: AppointmentStatus = AppointmentStatus.FULFILLED):
    s.open(at(start) - timedelta(days=3))
    return s.visit(s.offer(at(start), offered_at=at(start) - timedelta(days=2)), status)


def test_a_follow_up_is_due_ten_business_days_after_the_prior_visit(policy: Policy) -> None:
    """SB 221: 10 business days from the prior appointment (Tue 06-02 10:00): 3 4 5(3)
    8-12(8) 15(9) 16(10)."""
    s = story(policy)
    prior = _prior_visit(s, "2026-06-02 10:00")
    follow_up = s.open(at("2026-06-02 11:00"), VisitType.FOLLOW_UP, prior=prior)
    assert (follow_up.standard, follow_up.deadline) == ("follow-up-therapy", end_of("2026-06-16"))


def test_a_follow_up_after_a_no_show_counts_from_the_missed_visit(policy: Policy) -> None:
    """The rule file's [follow_up_clock]: after a no-show the clock starts at the missed
    visit (Wed 06-03 10:00): 4 5(2) 8-12(7) 15 16 17(10)."""
    s = story(policy)
    missed = _prior_visit(s, "2026-06-03 10:00", AppointmentStatus.NOSHOW)
    follow_up = s.open(at("2026-06-03 12:00"), VisitType.FOLLOW_UP, prior=missed)
    assert follow_up.deadline == end_of("2026-06-17")


def test_a_follow_up_of_a_clinic_cancelled_visit_is_refused(policy: Policy) -> None:
    """A visit the clinic cancelled never took place: it is rebooked on its own request,
    which stays under its own standard (and the clinic-cancellation rule); it cannot start
    an SB 221 clock (ADR 0013, 2026-12-07, class 8)."""
    s = story(policy)
    s.open(at("2026-06-01 09:00"))
    visit = s.visit(s.offer(at("2026-06-03 10:00")))
    s.cancel(visit, CancelledBy.CLINIC, at("2026-06-02 08:00"))
    with pytest.raises(InvalidInput):
        s.open(at("2026-06-02 09:00"), VisitType.FOLLOW_UP, prior=visit)


@pytest.mark.parametrize(
    ("prior_start", "standard"),
    [
        # 23:30 PDT on 06-30 is 06:30 UTC on 07-01: still before SB 221 in Los Angeles
        ("2022-06-30 23:30", "follow-up-therapy-before-sb221"),
        ("2022-07-01 00:30", "follow-up-therapy"),
    ],
    ids=["the evening before SB 221", "the first morning of SB 221"],
)
def test_sb_221_applies_from_the_prior_visits_local_date(
    policy: Policy, prior_start: str, standard: str
) -> None:
    """SB 221 is in force from 2022-07-01 for follow-ups of prior appointments from that
    date, a California date."""
    s = story(policy)
    prior = _prior_visit(s, prior_start)
    assert (
        s.open(at(prior_start) + timedelta(hours=2), VisitType.FOLLOW_UP, prior=prior).standard
        == standard
    )


def test_a_psychiatrists_late_follow_up_is_a_plan_policy_miss_not_a_violation(
    policy: Policy,
) -> None:
    """SB 221's follow-up rule covers non-physician providers only; the plan's own figure
    for psychiatrists is reported, never counted as a violation of the law."""
    s = story(policy)
    prior = _prior_visit(s, "2026-06-02 10:00")
    s.open(at("2026-06-02 11:00"), VisitType.FOLLOW_UP, ProviderClass.PSYCHIATRIST, prior=prior)
    s.offer(at("2026-07-20 10:00"))
    row = s.row()
    assert (row.missed, row.violation, row.plan_policy) == (True, False, True)


# -- a cadence longer than the window: the clinician's exception ------------------------------


def _cadence(policy: Policy) -> Story:
    """A follow-up whose course cadence is four weeks: prior visit Tue 06-02 10:00, SB 221
    deadline Tue 06-16, the clinical cadence's time Tue 06-23."""
    s = story(policy)
    prior = _prior_visit(s, "2026-06-02 10:00")
    s.open(at("2026-06-02 11:00"), VisitType.FOLLOW_UP, prior=prior)
    return s


FOUR_WEEKS = at("2026-06-23 10:00")


def test_a_four_week_cadence_without_an_exception_is_late(policy: Policy) -> None:
    s = _cadence(policy)
    s.offer(FOUR_WEEKS, offered_at=at("2026-06-02 11:30"))
    assert (s.row().outcome, s.row().violation) == (Outcome.LATE, True)


def test_a_four_week_cadence_with_the_treating_clinicians_timely_exception_is_compliant(
    policy: Policy,
) -> None:
    s = _cadence(policy)
    s.exception(at("2026-06-02 11:10"), EXTENDED)
    s.offer(FOUR_WEEKS, offered_at=at("2026-06-02 11:30"))
    assert s.row().outcome is Outcome.EXCEPTION_DOCUMENTED


def test_an_exception_recorded_at_the_last_second_of_the_deadline_counts(policy: Policy) -> None:
    s = _cadence(policy)
    s.exception(end_of("2026-06-16"), EXTENDED)
    s.offer(FOUR_WEEKS, offered_at=at("2026-06-02 11:30"))
    assert s.row().outcome is Outcome.EXCEPTION_DOCUMENTED


def test_an_exception_recorded_after_the_deadline_leaves_a_late_request_late(
    policy: Policy,
) -> None:
    """(c)(5)(G) lets the determination lengthen the wait before it is over; once the
    deadline passed with nothing timely offered the wait has failed, and a note written
    afterwards is kept but excuses nothing."""
    s = _cadence(policy)
    s.offer(FOUR_WEEKS, offered_at=at("2026-06-02 11:30"))
    s.exception(at("2026-06-17 09:00"), EXTENDED)
    assert (s.row().outcome, s.row().violation) == (Outcome.LATE, True)


def test_an_offer_after_the_extended_deadline_is_late(policy: Policy) -> None:
    s = _cadence(policy)
    s.exception(at("2026-06-03 09:00"), EXTENDED)
    s.offer(at("2026-06-29 10:00"), offered_at=at("2026-06-03 10:00"))
    assert s.row().outcome is Outcome.LATE


@pytest.mark.parametrize(
    "who", [OTHER_CLINICIAN, SCHEDULER], ids=["another clinician", "a scheduler"]
)
def test_an_exception_by_someone_not_treating_the_member_is_refused_and_excuses_nothing(
    policy: Policy, who: object
) -> None:
    s = _cadence(policy)
    with pytest.raises(Forbidden):
        s.exception(at("2026-06-03 09:00"), EXTENDED, by=who)  # type: ignore[arg-type]
    s.offer(FOUR_WEEKS, offered_at=at("2026-06-03 10:00"))
    assert s.row().outcome is Outcome.LATE


# -- offers, answers and the member's own acts (28 CCR §1300.67.2.2(c)(5)) ---------------------


def test_a_timely_offer_declined_is_compliant(policy: Policy) -> None:
    s = story(policy)
    s.open()
    s.offer(IN_TIME, OfferResponse.DECLINED)
    s.offer(AFTER)
    assert (s.row().outcome, s.row().compliant) == (Outcome.MEMBER_DECLINED, True)


@pytest.mark.parametrize(
    ("when", "timely_offer", "expected"),
    [
        (at("2026-06-03 09:00"), True, Outcome.MEMBER_PREFERENCE),
        (at("2026-06-03 09:00"), False, Outcome.LATE),
        (at("2026-06-17 09:00"), True, Outcome.MEMBER_PREFERENCE),
        (at("2026-06-17 09:00"), False, Outcome.LATE),
    ],
    ids=[
        "before the deadline, after a timely offer",
        "before the deadline, no timely offer",
        "after the deadline, after a timely offer",
        "after the deadline, no timely offer",
    ],
)
def test_a_members_later_date_is_their_choice_only_against_a_timely_offer(
    policy: Policy, when: datetime, timely_offer: bool, expected: Outcome
) -> None:
    """A delay the member chooses is compliant because a timely appointment was offered and
    they chose another; a preference is not an offer, and one recorded after the deadline
    cannot make up for an offer never made. The timely offer here reached the member (its
    message was delivered) and went unanswered."""
    s = story(policy)
    s.open()
    if timely_offer:
        s.offer(IN_TIME, OfferResponse.EXPIRED, offered_at=at("2026-06-02 09:00"), delivered=True)
    s.prefer_later(when, at("2026-07-06 09:00"))
    s.offer(at("2026-07-06 10:00"), offered_at=when + timedelta(hours=1))
    assert s.row().outcome is expected


@pytest.mark.parametrize(
    ("when", "late_offer_first", "expected"),
    [
        (at("2026-06-05 09:00"), False, Outcome.WITHDRAWN),
        (at("2026-06-05 09:00"), True, Outcome.LATE),
        (at("2026-06-17 09:00"), False, Outcome.LATE),
    ],
    ids=["before the deadline", "before the deadline after a late offer", "after the deadline"],
)
def test_a_withdrawal_by_the_member(
    policy: Policy, when: datetime, late_offer_first: bool, expected: Outcome
) -> None:
    """The member who withdraws before anything is due is not counted; one who withdraws
    after the deadline, or after only a late time was offered, left a wait that had failed."""
    s = story(policy)
    s.open()
    if late_offer_first:
        s.offer(AFTER, OfferResponse.DECLINED)
    s.withdraw(when)
    assert s.row().outcome is expected


def test_a_request_the_plan_closes_is_not_a_members_withdrawal(policy: Policy) -> None:
    """Only the member withdraws: a scheduler closing the request without the member's word
    on record is refused (the withdrawal is the member's act, recorded with the channel and
    a contact note), so the plan cannot make a request disappear from the figures."""
    s = story(policy)
    s.open()
    with pytest.raises(InvalidInput):
        s.withdraw(at("2026-06-05 09:00"), by=SCHEDULER)
    assert s.row().outcome is Outcome.LATE


def test_a_no_show_of_a_timely_visit_is_compliant(policy: Policy) -> None:
    s = story(policy)
    s.open()
    s.visit(s.offer(IN_TIME), AppointmentStatus.NOSHOW)
    assert s.row().outcome is Outcome.WITHIN_STANDARD


def test_a_member_cancellation_is_compliant(policy: Policy) -> None:
    s = story(policy)
    s.open()
    visit = s.visit(s.offer(IN_TIME))
    s.cancel(visit, CancelledBy.MEMBER, at("2026-06-08 09:00"))
    assert s.row().outcome is Outcome.MEMBER_CANCELLED


@pytest.mark.parametrize(
    ("reoffered_at", "slot", "expected"),
    [
        (None, None, Outcome.CLINIC_CANCELLED),
        (at("2026-06-08 10:00"), at("2026-06-12 10:00"), Outcome.WITHIN_STANDARD),
        (at("2026-06-10 10:00"), at("2026-06-12 10:00"), Outcome.CLINIC_CANCELLED),
        (at("2026-06-08 10:00"), at("2026-06-17 10:00"), Outcome.CLINIC_CANCELLED),
    ],
    ids=[
        "never re-offered",
        "re-offered promptly in time",
        "re-offered late",
        "re-offered a late time",
    ],
)
def test_a_clinic_cancellation_must_be_rescheduled_promptly(
    policy: Policy, reoffered_at: datetime | None, slot: datetime | None, expected: Outcome
) -> None:
    """A cancellation the clinic starts puts the plan out of compliance unless the visit is
    promptly rescheduled (the rule file's [rescheduling]: a new timely offer by the end of
    the next business day: cancelled Mon 06-08 09:00, prompt until Tue 06-09)."""
    s = story(policy)
    s.open()
    visit = s.visit(s.offer(at("2026-06-09 10:00")))
    s.cancel(visit, CancelledBy.CLINIC, at("2026-06-08 09:00"))
    if reoffered_at is not None and slot is not None:
        s.offer(slot, offered_at=reoffered_at)
    assert s.row().outcome is expected


# -- referrals out of network (SB 855, H&S §1374.72; 28 CCR §1300.67.2.2(c)(7)) -----------------


@pytest.mark.parametrize(
    ("outside", "expected"),
    [
        (at("2026-06-12 10:00"), Outcome.REFERRED_IN_TIME),
        (at("2026-06-18 10:00"), Outcome.REFERRED_LATE),
        (None, Outcome.REFERRED),
    ],
    ids=["within the standard", "after the standard", "not yet known"],
)
def test_a_referral_is_timely_care_when_the_outside_visit_meets_the_standard(
    policy: Policy, outside: datetime | None, expected: Outcome
) -> None:
    s = story(policy)
    s.open()
    s.refer(at("2026-06-03 09:00"), outside)
    assert s.row().outcome is expected


def test_a_referral_counts_against_the_deadline_the_record_supports(policy: Policy) -> None:
    """The outside appointment is judged against the deadline the record supports: the
    treating clinician determined in time (06-12, before the 06-15 deadline) that a wait to
    06-26 would not harm the member ((c)(5)(G)), so an outside visit on 06-22 is timely care,
    whether the determination was recorded before or after the referral was made."""
    s = story(policy)
    s.open()
    s.refer(at("2026-06-03 09:00"), at("2026-06-22 10:00"))
    s.exception(at("2026-06-12 09:00"), EXTENDED)
    row = s.row()
    assert (row.outcome, row.violation, row.referral_in_time) == (
        Outcome.REFERRED_IN_TIME,
        False,
        True,
    )
    # The evidence document says the same as the verdict, not the deadline copied onto the
    # referral when it was made (06-15, which the 06-22 visit missed).
    document = evidence_document(s.uow, policy, s.req.id, LONG_AFTER)
    assert document["referral"]["arranged_in_time"] is True


def test_the_storys_request_carries_the_deadline_counted_by_hand(policy: Policy) -> None:
    """Mon 06-01: 2-5(4) 8-12(9) 15(10)."""
    assert story(policy).open().deadline == DEADLINE == end_of("2026-06-15")


# -- the calendar's data: the state's closures, by hand (Gov. Code §19853; CalHR) --------------

HOLIDAYS_BY_HAND = {
    2026: [
        "01-01",  # New Year's Day (Thu)
        "01-19",  # Martin Luther King Jr. Day, 3rd Monday of January
        "02-16",  # Presidents' Day, 3rd Monday of February (Lincoln's Birthday 02-12: open)
        "03-31",  # Cesar Chavez Day (Tue)
        "05-25",  # Memorial Day, last Monday of May
        # July 4 is a Saturday: not observed on Friday 07-03 (holiday credit)
        "09-07",  # Labor Day, 1st Monday of September
        # Native American Day (4th Friday of September, 09-25): commemorative, open
        "11-11",  # Veterans Day (Wed)
        "11-26",  # Thanksgiving Day, 4th Thursday of November
        "11-27",  # the day after Thanksgiving
        "12-25",  # Christmas Day (Fri)
    ],
    2027: [
        "01-01",  # New Year's Day (Fri)
        "01-18",  # MLK Day
        "02-15",  # Presidents' Day
        "03-31",  # Cesar Chavez Day (Wed)
        "05-31",  # Memorial Day
        "07-05",  # Independence Day falls on a Sunday: observed Monday
        "09-06",  # Labor Day
        "11-11",  # Veterans Day (Thu)
        "11-25",  # Thanksgiving
        "11-26",  # the day after
        # Christmas Day is a Saturday: not observed on Friday 12-24
    ],
}


@pytest.mark.parametrize("year", sorted(HOLIDAYS_BY_HAND))
def test_the_plans_business_calendar_closes_exactly_the_state_holidays(
    policy: Policy, year: int
) -> None:
    """The business days the plan counts are the state offices' (the calendar file's
    citation: Gov. Code §19853 as CalHR publishes it), with no commemorative day
    (Lincoln's Birthday, Native American Day, Juneteenth) and no Friday for a Saturday
    holiday but Veterans Day."""
    calendar = policy.rules.calendar
    closed = {
        f"{d:%m-%d}"
        for d in (date(year, 1, 1) + timedelta(days=n) for n in range(365))
        if d.weekday() < 5 and not calendar.is_business_day(d)
    }
    assert closed == set(HOLIDAYS_BY_HAND[year])


# -- waits, windows and the report's figures ---------------------------------------------------


def test_the_wait_runs_to_the_earliest_time_offered_even_one_declined(policy: Policy) -> None:
    """28 CCR §1300.67.2.2(c)(5): the wait runs from the request to the earliest appointment
    offered: Mon 06-01 to Thu 06-04 (declined) is 3 business days, not the 9 to Fri 06-12."""
    s = story(policy)
    s.open()
    s.offer(at("2026-06-04 10:00"), OfferResponse.DECLINED)
    s.visit(s.offer(at("2026-06-12 10:00"), offered_at=at("2026-06-04 12:00")))
    row = s.row()
    assert (row.wait_business_days, row.first_offer_slot_start) == (3, at("2026-06-04 10:00"))


@pytest.mark.parametrize(
    ("slot", "expected"),
    [("2026-06-03 09:00", Outcome.WITHIN_STANDARD), ("2026-06-03 09:01", Outcome.LATE)],
    ids=["at the 48th hour", "a minute after"],
)
def test_an_urgent_offer_is_timely_up_to_the_48th_hour(
    policy: Policy, slot: str, expected: Outcome
) -> None:
    s = story(policy)
    s.open(at("2026-06-01 09:00"), VisitType.URGENT)
    s.offer(at(slot), offered_at=at("2026-06-01 09:30"))
    assert s.row().outcome is expected


def test_a_follow_up_after_the_members_cancellation_counts_from_the_cancellation(
    policy: Policy,
) -> None:
    """The rule file's [follow_up_clock]: after the member cancels the prior visit (Wed
    06-10), the next follow-up's clock starts when the cancellation was recorded (Mon
    06-08 09:00): 9 10 11 12(4) 15-19(9) 22(10)."""
    s = story(policy)
    s.open(at("2026-06-01 09:00"))
    visit = s.visit(s.offer(at("2026-06-10 10:00")))
    s.cancel(visit, CancelledBy.MEMBER, at("2026-06-08 09:00"))
    follow_up = s.open(at("2026-06-08 09:30"), VisitType.FOLLOW_UP, prior=visit)
    assert (follow_up.clock_start, follow_up.deadline) == (
        at("2026-06-08 09:00"),
        end_of("2026-06-22"),
    )


@pytest.mark.parametrize(
    ("reoffered_at", "expected"),
    [("2026-01-20 10:00", Outcome.WITHIN_STANDARD), ("2026-01-21 10:00", Outcome.CLINIC_CANCELLED)],
    ids=["the next business day after the holiday", "the day after that"],
)
def test_the_prompt_reoffer_window_skips_a_holiday(
    policy: Policy, reoffered_at: str, expected: Outcome
) -> None:
    """Asked Mon 01-05 (deadline: 6-9(4) 12-16(9) [MLK 19] 20(10) Tue 01-20). The clinic
    cancels on Fri 01-16 17:00; the next business day is Tue 01-20 (MLK Day is closed), so a
    new timely offer that day is prompt ([rescheduling], one business day), one on Wed is
    not."""
    s = story(policy)
    s.open(at("2026-01-05 09:00"))
    visit = s.visit(s.offer(at("2026-01-19 10:00"), offered_at=at("2026-01-05 10:00")))
    s.cancel(visit, CancelledBy.CLINIC, at("2026-01-16 17:00"))
    s.offer(at("2026-01-20 15:00"), offered_at=at(reoffered_at))
    row = s.row()
    assert (row.deadline, row.outcome) == (end_of("2026-01-20"), expected)


@pytest.mark.parametrize(
    ("asked", "june"),
    [("2026-06-30 23:30", True), ("2026-07-01 00:30", False)],
    ids=["23:30 on the last day of June", "00:30 on the first of July"],
)
def test_a_request_counts_in_the_month_of_its_local_date(
    policy: Policy, asked: str, june: bool
) -> None:
    """The report's window is of clinic-local dates: 23:30 PDT on 06-30 is 06:30 UTC on
    07-01 and still a June request."""
    s = story(policy)
    s.open(at(asked))
    s.window = Period(date(2026, 6, 1), date(2026, 7, 1))
    rows = evidence_rows(s.uow, policy, s.window, LONG_AFTER)
    assert (len(rows) == 1, rows[0].month if rows else None) == (
        june,
        "2026-06" if june else None,
    )


def test_the_report_counts_the_law_threshold_and_penalty_by_hand(policy: Policy) -> None:
    """Ten decided requests under the law's non-urgent standards, seven offered in time
    (one declined, one by a timely exception, one referred in time), three late: 70 %,
    which reaches the 70 % line (28 CCR §1300.67.2.2: "at least"); three violations at
    $25,000 (SB 858). Not counted: a withdrawal before anything was due, and a psychiatrist's
    late follow-up (a plan-policy miss: reported, never a violation of the law)."""
    s = story(policy)
    for n in range(3):  # with the psychiatry member's first visit below, four in time
        s.member = f"in-time-{n}"
        s.open()
        s.offer(IN_TIME)
    s.member = "declined"
    s.open()
    s.offer(IN_TIME, OfferResponse.DECLINED)
    s.member = "excepted"
    s.open()
    s.exception(at("2026-06-05 09:00"), EXTENDED)
    s.offer(AFTER, offered_at=at("2026-06-05 10:00"))
    s.member = "referred"
    s.open()
    s.refer(at("2026-06-03 09:00"), at("2026-06-12 10:00"))
    for n in range(3):
        s.member = f"late-{n}"
        s.open()
        s.offer(AFTER)
    s.member = "withdrew"
    s.open()
    s.withdraw(at("2026-06-04 09:00"))
    s.member = "psychiatry"
    prior = _prior_visit(s, "2026-06-02 10:00")
    s.open(at("2026-06-02 11:00"), VisitType.FOLLOW_UP, ProviderClass.PSYCHIATRIST, prior=prior)
    s.offer(at("2026-07-20 10:00"))
    report = build_report(s.uow, policy, Period(date(2026, 5, 1), date(2026, 7, 1)), LONG_AFTER)
    (non_urgent,) = [c for c in report.checks if c.name == "non-urgent"]
    assert (non_urgent.decided, non_urgent.share, non_urgent.passed) == (10, 0.7, True)
    headline = report.headline()
    assert (headline["violations"], headline["penalty_exposure_usd"]) == (3, 75_000)
    assert headline["plan_policy_misses"] == 1


# -- a refusal recorded after the offered time began -------------------------------------------


def _offer_by_phone_and_refuse(region: Region, refused_at: str) -> int:
    """Asked Mon 06-01 09:00 for an intake with ana; on Wed 06-03 at 08:30 a scheduler offers
    ana's 11:00 intake by phone (no message: nothing the outbox delivers) and records the
    member's refusal, with a contact note, at `refused_at`."""
    uow, policy = region.uow, region.policy
    request = Story(uow, policy, itertools.count(1)).open()
    with uow:
        (slot,) = [
            s
            for s in uow.slots.for_clinician("ana", at("2026-06-03 11:00"), at("2026-06-03 11:30"))
            if s.start == at("2026-06-03 11:00")
        ]
    offer = make_offer(
        MakeOffer(request.id, slot.id, "sam", Channel.PHONE),
        uow,
        SimulatedClock(at("2026-06-03 08:30")),
        policy,
    )
    answer = AnswerOffer(offer.id, False, SCHEDULER, Channel.PHONE, "member phoned: not 11:00")
    answer_offer(answer, uow, SimulatedClock(at(refused_at)), policy)
    return request.id


@pytest.mark.parametrize(
    ("refused_at", "expected"),
    [("2026-06-03 10:00", Outcome.MEMBER_DECLINED), ("2026-06-03 11:30", Outcome.LATE)],
    ids=["before the time began", "after the time began"],
)
def test_a_refusal_recorded_after_the_offered_time_began_is_no_refusal(
    region: Region, refused_at: str, expected: Outcome
) -> None:
    """What is measured is the offer, and a timely offer the member declines is compliant
    (28 CCR §1300.67.2.2(c)(5)): the member turned down a time they could have taken. A
    refusal first recorded once the time had begun cannot show that: like an offer recorded
    after its time (ADR 0013, 2026-12-07, class 2), it is a note after the fact, and the
    offer is judged as one left unanswered, which counts only if its message reached the
    member. Here nothing was delivered and nothing else offered: late."""
    request_id = _offer_by_phone_and_refuse(region, refused_at)
    rows = evidence_rows(
        region.uow, region.policy, Period(date(2026, 6, 1), date(2026, 7, 1)), LONG_AFTER
    )
    (row,) = [r for r in rows if r.request_id == request_id]
    assert row.outcome is expected


def test_a_late_refusal_of_a_delivered_offer_counts_as_an_offer_left_unanswered(
    policy: Policy,
) -> None:
    """The offer's message reached the member (the outbox delivered it), so it counts as
    made, unanswered (ADR 0013, rule 2): within the standard, but not a refusal."""
    s = story(policy)
    s.open()
    made = at("2026-06-03 08:30")
    s.offer(made + timedelta(minutes=30), OfferResponse.DECLINED, made, delivered=True)
    assert s.row().outcome is Outcome.WITHIN_STANDARD


@pytest.mark.parametrize(
    ("told", "expected"), [s[1:] for s in STORIES], ids=[s[0] for s in STORIES]
)
def test_each_story_counts_as_the_rule_says_in_memory(
    policy: Policy, told: Callable[[Story], None], expected: Outcome
) -> None:
    """The stories of `law_round19.STORIES` (each with its rule there), on the in-memory
    store; tests/integration runs the same on SQLite and PostgreSQL."""
    s = story(policy)
    told(s)
    assert s.row().outcome is expected


@pytest.mark.parametrize(
    ("offered", "cause"),
    [
        ("a late time", "late-offer"),
        ("a time offered once it had begun", "late-offer"),
        ("a timely time, never delivered, unanswered", "no-offer-made"),
        ("a timely time, refused after it began", "no-offer-made"),
    ],
)
def test_a_late_requests_cause_names_what_counts_as_offered(
    policy: Policy, offered: str, cause: str
) -> None:
    """The cause of a violation says why the wait failed: a late time offered, or no offer
    that counts as made (an unanswered offer whose message never reached the member, a
    refusal first recorded after the time began; ADR 0013, rule 2 and 2026-12-08). A timely
    offer that does not count is not a "late offer": nothing late was offered."""
    s = story(policy)
    s.open()
    made = at("2026-06-03 08:30")
    if offered == "a late time":
        s.offer(AFTER)
    elif offered == "a time offered once it had begun":
        s.offer(IN_TIME, offered_at=IN_TIME + timedelta(minutes=5))
    elif offered.startswith("a timely time, never"):
        s.offer(IN_TIME, OfferResponse.EXPIRED, made)
    else:
        s.offer(made + timedelta(minutes=30), OfferResponse.DECLINED, made)
    row = s.row()
    assert (row.outcome, row.cause) == (Outcome.LATE, cause)


@pytest.mark.parametrize(
    ("first_reoffered", "expected"),
    [("2026-06-03 10:00", Outcome.WITHIN_STANDARD), ("2026-06-08 10:00", Outcome.CLINIC_CANCELLED)],
    ids=["both re-offered promptly", "the first re-offered days later"],
)
def test_every_clinic_cancellation_must_be_rescheduled_promptly(
    policy: Policy, first_reoffered: str, expected: Outcome
) -> None:
    """A cancellation the clinic starts must be promptly rescheduled (H&S §1367.03; the rule
    file's [rescheduling]: a new timely offer by the end of the next business day). Asked
    Mon 06-01 (deadline Mon 06-15). The clinic cancels the Fri 06-05 visit on Wed 06-03
    09:00 (prompt until Thu 06-04); the new visit (Wed 06-10) is cancelled by the clinic
    too, on Tue 06-09 09:00, and re-offered at once for Fri 06-12. When the first
    cancellation was re-offered only on Mon 06-08, the plan had already failed to reschedule
    it promptly: a later prompt re-offer after a second cancellation does not undo that."""
    s = story(policy)
    s.open()
    first = s.visit(s.offer(at("2026-06-05 10:00")))
    s.cancel(first, CancelledBy.CLINIC, at("2026-06-03 09:00"))
    second = s.visit(s.offer(at("2026-06-10 10:00"), offered_at=at(first_reoffered)))
    s.cancel(second, CancelledBy.CLINIC, at("2026-06-09 09:00"))
    s.visit(s.offer(at("2026-06-12 10:00"), offered_at=at("2026-06-09 10:00")))
    assert s.row().outcome is expected


@pytest.mark.parametrize(("recorded", "expected"), STORIES_EXCEPTION_AT)
def test_an_exception_in_the_last_second_of_the_deadline_day_is_in_time(
    policy: Policy, recorded: str, expected: Outcome
) -> None:
    """(c)(5)(G): the treating clinician's determination must come within the standard; the
    deadline is the end of Mon 06-15 (counted by hand above), so 23:59:59.4 that day is in
    time and midnight is not."""
    s = story(policy)
    exception_at(recorded)(s)
    assert s.row().outcome is expected


def test_an_outside_visit_before_the_referral_is_refused_and_nothing_kept(policy: Policy) -> None:
    """An outside appointment dated before the referral was made is not the visit the
    referral arranged: counted, it would be care within the standard (SB 855) that nobody
    arranged. Refused in plain words; the referral keeps no appointment."""
    s = story(policy)
    s.open()
    with pytest.raises(InvalidInput, match="before the referral was made"):
        s.refer(at("2026-06-03 09:00"), at("2026-06-02 10:00"))
    with s.uow:
        (referral,) = s.uow.referrals.where(request_id=s.req.id)
    assert referral.appointment_at is None
    assert s.row().outcome is Outcome.REFERRED


def test_a_violation_is_priced_by_the_day_its_deadline_passed(policy: Policy) -> None:
    """SB 858 (2022) raised the most a violation may cost from $2,500 to $25,000 from
    2023-01-01. Two intakes asked for in December 2022, neither offered anything: the one
    asked Mon 12-12 was due Tue 12-27 (12-26 observed Christmas), in 2022: $2,500; the one
    asked Mon 12-19 was due in January 2023 (after 12-26 and the 01-02 observed New Year):
    $25,000."""
    s = story(policy)
    s.member = "before"
    s.open(at("2022-12-12 09:00"))
    s.member = "after"
    s.open(at("2022-12-19 09:00"))
    report = build_report(s.uow, policy, Period(date(2022, 12, 1), date(2023, 1, 1)), LONG_AFTER)
    priced = {
        r.member_id: (r.outcome, r.deadline.astimezone(LA).date(), r.penalty_usd)
        for r in report.rows
    }
    assert priced == {
        "before": (Outcome.LATE, date(2022, 12, 27), 2_500),
        "after": (Outcome.LATE, date(2023, 1, 4), 25_000),
    }
    assert report.headline()["penalty_exposure_usd"] == 27_500


def test_the_seventy_percent_line_is_judged_from_measurement_year_2023_only(
    policy: Policy,
) -> None:
    """28 CCR §1300.67.2.2(b)(12)(A): from measurement year 2023 each network must reach a
    70 % rate of compliance. A June 2022 window's request rate is reported, neither passed
    nor failed; June 2023's is judged (one late intake each: 0 %, below the line)."""
    s = story(policy)
    s.member = "in-2022"
    s.open(at("2022-06-01 09:00"))
    s.member = "in-2023"
    s.open(at("2023-06-01 09:00"))
    judged = {}
    for year in (2022, 2023):
        window = Period(date(year, 6, 1), date(year, 7, 1))
        report = build_report(s.uow, policy, window, LONG_AFTER)
        (check,) = [c for c in report.checks if c.name == "non-urgent"]
        judged[year] = (check.decided, check.share, check.in_force, check.passed)
    assert judged == {2022: (1, 0.0, False, None), 2023: (1, 0.0, True, False)}


def test_a_survey_rate_before_2023_opens_no_finding(region: Region) -> None:
    """The same rule for the regulator's survey rate: a 2022 rate below 70 % is not judged,
    so it opens no corrective-action finding; the same rate in 2023 does."""
    in_force = region.policy.rules.thresholds_in_force
    answers = [
        SurveyAnswer(
            "california",
            f"c{n}",
            at(f"{year}-03-01 10:00"),
            "non-urgent",
            "x",
            None,
            at(f"{year}-03-15 23:59"),
        )
        for year in (2022, 2023)
        for n in range(12)
    ]
    rates = survey_rates(answers, {"non-urgent": 0.70}, in_force)
    assert [(r.year, r.share, r.in_force, r.passed) for r in rates] == [
        (2022, 0.0, False, None),
        (2023, 0.0, True, False),
    ]
    found = detect_findings(rates, region.uow, region.policy, region.clock)
    assert [(f.standard_class, f.period) for f in found] == [("non-urgent", "2023")]


def test_a_referral_naming_an_outside_visit_already_past_is_refused_and_nothing_kept(
    policy: Policy,
) -> None:
    """The same rule when the outside visit is given as the referral is made: a time before
    the referral is refused, and the request stays open, referred to nobody."""
    s = story(policy)
    s.open()
    cmd = ReferOutOfNetwork(s.req.id, "no-capacity", "sam", "Outside", at("2026-06-02 10:00"))
    with pytest.raises(InvalidInput, match="before the referral was made"):
        refer_out_of_network(cmd, s.uow, SimulatedClock(at("2026-06-03 09:00")))
    with s.uow:
        assert not s.uow.referrals.where(request_id=s.req.id)
        assert s.uow.requests.get(s.req.id).status is RequestStatus.OPEN
