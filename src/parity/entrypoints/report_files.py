"""Write the compliance report as one self-contained HTML file, CSV or JSON.

The HTML embeds the Plotly bundle that the `plotly` package ships, so the file opens with
no network at all.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

from parity.services.compliance_report import ComplianceReport

THRESHOLD_COLOUR = "#c0392b"
CLASS_COLOURS = {"urgent": "#8e44ad", "non-urgent": "#2471a3"}


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


def _trend_chart(report: ComplianceReport) -> go.Figure:
    figure = go.Figure()
    for cls in ("urgent", "non-urgent"):
        points = [
            m for m in report.breakdowns["by_week_class"] if m["key"][1] == cls and m["decided"]
        ]
        figure.add_trace(
            go.Scatter(
                x=[m["key"][0] for m in points],
                y=[m["share_within_standard"] for m in points],
                mode="lines+markers",
                name=cls,
                line={"color": CLASS_COLOURS[cls]},
            )
        )
    threshold = report.checks[1].threshold if len(report.checks) > 1 else 0.7
    figure.add_hline(
        y=threshold,
        line={"color": THRESHOLD_COLOUR, "dash": "dash"},
        annotation_text=f"{threshold:.0%} threshold",
    )
    figure.update_layout(
        title="Share offered within standard, by week of request",
        yaxis={"tickformat": ".0%", "range": [0, 1.02]},
        xaxis_title="week",
    )
    return figure


def _wait_chart(report: ComplianceReport) -> go.Figure:
    figure = go.Figure()
    for standard in sorted({r.standard for r in report.rows}):
        waits = [
            r.wait_business_days
            for r in report.rows
            if r.standard == standard and r.wait_business_days is not None
        ]
        if waits:
            figure.add_trace(go.Histogram(x=waits, name=standard, opacity=0.7, xbins={"size": 1}))
    figure.update_layout(
        barmode="overlay",
        title="Wait to first offer (business days)",
        xaxis_title="business days from clock start",
        yaxis_title="requests",
    )
    return figure


def _clinic_chart(report: ComplianceReport) -> go.Figure:
    figure = go.Figure()
    for cls in ("non-urgent", "urgent"):
        points = [
            m for m in report.breakdowns["by_clinic_class"] if m["key"][1] == cls and m["decided"]
        ]
        figure.add_trace(
            go.Bar(
                x=[m["key"][0] for m in points],
                y=[m["share_within_standard"] for m in points],
                name=cls,
                marker={"color": CLASS_COLOURS[cls]},
            )
        )
    figure.add_hline(y=0.7, line={"color": THRESHOLD_COLOUR, "dash": "dash"})
    figure.update_layout(
        title="Clinic comparison", yaxis={"tickformat": ".0%", "range": [0, 1.02]}, barmode="group"
    )
    return figure


def _cause_chart(report: ComplianceReport) -> go.Figure:
    causes = report.causes.most_common()
    figure = go.Figure(
        go.Bar(
            x=[c for c, _ in causes], y=[n for _, n in causes], marker={"color": THRESHOLD_COLOUR}
        )
    )
    figure.update_layout(title="Violations by cause", yaxis_title="requests")
    return figure


def to_html(report: ComplianceReport) -> str:
    environment = Environment(
        loader=PackageLoader("parity.entrypoints", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    charts = [
        chart.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})
        for chart in (
            _trend_chart(report),
            _wait_chart(report),
            _clinic_chart(report),
            _cause_chart(report),
        )
    ]
    return environment.get_template("report.html.j2").render(
        report=report, payload=report_payload(report), charts=charts, plotly_js=get_plotlyjs()
    )
