"""The charts of the pages and of the report file, as Plotly figure JSON: on a page,
`web/static/parity.js` draws them with the Plotly bundle Parity serves itself (and every
chart's figures are also in a table); the report file inlines the same figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from parity.services.compliance_report import ComplianceReport

THRESHOLD = "#b03a2e"
CLASS_COLOURS = {"urgent": "#7d3c98", "non-urgent": "#1f618d"}
SERIES = ("#1f618d", "#b03a2e", "#1e8449", "#7d3c98", "#b9770e", "#566573")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


@dataclass(frozen=True)
class Chart:
    """One chart for a template: an id, a caption and the figure as JSON."""

    id: str
    title: str
    figure: str


# The compliance charts by id, in reading order, with their titles.
COMPLIANCE = {
    "trend": "Within standard, by week of request",
    "waits": "Wait to first offer (business days)",
    "clinics": "Clinic comparison",
    "causes": "Violations by cause",
}


def _chart(key: str, title: str, figure: Any, percent_axis: bool = False) -> Chart:
    figure.update_layout(
        title={"text": title, "x": 0, "font": {"size": 15}},
        height=320,
        margin={"l": 52, "r": 12, "t": 44, "b": 44},
        font={"family": FONT, "size": 12},
        legend={"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="#ffffff",
        template="plotly_white",
    )
    if percent_axis:
        figure.update_yaxes(tickformat=".0%", range=[0, 1.05])
    return Chart(key, title, str(figure.to_json()))


def _threshold(figure: Any, level: float, *, across: bool = False) -> None:
    line = {"color": THRESHOLD, "dash": "dash", "width": 2}
    text = f"{level:.0%} threshold"
    if across:
        figure.add_vline(x=level, line=line, annotation_text=text, annotation_position="top")
    else:
        figure.add_hline(y=level, line=line, annotation_text=text, annotation_position="top left")


def _decided(report: ComplianceReport, breakdown: str, cls: str) -> list[dict[str, Any]]:
    """A breakdown's rows for one class of standard (urgent, non-urgent) that decided any
    request: a share of nothing is not drawn."""
    return [m for m in report.breakdowns[breakdown] if m["key"][1] == cls and m["decided"]]


def trend(report: ComplianceReport, threshold: float) -> Chart:
    """Share offered within standard by week of request, urgent and non-urgent."""
    figure = go.Figure()
    for cls in ("urgent", "non-urgent"):
        points = _decided(report, "by_week_class", cls)
        figure.add_trace(
            go.Scatter(
                x=[m["key"][0] for m in points],
                y=[m["share_within_standard"] for m in points],
                mode="lines+markers",
                name=cls,
                line={"color": CLASS_COLOURS[cls], "width": 3},
            )
        )
    _threshold(figure, threshold)
    return _chart("trend", COMPLIANCE["trend"], figure, percent_axis=True)


def _short(name: str) -> str:
    """A clinic's name without the words every clinic shares, for a narrow axis."""
    return name.replace(" Medical Center", "").replace(" Medical Offices", "")


def clinics(report: ComplianceReport, names: Mapping[str, str], threshold: float) -> Chart:
    """Share within standard per clinic, urgent and non-urgent side by side."""
    figure = go.Figure()
    for cls in ("urgent", "non-urgent"):
        points = _decided(report, "by_clinic_class", cls)
        figure.add_trace(
            go.Bar(
                y=[_short(names.get(m["key"][0], m["key"][0])) for m in points],
                x=[m["share_within_standard"] for m in points],
                name=cls,
                orientation="h",
                marker={"color": CLASS_COLOURS[cls]},
            )
        )
    _threshold(figure, threshold, across=True)
    figure.update_layout(barmode="group")
    figure.update_xaxes(tickformat=".0%", range=[0, 1.05])
    figure.update_yaxes(autorange="reversed")
    return _chart("clinics", COMPLIANCE["clinics"], figure)


def causes(report: ComplianceReport) -> Chart:
    ranked = report.causes.most_common()
    figure = go.Figure(
        go.Bar(
            x=[n for _, n in ranked],
            y=[c.replace("-", " ") for c, _ in ranked],
            orientation="h",
            marker={"color": THRESHOLD},
        )
    )
    figure.update_yaxes(autorange="reversed")
    return _chart("causes", COMPLIANCE["causes"], figure)


def waits(report: ComplianceReport) -> Chart:
    figure = go.Figure()
    for colour, standard in zip(SERIES, sorted({r.standard for r in report.rows}), strict=False):
        waits = [
            r.wait_business_days
            for r in report.rows
            if r.standard == standard and r.wait_business_days is not None
        ]
        if waits:
            figure.add_trace(
                go.Histogram(
                    x=waits, name=standard, opacity=0.75, xbins={"size": 1}, marker_color=colour
                )
            )
    figure.update_layout(barmode="overlay")
    return _chart("waits", COMPLIANCE["waits"], figure)


def compliance_frames() -> list[Chart]:
    """The compliance charts' boxes, in reading order, without their figures: what a page
    paints first while the figures are built (docs/adr/0017-booking-api-speed.md)."""
    return [Chart(key, title, "") for key, title in COMPLIANCE.items()]


def compliance(report: ComplianceReport, names: Mapping[str, str], threshold: float) -> list[Chart]:
    """The compliance charts the dashboard and the report file both show, in reading order:
    trend, waits, clinics, causes."""
    return [
        trend(report, threshold),
        waits(report),
        clinics(report, names, threshold),
        causes(report),
    ]


# -- the scenario lab -------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One scenario's monthly band of one metric: mean and 5th-95th percentile of runs."""

    scenario: str
    months: Sequence[str]
    mean: Sequence[float | None]
    low: Sequence[float | None]
    high: Sequence[float | None]


def _rgba(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def fan(key: str, title: str, series: Sequence[Series], axis: str) -> Chart:
    """Each scenario's mean line over its shaded 90 % band of runs: the band's upper edge,
    then its lower edge filled up to it (`tonexty`), both unlabelled and silent on hover."""
    figure = go.Figure()
    for colour, one in zip(SERIES * 4, series, strict=False):
        shade = {"fill": "tonexty", "fillcolor": _rgba(colour, 0.16)}
        for values, filled in ((one.high, {}), (one.low, shade)):
            figure.add_trace(
                go.Scatter(
                    x=one.months,
                    y=values,
                    mode="lines",
                    line={"width": 0},
                    showlegend=False,
                    hoverinfo="skip",
                    **filled,
                )
            )
        figure.add_trace(
            go.Scatter(
                x=one.months, y=one.mean, name=one.scenario, line={"color": colour, "width": 3}
            )
        )
    figure.update_yaxes(tickformat=axis)
    return _chart(key, title, figure)
