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

from parity.entrypoints.charts import compliance as compliance_charts
from parity.services.compliance_report import ComplianceReport

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
        writer.writerow([*metric["key"], *(metric[c] for c in METRIC_COLUMNS), causes])
    return buffer.getvalue()


def evidence_csv(report: ComplianceReport) -> str:
    """One row per care request: the evidence trail an auditor asks for."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "request",
            "member",
            "standard",
            "clinic",
            "provider_class",
            "requested_at",
            "clock_start",
            "deadline",
            "first_offer_at",
            "first_offer_slot_start",
            "first_offer_slot",
            "wait_business_days",
            "wait_hours",
            "outcome",
            "cause",
        ]
    )
    for r in report.rows:
        writer.writerow(
            [
                r.request_id,
                r.member_id,
                r.standard,
                r.clinic_id,
                r.provider_class,
                r.requested_at.isoformat(),
                r.clock_start.isoformat(),
                r.deadline.isoformat(),
                r.first_offer_at.isoformat() if r.first_offer_at else "",
                r.first_offer_slot_start.isoformat() if r.first_offer_slot_start else "",
                r.first_offer_slot_id or "",
                r.wait_business_days,
                r.wait_hours,
                r.outcome.value,
                r.cause or "",
            ]
        )
    return buffer.getvalue()


def to_html(report: ComplianceReport) -> str:
    environment = Environment(
        loader=PackageLoader("parity.entrypoints", "templates"),
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
