"""Compliance metrics, per-request evidence, the corrective-action plan and the report files."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from unit_support import Region

from parity.domain.care import CancelledBy
from parity.domain.compliance import Outcome
from parity.domain.corrective import ActionStatus, breaches
from parity.domain.errors import InvalidInput, InvalidTransition
from parity.domain.metrics import EvidenceRow, group, threshold_checks
from parity.domain.standards import VisitType
from parity.domain.survey import SurveyRate
from parity.domain.workforce import Modality, ProviderClass
from parity.entrypoints.reports.compliance import evidence_csv, to_csv, to_html, to_json
from parity.services.booking import BookRequest, book_request
from parity.services.compliance_report import build_report
from parity.services.corrective import (
    AddAction,
    add_action,
    corrective_plan,
    detect_findings,
    move_action,
)
from parity.services.evidence_trail import evidence_documents
from parity.services.reporting import Period, evidence_rows
from parity.services.requests import RequestCare, open_request
from parity.services.visits import CancelAppointment, cancel_appointment

T0 = datetime(2026, 6, 1, 16, tzinfo=UTC)


def row(
    outcome: Outcome,
    standard: str = "initial-therapy",
    clinic: str = "north",
    wait: int | None = 3,
    cause: str | None = None,
    month: str = "2026-06",
    penalty: int = 0,
) -> EvidenceRow:
    return EvidenceRow(
        1,
        "m",
        standard,
        clinic,
        "therapist",
        T0,
        T0,
        T0 + timedelta(days=14),
        outcome,
        date(2026, 6, 1),
        month,
        wait_business_days=wait,
        wait_hours=None if wait is None else wait * 24.0,
        cause=cause,
        penalty_usd=penalty,
    )


def test_metrics_count_compliant_outcomes_and_price_the_violations() -> None:
    rows = [
        row(Outcome.WITHIN_STANDARD, wait=2),
        row(Outcome.MEMBER_DECLINED, wait=4),
        row(Outcome.LATE, wait=12, cause="late-offer", penalty=25_000),
        row(Outcome.CLINIC_CANCELLED, cause="clinic-cancellation", penalty=25_000),
        row(Outcome.REFERRED, wait=None, cause="no-capacity"),
        row(Outcome.PENDING, wait=None),
    ]
    ((key, metric),) = group(rows, "standard").items()
    assert key == ("initial-therapy",)
    assert (metric.requests, metric.decided, metric.compliant) == (6, 5, 2)
    assert metric.share_within_standard == pytest.approx(2 / 5)
    summary = metric.summary()
    assert summary["violations"] == 2  # the referral is care arranged, not a violation
    assert summary["penalty_exposure_usd"] == 50_000
    assert summary["median_wait_business_days"] == 3.5  # offers at 2, 3 (then cancelled), 4, 12
    assert summary["violation_causes"] == {"late-offer": 1, "clinic-cancellation": 1}
    assert summary["out_of_network_referrals"] == 1


def test_thresholds_are_judged_separately_for_urgent_and_non_urgent() -> None:
    rows = [
        row(Outcome.WITHIN_STANDARD, standard="urgent"),
        row(Outcome.LATE, standard="urgent"),
        *(row(Outcome.WITHIN_STANDARD) for _ in range(8)),
        *(row(Outcome.LATE) for _ in range(2)),
    ]
    urgent, non_urgent = threshold_checks(rows, 0.7, 0.7)
    assert (urgent.share, urgent.passed) == (0.5, False)
    assert (non_urgent.share, non_urgent.passed) == (0.8, True)
    assert threshold_checks([], 0.7, 0.7)[0].passed is None


def test_a_breach_needs_enough_requests_and_a_share_below_the_threshold() -> None:
    shares = {
        ("north", "non-urgent", "2026-06"): (0.6, 40),
        ("south", "non-urgent", "2026-06"): (0.5, 3),
        ("east", "non-urgent", "2026-06"): (0.9, 40),
    }
    at = datetime(2026, 7, 1, tzinfo=UTC)
    found = breaches(shares, {"urgent": 0.7, "non-urgent": 0.7}, minimum_decided=10, detected_at=at)
    assert [(b.clinic_id, b.value) for b in found] == [("north", 0.6)]


def _request(
    region: Region,
    member: str,
    language: str = "english",
    modalities: tuple[Modality, ...] = (Modality.IN_PERSON,),
) -> int:
    cmd = RequestCare(
        member, VisitType.INITIAL, ProviderClass.THERAPIST, language, modalities, "north"
    )
    return open_request(cmd, region.uow, region.clock, region.policy).id


def test_evidence_rows_carry_the_offer_wait_outcome_and_cause(region: Region) -> None:
    booked = _request(region, "m1")
    book_request(BookRequest(booked), region.uow, region.clock, region.policy)
    referred = _request(region, "m2", language="vietnamese")
    book_request(BookRequest(referred), region.uow, region.clock, region.policy)
    cancelled = _request(region, "m3")
    decision = book_request(BookRequest(cancelled), region.uow, region.clock, region.policy)
    assert decision.appointment_id is not None
    cancel_appointment(
        CancelAppointment(decision.appointment_id, CancelledBy.CLINIC, "sick"),
        region.uow,
        region.clock,
    )
    window = Period(date(2026, 5, 25), date(2026, 6, 29))
    later = region.clock.now() + timedelta(days=30)
    rows = {r.request_id: r for r in evidence_rows(region.uow, region.policy, window, later)}
    # Requested Sunday 2026-05-31; Ana's first in-person intake is Wednesday 2026-06-03 09:00.
    assert rows[booked].outcome is Outcome.WITHIN_STANDARD
    assert rows[booked].wait_business_days == 3
    assert rows[booked].first_offer_slot_start == datetime(2026, 6, 3, 16, tzinfo=UTC)
    assert rows[referred].outcome is Outcome.REFERRED
    assert rows[referred].cause == "language-unmatched"
    assert rows[cancelled].outcome is Outcome.CLINIC_CANCELLED
    assert rows[cancelled].clinic_cancelled_unrescheduled
    assert rows[booked].week == date(2026, 5, 25)


def test_findings_come_from_the_survey_rate_once_and_actions_flag_when_overdue(
    region: Region,
) -> None:
    # The regulator's rate, per network and measurement year: 4 of 12 provider answers
    # within the standard is below the 70 % line; enough answers to judge (10).
    below = SurveyRate("california", 2026, "non-urgent", 12, 4, 0.70)
    passing = SurveyRate("california", 2026, "urgent", 12, 11, 0.70)
    first = detect_findings([below, passing], region.uow, region.policy, region.clock)
    assert [(f.clinic_id, f.standard_class, f.period) for f in first] == [
        ("california", "non-urgent", "2026")
    ]
    assert detect_findings([below, passing], region.uow, region.policy, region.clock) == []
    assert (
        detect_findings(
            [SurveyRate("other", 2026, "urgent", 9, 0, 0.70)],
            region.uow,
            region.policy,
            region.clock,
        )
        == []
    ), "fewer than ten answers is too few to call a breach"
    action = add_action(
        AddAction(first[0].id, "Add evening intake block", "Clinic lead", date(2026, 6, 10)),
        region.uow,
        region.clock,
    )
    with pytest.raises(InvalidInput):
        add_action(
            AddAction(first[0].id, "  ", "Clinic lead", date(2026, 6, 10)), region.uow, region.clock
        )
    later = SurveyRate("california", 2027, "non-urgent", 12, 12, 0.70)
    (line,) = corrective_plan([below, passing, later], region.uow, date(2026, 6, 11))
    assert line.overdue == [action.id]
    assert line.trend == [("2026", pytest.approx(4 / 12)), ("2027", 1.0)]
    move_action(action.id, ActionStatus.DONE, region.uow, region.clock)
    (line,) = corrective_plan([below], region.uow, date(2026, 6, 11))
    assert line.overdue == []
    with pytest.raises(InvalidTransition):
        move_action(action.id, ActionStatus.IN_PROGRESS, region.uow, region.clock)


def test_the_report_files_hold_the_same_figures_and_the_html_needs_no_network(
    region: Region,
) -> None:
    for member in ("m1", "m2", "m3"):
        book_request(BookRequest(_request(region, member)), region.uow, region.clock, region.policy)
    report = build_report(
        region.uow,
        region.policy,
        Period(date(2026, 5, 25), date(2026, 6, 29)),
        region.clock.now() + timedelta(days=30),
    )
    payload = json.loads(to_json(report))
    assert payload["headline"]["requests"] == 3
    metrics = list(csv.DictReader(io.StringIO(to_csv(report))))
    assert sum(int(m["requests"]) for m in metrics) == 3
    documents = evidence_documents(
        region.uow,
        region.policy,
        Period(date(2026, 5, 25), date(2026, 6, 29)),
        region.clock.now() + timedelta(days=30),
    )
    evidence = list(csv.DictReader(io.StringIO(evidence_csv(documents))))
    assert {e["outcome"] for e in evidence} == {"within-standard"}
    page = to_html(report)
    assert "Plotly" in page
    assert "<script src=" not in page
    assert "cdn" not in page.split("</head>")[1].lower()
    # The file draws the dashboard's own four charts (one definition of each).
    for title in (
        "Within standard, by week of request",
        "Wait to first offer",
        "Clinic comparison",
    ):
        assert title in page
    assert page.count('class="plotly-graph-div"') == 4


FORMULAS = ['=HYPERLINK("http://evil.example","open")', "+1+1", "-2+3", "@SUM(A1)", "\tx"]


@pytest.mark.parametrize("typed", FORMULAS)
def test_text_a_spreadsheet_would_run_is_written_as_text_in_the_evidence_file(
    region: Region, typed: str
) -> None:
    book_request(BookRequest(_request(region, "m1")), region.uow, region.clock, region.policy)
    period = Period(date(2026, 5, 25), date(2026, 6, 29))
    (document,) = evidence_documents(
        region.uow, region.policy, period, region.clock.now() + timedelta(days=30)
    )
    # A clinician's reason as typed (OWASP "CSV Injection": a cell starting with = + - @
    # or a tab is a formula to Excel, LibreOffice and Google Sheets).
    document["exception"] = {"author": "c1", "role": "therapist", "reason": typed}
    (written,) = csv.DictReader(io.StringIO(evidence_csv([document])))
    assert written["exception_reason"] == "'" + typed
    assert written["outcome"] == document["outcome"]  # plain text stays as it is


@pytest.mark.parametrize(
    ("due", "words"),
    [
        (date(1, 1, 1), "before finding"),
        (date(2026, 5, 1), "before finding"),
        (date(9999, 12, 31), "more than five years ahead"),
    ],
)
def test_an_action_due_before_its_finding_or_years_ahead_is_refused(
    region: Region, due: date, words: str
) -> None:
    below = SurveyRate("california", 2026, "non-urgent", 12, 4, 0.70)
    (finding,) = detect_findings([below], region.uow, region.policy, region.clock)
    with pytest.raises(InvalidInput, match=words):
        add_action(AddAction(finding.id, "Evening intake", "Lead", due), region.uow, region.clock)
    with region.uow:
        assert region.uow.actions.list() == []
    opened = finding.detected_at.date()
    made = add_action(
        AddAction(finding.id, "Evening intake", "Lead", opened), region.uow, region.clock
    )
    assert made.due == opened
