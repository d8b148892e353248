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
from datetime import datetime, timedelta

import pytest
from law_oracle import LA, at
from law_round19 import (
    ASKED,
    DEADLINE,
    OTHER_CLINICIAN,
    SCHEDULER,
    Story,
)

from parity.adapters.memory import MemoryUnitOfWork
from parity.domain.care import AppointmentStatus, CancelledBy, OfferResponse
from parity.domain.compliance import Outcome
from parity.domain.errors import InvalidInput
from parity.domain.standards import VisitType
from parity.domain.users import Forbidden
from parity.domain.workforce import Clinic, ProviderClass
from parity.services.policy import Policy

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


def test_the_deadline_of_a_request_is_unchanged_at_its_last_second(policy: Policy) -> None:
    """Sanity: the story's request carries the deadline counted by hand, Mon 06-15."""
    assert story(policy).open().deadline == DEADLINE == end_of("2026-06-15")
    assert ASKED == at("2026-06-01 09:00")
