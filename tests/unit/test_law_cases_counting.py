"""Law cases, as a regulator would try them: how does each request count in the figures?

Each case opens a real request (`open_request`, the packaged California rules), records
what happened as the events the system stores (offers, answers, visits, referrals,
clinical determinations), and reads the figure from the real report path
(`evidence_rows`, the metrics the report prints). The expected verdict comes from the rule
cited beside each case, with its deadline from the independent oracle (`law_oracle.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from law_oracle import at, business_day_deadline

from parity.adapters.clock import SimulatedClock
from parity.adapters.memory import MemoryUnitOfWork
from parity.domain.care import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    CareRequest,
    Channel,
    ClinicalException,
    Offer,
    OfferResponse,
    Referral,
)
from parity.domain.compliance import Outcome
from parity.domain.errors import InvalidInput
from parity.domain.messages import ChannelKind, Message, MessageKind, MessageStatus
from parity.domain.metrics import EvidenceRow, group, threshold_checks
from parity.domain.scope import MemberScope, Reach
from parity.domain.standards import VisitType
from parity.domain.workforce import Clinic, Modality, ProviderClass
from parity.entrypoints.reports.compliance import evidence_csv
from parity.services.compliance_report import build_report
from parity.services.evidence_trail import evidence_documents
from parity.services.investigations import open_finding
from parity.services.page_queries import request_record
from parity.services.policy import Policy
from parity.services.reporting import Period, evidence_rows
from parity.services.requests import RequestCare, open_request

# Monday 2026-06-01 09:00 PDT; 10 business days end Monday 2026-06-15 23:59:59 PDT.
ASKED = at("2026-06-01 09:00")
DEADLINE = business_day_deadline(ASKED, 10)
IN_TIME = at("2026-06-10 10:00")
TOO_LATE = at("2026-06-17 10:00")
LONG_AFTER = at("2026-07-06 12:00")  # when the figures are read


@dataclass
class Case:
    """One request and what was recorded about it."""

    uow: MemoryUnitOfWork = field(default_factory=MemoryUnitOfWork)
    request: CareRequest | None = None

    def open(self, policy: Policy, cls: ProviderClass = ProviderClass.THERAPIST) -> CareRequest:
        with self.uow:
            if not self.uow.clinics.list():
                self.uow.clinics.add(Clinic("north", "North Clinic", "1 North St."))
            self.uow.commit()
        cmd = RequestCare(
            f"m{len(self.uow.requests.list()) + 1}",
            VisitType.INITIAL,
            cls,
            "english",
            (Modality.VIDEO,),
            "north",
            requested_at=ASKED,
        )
        self.request = open_request(cmd, self.uow, SimulatedClock(ASKED), policy)
        return self.request

    def offer(
        self,
        slot_start: datetime,
        response: OfferResponse = OfferResponse.ACCEPTED,
        offered_at: datetime = ASKED + timedelta(hours=1),
        channel: Channel = Channel.PHONE,
    ) -> Offer:
        request = self._request()
        answered = None if response is OfferResponse.PENDING else offered_at + timedelta(hours=1)
        with self.uow:
            made = self.uow.offers.add(
                Offer(
                    request.id,
                    len(self.uow.offers.list()) + 1,
                    "ana",
                    slot_start,
                    offered_at,
                    slot_start <= request.deadline,
                    response,
                    "scheduler-1" if answered else None,
                    answered,
                    channel,
                    "scheduler-1",
                    channel if answered else None,
                    "member said no on the phone" if response is OfferResponse.DECLINED else "",
                )
            )
            self.uow.commit()
        return made

    def visit(
        self, start: datetime, booked_at: datetime = ASKED + timedelta(hours=2)
    ) -> Appointment:
        request = self._request()
        with self.uow:
            made = self.uow.appointments.add(
                Appointment(
                    request.id,
                    request.member_id,
                    "ana",
                    "north",
                    len(self.uow.appointments.list()) + 1,
                    start,
                    start + timedelta(minutes=50),
                    request.visit,
                    Modality.VIDEO,
                    booked_at,
                )
            )
            self.uow.commit()
        return made

    def refer(
        self, outside_at: datetime | None, made_at: datetime = ASKED + timedelta(days=1)
    ) -> None:
        request = self._request()
        with self.uow:
            self.uow.referrals.add(
                Referral(
                    request.id,
                    request.member_id,
                    made_at,
                    request.effective_deadline,
                    "no-capacity",
                    {"cause": "no-capacity"},
                    made_by="scheduler-1",
                    outside_provider="Outside Counselling",
                    appointment_at=outside_at,
                )
            )
            self.uow.commit()

    def row(self, policy: Policy, now: datetime = LONG_AFTER) -> EvidenceRow:
        (only,) = self.rows(policy, now)
        return only

    def rows(self, policy: Policy, now: datetime = LONG_AFTER) -> list[EvidenceRow]:
        return evidence_rows(self.uow, policy, Period(date(2026, 6, 1), date(2026, 7, 1)), now)

    def _request(self) -> CareRequest:
        assert self.request is not None
        return self.request


def test_the_oracles_deadline_is_the_one_the_request_carries(policy: Policy) -> None:
    assert Case().open(policy).deadline == DEADLINE


# -- offers: what is measured is the earliest appointment offered (28 CCR §1300.67.2.2(c)(5))


def test_a_timely_offer_the_member_declined_is_compliant_and_never_a_violation(
    policy: Policy,
) -> None:
    case = Case()
    case.open(policy)
    case.offer(IN_TIME, OfferResponse.DECLINED)
    row = case.row(policy)
    assert (row.decided, row.compliant, row.violation) == (True, True, False)


def test_an_offer_at_the_last_second_of_the_tenth_business_day_is_timely(policy: Policy) -> None:
    case = Case()
    case.open(policy)
    case.offer(DEADLINE)
    assert case.row(policy).compliant


def test_an_offer_at_the_first_minute_of_the_eleventh_business_day_is_late(policy: Policy) -> None:
    case = Case()
    case.open(policy)
    case.offer(at("2026-06-16 00:00"))
    row = case.row(policy)
    assert (row.compliant, row.violation, row.cause) == (False, True, "late-offer")


def test_an_offer_recorded_after_its_time_had_passed_is_no_offer(policy: Policy) -> None:
    """An offer of a time that had already begun when it was recorded could not have been
    taken: it is a note after the fact, not an offer (ADR 0013: an event is written when it
    happened). With nothing else on record the request is late."""
    case = Case()
    case.open(policy)
    case.offer(IN_TIME, OfferResponse.DECLINED, offered_at=IN_TIME + timedelta(days=3))
    row = case.row(policy)
    assert (row.compliant, row.violation, row.cause) == (False, True, "late-offer")


def test_an_offer_never_answered_whose_time_has_passed_counts_only_if_it_reached_the_member(
    policy: Policy,
) -> None:
    """Still "pending" after its time went by, an offer is one the member never answered:
    like an expired one, it counts only when its message was delivered (ADR 0013, rule 2)."""
    case = Case()
    case.open(policy)
    case.offer(IN_TIME, OfferResponse.PENDING, channel=Channel.SMS)
    row = case.row(policy)
    assert (row.compliant, row.violation) == (False, True)


def test_an_open_offer_whose_time_is_still_ahead_counts(policy: Policy) -> None:
    case = Case()
    case.open(policy)
    case.offer(IN_TIME, OfferResponse.PENDING)
    row = case.row(policy, now=IN_TIME - timedelta(days=1))
    assert (row.decided, row.compliant) == (True, True)


# -- clinical exceptions (H&S §1367.03(a)(5)(H); 28 CCR §1300.67.2.2(c)(5)(G)) ----------------


def _extend(case: Case, exception: ClinicalException | None) -> None:
    request = case._request()
    request.extended_deadline = DEADLINE + timedelta(days=14)
    with case.uow:
        case.uow.requests.save(request)
        if exception is not None:
            case.uow.clinical_exceptions.add(exception)
        case.uow.commit()


def _exception(
    role: str, recorded_at: datetime, clinician: str | None = "ana"
) -> ClinicalException:
    return ClinicalException(
        1,
        "ana" if clinician else "sched-1",
        recorded_at,
        "stable; weekly group meanwhile",
        DEADLINE + timedelta(days=14),
        author_role=role,
        clinician_id=clinician,
        late=recorded_at > DEADLINE,
    )


def test_a_later_visit_with_a_clinicians_in_time_determination_is_compliant(policy: Policy) -> None:
    case = Case()
    case.open(policy)
    _extend(case, _exception("therapist", IN_TIME - timedelta(days=5)))
    case.offer(TOO_LATE)
    row = case.row(policy)
    assert (row.compliant, row.outcome.value) == (True, "exception-documented")


@pytest.mark.parametrize(
    ("case_name", "exception"),
    [
        ("no determination on record", None),
        ("written by a scheduler", _exception("scheduler", IN_TIME, clinician=None)),
        ("a scheduler naming a clinician", _exception("scheduler", IN_TIME)),
        ("no clinician behind the account", _exception("therapist", IN_TIME, clinician=None)),
        ("written after the deadline", _exception("therapist", DEADLINE + timedelta(hours=1))),
    ],
)
def test_a_longer_wait_without_a_clinicians_in_time_determination_is_late(
    policy: Policy, case_name: str, exception: ClinicalException | None
) -> None:
    """The extension rests on the determination itself: only a treating or referring
    clinician's, noted in the record before the wait ran out, allows a later time. A deadline
    moved without one is not evidence (ADR 0013: the system never infers an event)."""
    case = Case()
    case.open(policy)
    _extend(case, exception)
    case.offer(TOO_LATE)
    row = case.row(policy)
    assert (row.compliant, row.violation, row.deadline) == (False, True, DEADLINE), case_name


def test_a_late_second_note_never_hides_an_in_time_determination(policy: Policy) -> None:
    case = Case()
    case.open(policy)
    _extend(case, _exception("therapist", IN_TIME - timedelta(days=5)))
    with case.uow:
        case.uow.clinical_exceptions.add(_exception("therapist", DEADLINE + timedelta(days=1)))
        case.uow.commit()
    case.offer(TOO_LATE)
    row = case.row(policy)
    assert (row.compliant, row.outcome.value) == (True, "exception-documented")


# -- out-of-network referrals (SB 855, H&S §1374.72(d); 28 CCR §1300.67.2.2(c)(7)) -----------


def test_a_referral_whose_outside_appointment_met_the_standard_counts_as_timely_care(
    policy: Policy,
) -> None:
    case = Case()
    case.open(policy)
    case.refer(IN_TIME)
    row = case.row(policy)
    assert (row.decided, row.compliant, row.violation) == (True, True, False)


def test_a_referral_whose_outside_appointment_was_late_is_a_violation(policy: Policy) -> None:
    case = Case()
    case.open(policy)
    case.refer(TOO_LATE)
    row = case.row(policy)
    assert (row.compliant, row.violation) == (False, True)
    assert row.cause == "no-capacity"
    (metric,) = group([row], "standard").values()
    summary = metric.summary()
    assert (summary["violations"], summary["penalty_exposure_usd"]) == (1, 25_000)
    assert (summary["out_of_network_referrals"], summary["referrals_arranged_late"]) == (1, 1)


def test_a_referral_whose_outside_appointment_is_unknown_is_neither_timely_nor_a_violation(
    policy: Policy,
) -> None:
    """Not yet known is not inferred either way: not compliant, not priced as a violation."""
    case = Case()
    case.open(policy)
    case.refer(None)
    row = case.row(policy)
    assert (row.decided, row.compliant, row.violation) == (True, False, False)


# -- the member's own acts ---------------------------------------------------------------------


def test_a_request_withdrawn_before_its_deadline_with_nothing_offered_is_not_counted(
    policy: Policy,
) -> None:
    case = Case()
    request = case.open(policy)
    request.withdraw("m1", ASKED + timedelta(days=2))
    row = case.row(policy)
    assert row.decided is False


def test_a_request_withdrawn_after_only_a_late_time_was_offered_is_late(policy: Policy) -> None:
    """The earliest time offered was outside the standard: the wait the law measures had
    already failed, and the member's giving up does not excuse it (28 CCR
    §1300.67.2.2(c)(5): the offer is measured)."""
    case = Case()
    request = case.open(policy)
    case.offer(TOO_LATE, OfferResponse.DECLINED)
    request.withdraw("m1", ASKED + timedelta(days=2))
    row = case.row(policy)
    assert (row.decided, row.compliant, row.violation) == (True, False, True)


def test_a_member_cancelling_a_timely_visit_keeps_it_compliant(policy: Policy) -> None:
    case = Case()
    case.open(policy)
    case.offer(IN_TIME)
    visit = case.visit(IN_TIME)
    visit.cancel(CancelledBy.MEMBER, ASKED + timedelta(days=3), "member asked")
    assert case.row(policy).compliant


def test_a_clinic_cancelling_a_timely_visit_and_never_reoffering_is_a_violation(
    policy: Policy,
) -> None:
    """28 CCR §1300.67.2.2(c)(5) and H&S §1367.03: a provider's cancellation must be promptly
    rescheduled; the timely offer it undid does not count."""
    case = Case()
    case.open(policy)
    case.offer(IN_TIME)
    visit = case.visit(IN_TIME)
    visit.cancel(CancelledBy.CLINIC, ASKED + timedelta(days=3), "clinician ill")
    row = case.row(policy)
    assert (row.compliant, row.violation, row.cause) == (False, True, "clinic-cancellation")


def test_a_no_show_after_a_timely_offer_is_compliant(policy: Policy) -> None:
    case = Case()
    case.open(policy)
    case.offer(IN_TIME)
    case.visit(IN_TIME).close(AppointmentStatus.NOSHOW)
    assert case.row(policy).compliant


# -- denominators ------------------------------------------------------------------------------


def test_the_legal_rate_counts_legal_standards_only_and_each_request_once(policy: Policy) -> None:
    """The 70 % check is a rate of compliance with the law's standards (28 CCR
    §1300.67.2.2(b)(12), (d)): a request under a plan-policy figure (a psychiatrist's
    follow-up) is reported in its own standard, not in the legal rate. Pending and
    withdrawn requests are not decided; each request is one row."""
    case = Case()
    case.open(policy)
    case.offer(IN_TIME)  # request 1: timely
    case.open(policy)
    case.offer(TOO_LATE)  # request 2: late
    case.open(policy)  # request 3: nothing offered, read before its deadline: pending
    follow_up = case.open(policy, ProviderClass.PSYCHIATRIST)
    follow_up.standard = "follow-up-psychiatry"  # a plan-policy standard
    case.offer(TOO_LATE + timedelta(days=20))
    rows = case.rows(policy, now=DEADLINE - timedelta(days=1))
    assert sorted(r.request_id for r in rows) == [1, 2, 3, 4]
    (urgent, non_urgent) = threshold_checks(rows, 0.7, 0.7)
    assert (urgent.decided, non_urgent.decided) == (0, 2)
    assert non_urgent.share == pytest.approx(1 / 2)
    by_standard = group(rows, "standard")
    assert by_standard[("follow-up-psychiatry",)].plan_policy_misses == 1
    assert by_standard[("follow-up-psychiatry",)].violations == 0


# -- one verdict everywhere: the request's own page says what the report counts ---------------


def _page_and_report(case: Case, policy: Policy) -> tuple[tuple[object, ...], tuple[object, ...]]:
    request = case._request()
    page = request_record(case.uow, MemberScope(Reach.EVERYONE), policy, request.id, LONG_AFTER)
    row = case.row(policy)
    return (page.outcome, page.cause, page.wait_business_days), (
        row.outcome,
        row.cause,
        row.wait_business_days,
    )


def test_the_request_page_judges_a_slow_reoffer_after_a_clinic_cancellation_as_the_report_does(
    policy: Policy,
) -> None:
    """Re-offered in time for the deadline, but days after the clinic cancelled: not prompt
    (the rule file's [rescheduling] figure), so a violation on the page as in the report."""
    case = Case()
    case.open(policy)
    case.offer(IN_TIME)
    case.visit(IN_TIME).cancel(CancelledBy.CLINIC, ASKED + timedelta(days=1), "clinician ill")
    case.offer(DEADLINE - timedelta(hours=12), offered_at=ASKED + timedelta(days=6))
    page, report = _page_and_report(case, policy)
    assert report[:2] == (Outcome.CLINIC_CANCELLED, "clinic-cancellation")
    assert page == report


def test_the_request_page_measures_the_wait_to_an_offer_that_counts(policy: Policy) -> None:
    """An offer noted after its time had begun is no offer: neither the page nor the report
    measures the wait to it."""
    case = Case()
    case.open(policy)
    case.offer(at("2026-06-02 10:00"), OfferResponse.DECLINED, offered_at=at("2026-06-03 10:00"))
    case.offer(at("2026-06-12 10:00"), OfferResponse.ACCEPTED)
    page, report = _page_and_report(case, policy)
    assert report == (Outcome.WITHIN_STANDARD, None, 9)
    assert page == report


def test_the_request_page_counts_a_delivered_expired_offer_as_the_report_does(
    policy: Policy,
) -> None:
    case = Case()
    case.open(policy)
    made = case.offer(IN_TIME, OfferResponse.EXPIRED, channel=Channel.SMS)
    with case.uow:
        case.uow.messages.add(
            Message(
                f"offer:{made.id}",
                case._request().member_id,
                MessageKind.OFFER,
                ChannelKind.SMS,
                "+15555550100",
                {},
                made.offered_at,
                made.offered_at,
                MessageStatus.SENT,
                sent_at=made.offered_at,
            )
        )
        case.uow.commit()
    page, report = _page_and_report(case, policy)
    assert report[0] is Outcome.WITHIN_STANDARD
    assert page == report


# -- a request counted once ------------------------------------------------------------------


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


def test_asking_again_while_the_first_request_waits_is_one_request_timed_from_the_first(
    policy: Policy,
) -> None:
    """The member asks on Monday 06-01, hears nothing, asks again on Tuesday 06-09 and is
    booked on Wednesday 06-17 from the second ask. One request, whose 10 business days ran
    from the first ask (ending 06-15): late, counted once — not one violation (the first,
    never offered anything) beside one compliant (the second)."""
    case = Case()
    case.open(policy)
    _ask_again(case, policy, at("2026-06-09 09:00"))
    case.offer(at("2026-06-17 10:00"), offered_at=at("2026-06-09 10:00"))
    case.visit(at("2026-06-17 10:00"), booked_at=at("2026-06-09 10:00"))
    first, repeat = case.rows(policy)
    assert (first.decided, first.compliant, first.violation) == (True, False, True)
    assert first.cause == "late-offer"
    assert repeat.decided is False
    (metric,) = group([first, repeat], "standard").values()
    assert (metric.requests, metric.decided, metric.violations) == (2, 1, 1)


def test_a_timely_offer_on_the_repeat_counts_for_the_first_ask(policy: Policy) -> None:
    case = Case()
    case.open(policy)
    _ask_again(case, policy, at("2026-06-03 09:00"))
    case.offer(IN_TIME, offered_at=at("2026-06-03 10:00"))
    first, repeat = case.rows(policy)
    assert (first.compliant, first.wait_business_days, repeat.decided) == (True, 7, False)


def test_asking_again_after_the_first_request_was_booked_is_a_new_request(policy: Policy) -> None:
    case = Case()
    case.open(policy)
    case.offer(IN_TIME)
    case.visit(IN_TIME)  # booked on 06-01
    _ask_again(case, policy, at("2026-06-20 09:00"))
    case.offer(at("2026-06-24 10:00"), offered_at=at("2026-06-20 10:00"))
    first, second = case.rows(policy)
    assert (first.decided, first.compliant) == (True, True)
    assert (second.decided, second.compliant) == (True, True)


def test_the_evidence_says_an_offer_recorded_after_its_time_is_not_counted(policy: Policy) -> None:
    case = Case()
    request = case.open(policy)
    case.offer(IN_TIME, OfferResponse.DECLINED, offered_at=IN_TIME + timedelta(days=3))
    (doc,) = evidence_documents(
        case.uow, policy, Period(date(2026, 6, 1), date(2026, 7, 1)), LONG_AFTER
    )
    (offer,) = doc["offers"]
    assert (doc["request"], offer["timely"], offer["counts_as_offered"]) == (
        request.id,
        True,
        False,
    )
    assert "not counted as an offer" in evidence_csv([doc])
    assert doc["outcome"] == Outcome.LATE.value


def test_the_evidence_judges_a_repeats_offer_against_the_first_asks_deadline(
    policy: Policy,
) -> None:
    case = Case()
    case.open(policy)
    _ask_again(case, policy, at("2026-06-09 09:00"))
    case.offer(at("2026-06-17 10:00"), offered_at=at("2026-06-09 10:00"))  # timely for the repeat
    first, repeat = evidence_documents(
        case.uow, policy, Period(date(2026, 6, 1), date(2026, 7, 1)), LONG_AFTER
    )
    assert [o["timely"] for o in first["offers"]] == [False]
    assert (first["outcome"], repeat["outcome"], repeat["repeat_of"]) == (
        Outcome.LATE.value,
        Outcome.REPEAT.value,
        first["request"],
    )


def test_the_reports_class_breakdowns_hold_the_laws_standards_only(policy: Policy) -> None:
    """By clinic and class, by week and class: the law's classes. A psychiatrist's
    follow-up (a plan-policy figure) is reported under its standard only."""
    case = Case()
    case.open(policy)
    case.offer(IN_TIME)
    follow_up = case.open(policy, ProviderClass.PSYCHIATRIST)
    follow_up.standard = "follow-up-psychiatry"
    case.offer(TOO_LATE + timedelta(days=20))
    report = build_report(case.uow, policy, Period(date(2026, 6, 1), date(2026, 7, 1)), LONG_AFTER)
    for name in ("by_class", "by_clinic_class", "by_week_class"):
        (only,) = report.breakdowns[name]
        assert (only["decided"], only["within_standard"]) == (1, 1), name
    by_standard = {tuple(m["key"]): m for m in report.breakdowns["by_standard"]}
    assert by_standard[("follow-up-psychiatry",)]["plan_policy_misses"] == 1


def test_no_finding_opens_on_plan_policy_misses_alone(policy: Policy) -> None:
    """A clinic whose only decided non-urgent request is a plan-policy miss has no rate of
    compliance with the law to fall below: the finding is refused, not opened at 0 %."""
    case = Case()
    follow_up = case.open(policy, ProviderClass.PSYCHIATRIST)
    follow_up.standard = "follow-up-psychiatry"
    case.offer(TOO_LATE + timedelta(days=20))
    window = Period(date(2026, 6, 1), date(2026, 7, 1))
    with pytest.raises(InvalidInput):
        open_finding(
            "north",
            "non-urgent",
            window,
            case.rows(policy),
            case.uow,
            policy,
            SimulatedClock(LONG_AFTER),
        )
