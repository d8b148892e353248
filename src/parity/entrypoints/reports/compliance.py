"""Write the compliance report as one self-contained HTML file, CSV or JSON.

The HTML embeds the Plotly bundle that the `plotly` package ships, so the file opens with
no network at all.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import plotly.io
from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

from parity.entrypoints.reports import cells
from parity.entrypoints.reports.charts import compliance as compliance_charts
from parity.services.compliance_report import ComplianceReport
from parity.services.evidence_trail import how_said

DEFAULT_THRESHOLD = 0.7


def to_json(report: ComplianceReport) -> str:
    return json.dumps(report_payload(report), indent=2, default=str)


def report_payload(report: ComplianceReport) -> dict[str, Any]:
    """The figures as plain data: what the API returns and what the JSON file holds."""
    return {
        "headline": report.headline(),
        "jurisdiction": report.jurisdiction,
        "contract": report.contract,
        "generated_at": report.generated_at.isoformat(),
        "breakdowns": report.breakdowns,
        "protected_time": [
            {
                "clinician": p.clinician_id,
                "week": p.week_start.isoformat(),
                "guaranteed_minutes": p.guaranteed_minutes,
                "kept_minutes": p.kept_minutes,
                "booked_into_minutes": p.booked_into_minutes,
                "shortfall_minutes": p.shortfall_minutes,
            }
            for p in report.protected
        ],
        "corrective_action_plan": [
            {
                "finding": line.finding.id,
                "scope": line.finding.scope,
                "value": line.finding.value,
                "threshold": line.finding.threshold,
                "status": line.finding.status.value,
                "actions": [
                    {
                        "id": a.id,
                        "description": a.description,
                        "owner": a.owner,
                        "due": a.due.isoformat(),
                        "status": a.status.value,
                    }
                    for a in line.actions
                ],
                "overdue_actions": line.overdue,
                "trend": line.trend,
            }
            for line in report.plan
        ],
    }


METRIC_COLUMNS = (
    "requests",
    "decided",
    "within_standard",
    "share_within_standard",
    "mean_wait_business_days",
    "median_wait_business_days",
    "mean_wait_hours",
    "median_wait_hours",
    "violations",
    "out_of_network_referrals",
    "clinic_cancellations_not_rescheduled_promptly",
    "penalty_exposure_usd",
)


def to_csv(report: ComplianceReport) -> str:
    """One row per month × standard × clinic × provider class with every figure."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["month", "standard", "clinic", "provider_class", *METRIC_COLUMNS, "violation_causes"]
    )
    for metric in report.breakdowns["by_month_standard_clinic_provider"]:
        causes = ";".join(f"{k}={v}" for k, v in sorted(metric["violation_causes"].items()))
        writer.writerow(cells.row([*metric["key"], *(metric[c] for c in METRIC_COLUMNS), causes]))
    return buffer.getvalue()


EVIDENCE_COLUMNS = (
    "request",
    "member",
    "standard",
    "plan_policy",
    "citation",
    "clinic",
    "provider_class",
    "requested_at",
    "clock_start",
    "legal_deadline",
    "extended_deadline",
    "prior_appointment",
    "prior_appointment_start",
    "exception_author",
    "exception_role",
    "exception_recorded_at",
    "exception_reason",
    "exception_late_determination",
    "offers",
    "referral_made_at",
    "referral_made_by",
    "referral_outside_provider",
    "referral_outside_appointment",
    "referral_in_network_cost_sharing",
    "referral_arranged_in_time",
    "member_preferred_from",
    "withdrawn_at",
    "member_preference_recorded",
    "member_later_dates",
    "withdrawal_recorded",
    "prior_authorization",
    "wait_business_days",
    "outcome",
    "cause",
    "verdict",
    "as_of",
    "calendar",
)


def evidence_json(documents: list[dict[str, Any]]) -> str:
    """The evidence of every request, one document each (services.evidence_trail)."""
    return json.dumps(documents, indent=2, default=str)


def evidence_csv(documents: list[dict[str, Any]]) -> str:
    """One row per care request: the evidence trail an auditor asks for, every time
    clinic-local with its offset, every offer in one cell in the order it was made."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EVIDENCE_COLUMNS)
    for doc in documents:
        writer.writerow(cells.row(_flat(doc).values()))
    return buffer.getvalue()


def _flat(doc: dict[str, Any]) -> dict[str, Any]:
    prior = doc["prior_appointment"] or {}
    exception = doc["exception"] or {}
    referral = doc["referral"] or {}
    return {
        **{k: doc[k] for k in EVIDENCE_COLUMNS[:11]},
        "prior_appointment": prior.get("id"),
        "prior_appointment_start": prior.get("start"),
        "exception_author": exception.get("author"),
        "exception_role": exception.get("role"),
        "exception_recorded_at": exception.get("recorded_at"),
        "exception_reason": exception.get("reason"),
        "exception_late_determination": exception.get("late_determination"),
        "offers": " | ".join(_offer_text(o) for o in doc["offers"]),
        "referral_made_at": referral.get("made_at"),
        "referral_made_by": referral.get("made_by"),
        "referral_outside_provider": referral.get("outside_provider"),
        "referral_outside_appointment": referral.get("outside_appointment"),
        "referral_in_network_cost_sharing": referral.get("in_network_cost_sharing"),
        "referral_arranged_in_time": referral.get("arranged_in_time"),
        "member_preferred_from": doc["member_preferred_from"],
        "withdrawn_at": (doc["withdrawn"] or {}).get("at"),
        "member_preference_recorded": _said_text(doc["preference_recorded"]),
        "member_later_dates": " | ".join(_later_text(g) for g in doc["later_dates"]),
        "withdrawal_recorded": _said_text(doc["withdrawn"]),
        "prior_authorization": _authorization_text(doc["prior_authorization"]),
        **{k: doc[k] for k in EVIDENCE_COLUMNS[-6:]},
    }


def _said_text(said: dict[str, Any] | None) -> str:
    """A member's act as recorded: by whom, when, the member's channel, the contact note."""
    if not said:
        return ""
    via, note = how_said(said)
    return f"recorded by {said['by']} at {said['at']}{via}{note}"


def _later_text(given: dict[str, Any]) -> str:
    """One of the member's later dates, in the order recorded (docs/adr/0013, 2026-12-08)."""
    state = "in force" if given["in_force"] else "superseded"
    return f"from {given['preferred_from']}, {_said_text(given)} ({state})"


def _authorization_text(determined: dict[str, Any] | None) -> str:
    if not determined:
        return ""
    if not determined["at"]:
        return "claimed, no determination on record: not applied"
    applied = "applied" if determined["applied"] else "not applied (after the urgent deadline)"
    return f"by {determined['by']} ({determined['role']}) at {determined['at']}: {applied}"


def _offer_text(o: dict[str, Any]) -> str:
    answer = f"{o['response']}"
    if o["responded_at"]:
        via = f" via {o['response_channel']}" if o["response_channel"] else ""
        answer += f" at {o['responded_at']}{via}, recorded by {o['recorded_by']}"
    note = f" ({o['contact_note']})" if o["contact_note"] else ""
    delivered = "; message delivered" if o["message_delivered"] else ""
    # An offer the figures do not count (recorded after its time, unanswered and never
    # delivered, before the clock started) says so (docs/adr/0013, 2026-12-07).
    counted = "" if o["counts_as_offered"] else "; not counted as an offer"
    return (
        f"#{o['id']} {o['slot_start']} with {o['clinician']} offered {o['offered_at']} "
        f"via {o['channel']} by {o['offered_by']}: {answer}{note}{delivered}{counted}"
    )


def to_html(report: ComplianceReport) -> str:
    environment = Environment(
        loader=PackageLoader("parity.entrypoints.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    # The same figures as the dashboard's (one definition of each chart), drawn inline.
    threshold = report.checks[-1].threshold if report.checks else DEFAULT_THRESHOLD
    charts = [
        plotly.io.from_json(chart.figure).to_html(
            full_html=False, include_plotlyjs=False, config={"displaylogo": False}
        )
        for chart in compliance_charts(report, {}, threshold)
    ]
    return environment.get_template("report.html.j2").render(
        report=report, payload=report_payload(report), charts=charts, plotly_js=get_plotlyjs()
    )
