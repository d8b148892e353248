"""Write a scenario comparison: one self-contained HTML report (Plotly embedded, so it
opens with no network), a monthly CSV and a summary CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

from parity.entrypoints.reports import cells
from parity.simulation.outcomes import Band, ScenarioOutcome, Split, split_runs

COLOURS = ("#2471a3", "#c0392b", "#1e8449", "#8e44ad", "#d68910", "#566573")


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _one(value: float) -> str:
    return f"{value:,.1f}"


def _usd(value: float) -> str:
    return f"${value / 1e6:,.2f} M" if abs(value) >= 1e6 else f"${value:,.0f}"


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    show: Callable[[float], str]
    # The gap between two groups of runs that makes them two states (split_runs); None:
    # not checked (counts and money, whose run-to-run noise has no scale fixed in advance).
    material: float | None = None

    def split(self, runs: Sequence[float | None]) -> Split | None:
        return None if self.material is None else split_runs(runs, self.material)

    def verdict(self, runs: Sequence[float | None]) -> str | None:
        """Plain words when the runs cannot give this figure a level: split in two, or
        spread over more than twice what matters; None when they can."""
        split = self.split(runs)
        present = sorted(float(v) for v in runs if v is not None)
        if split is not None:
            return (
                f"the {len(present)} runs split in two, {_group(split.low, self)} and "
                f"{_group(split.high, self)}"
            )
        if self.material is None or len(present) < 2:
            return None
        if present[-1] - present[0] >= WIDE * self.material:
            return (
                f"the {len(present)} runs spread from {self.show(present[0])} to "
                f"{self.show(present[-1])}"
            )
        return None


# Two groups of runs this far apart are two states, not noise: 10 points of a share within
# standard (the compliance figures a bargaining table reads; with 4 runs from one normal
# spread, a gap that wide beside a tight group is rare unless that spread is several points),
# or 3 business days of a wait. Runs spread over twice that, split or not, give no level.
SHARE_POINTS = 0.10
WAIT_DAYS = 3.0
WIDE = 2.0


HEADLINE = (
    Figure("initial_within_standard", "initial offers within standard", _pct, SHARE_POINTS),
    Figure(
        "follow_up_within_standard", "follow-up offers within standard (SB 221)", _pct, SHARE_POINTS
    ),
    Figure("urgent_within_standard", "urgent offers within standard", _pct, SHARE_POINTS),
    Figure("headcount", "headcount at the end", _one),
    Figure("average_headcount", "average headcount", _one),
    Figure("departures", "departures", _one),
    Figure("hires", "hires", _one),
    Figure("capacity_hours", "direct-care capacity (bookable hours)", _count),
    Figure("appointments_delivered", "appointments delivered", _count),
    Figure("initial_median_wait_bd", "initial wait, median (business days)", _one, WAIT_DAYS),
    Figure("initial_p90_wait_bd", "initial wait, 90th percentile (business days)", _one, WAIT_DAYS),
    Figure("follow_up_median_wait_bd", "follow-up wait, median (business days)", _one, WAIT_DAYS),
    Figure(
        "follow_up_p90_wait_bd", "follow-up wait, 90th percentile (business days)", _one, WAIT_DAYS
    ),
    Figure("oon_referrals", "out-of-network referrals", _count),
    Figure("oon_cost_usd", "out-of-network cost", _usd),
    Figure("violations", "violations", _count),
    Figure("penalty_exposure_usd", "penalty exposure (SB 858, up to $25,000 each)", _usd),
    Figure("payroll_usd", "payroll", _usd),
    Figure("strike_cover_cost_usd", "strike cover (external sessions)", _usd),
)
FANS = (
    ("initial_within_standard", "Initial offers within standard, by month of request", ".0%"),
    ("follow_up_within_standard", "Follow-up offers within SB 221's 10 business days", ".0%"),
    ("headcount", "Headcount at month end", ",.0f"),
    ("capacity_hours", "Direct-care capacity (bookable hours a month)", ",.0f"),
    ("initial_median_wait_bd", "Initial wait to first offer, median (business days)", ".1f"),
    ("follow_up_p90_wait_bd", "Follow-up wait, 90th percentile (business days)", ".1f"),
    ("oon_cost_usd", "Out-of-network cost a month (USD)", "$,.0f"),
    ("payroll_usd", "Payroll a month (USD)", "$,.0f"),
)


def show(band: Band, figure: Figure) -> str:
    if band.mean is None or band.low is None or band.high is None:
        return "n/a"
    return f"{figure.show(band.mean)} [{figure.show(band.low)} – {figure.show(band.high)}]"


def show_life(outcome: ScenarioOutcome, figure: Figure) -> str:
    """A figure over the contract's life, marked when its runs give it no level."""
    shown = show(outcome.life[figure.key], figure)
    level = figure.verdict(outcome.runs_life.get(figure.key, [])) is None
    return shown if level else f"{shown} (not decision-grade)"


def _verdicts(outcome: ScenarioOutcome) -> dict[str, str]:
    """The headline figures whose runs give them no level, for one scenario, in words."""
    found = {}
    for figure in HEADLINE:
        verdict = figure.verdict(outcome.runs_life.get(figure.key, []))
        if verdict is not None:
            found[figure.key] = verdict
    return found


def not_decision_grade(outcomes: Sequence[ScenarioOutcome]) -> list[str]:
    """In plain words, the figures whose runs split into two groups far apart, or spread
    over more than twice what matters: runs settled on either side of a tipping point, or
    crossed it at different times, so the mean, its band and any paired difference taken
    from it describe no run (ADR 0014)."""
    lines: list[str] = []
    for outcome in outcomes:
        verdicts = _verdicts(outcome)
        for figure in HEADLINE:
            if figure.key in verdicts:
                lines.append(
                    f"{outcome.scenario.name}, {figure.label}: {verdicts[figure.key]}; their "
                    f"mean describes no run, so this figure and its differences are not "
                    f"decision-grade at {outcome.runs} runs (a tipping point: see ADR 0014)."
                )
    return lines


def _group(values: tuple[float, ...], figure: Figure) -> str:
    if len(values) == 1:
        return f"1 at {figure.show(values[0])}"
    return f"{len(values)} at {figure.show(values[0])} to {figure.show(values[-1])}"


def conclusions(outcomes: Sequence[ScenarioOutcome]) -> tuple[list[str], list[str]]:
    """In plain words, which paired differences from the first scenario the runs settle
    (their 90 % confidence interval excludes zero) and which they do not. A figure whose
    runs give it no level in either scenario is neither: `not_decision_grade` says so."""
    first = outcomes[0].scenario.name
    split_first = _verdicts(outcomes[0])
    robust: list[str] = []
    unsettled: list[str] = []
    for outcome in outcomes[1:]:
        name = outcome.scenario.name
        split = _verdicts(outcome)
        for figure in HEADLINE:
            gap = outcome.paired.get(figure.key)
            if gap is None or gap.mean is None or gap.low is None or gap.high is None:
                continue
            if figure.key in split or figure.key in split_first:
                continue
            interval = f"{figure.show(gap.mean)}, 90 % CI {figure.show(gap.low)} to {figure.show(gap.high)}"
            if gap.low > 0 or gap.high < 0:
                more = "more" if gap.mean > 0 else "fewer"
                robust.append(f"{name} gives {more} {figure.label} than {first} ({interval}).")
            elif gap.low < 0 < gap.high:
                unsettled.append(f"{name} vs {first}, {figure.label}: not settled ({interval}).")
    return robust, unsettled


def _rgba(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def fan_chart(outcomes: Sequence[ScenarioOutcome], key: str, title: str, axis: str) -> go.Figure:
    """Mean line and a shaded 5th–95th percentile band for each scenario."""
    figure = go.Figure()
    for colour, outcome in zip(COLOURS * 4, outcomes, strict=False):
        bands, months, name = outcome.monthly[key], outcome.months, outcome.scenario.name
        low = [b.low for b in bands]
        high = [b.high for b in bands]
        line = {"width": 0}
        figure.add_trace(
            go.Scatter(x=months, y=high, line=line, showlegend=False, hoverinfo="skip")
        )
        figure.add_trace(
            go.Scatter(
                x=months,
                y=low,
                line=line,
                fill="tonexty",
                fillcolor=_rgba(colour, 0.18),
                name=f"{name} 90 % band",
                hoverinfo="skip",
            )
        )
        figure.add_trace(
            go.Scatter(x=months, y=[b.mean for b in bands], name=name, line={"color": colour})
        )
    figure.update_layout(title=title, yaxis={"tickformat": axis}, xaxis_title="month")
    return figure


def monthly_csv(outcomes: Sequence[ScenarioOutcome]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["scenario", "month", "metric", "mean", "p5", "p95", "runs"])
    for outcome in outcomes:
        for key, bands in outcome.monthly.items():
            for month, b in zip(outcome.months, bands, strict=True):
                values = [outcome.scenario.name, month, key, b.mean, b.low, b.high, b.runs]
                writer.writerow(cells.row(values))
    return buffer.getvalue()


def summary_csv(outcomes: Sequence[ScenarioOutcome]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    reference = outcomes[0].scenario.name
    gaps = [f"minus_{reference}_{k}" for k in ("mean", "p5", "p95")]
    writer.writerow(["scenario", "metric", "mean", "p5", "p95", "runs", *gaps])
    for outcome in outcomes:
        for key, b in outcome.life.items():
            d = outcome.versus_first[key]
            band = [b.mean, b.low, b.high, b.runs]
            writer.writerow(cells.row([outcome.scenario.name, key, *band, d.mean, d.low, d.high]))
    return buffer.getvalue()


def to_html(outcomes: Sequence[ScenarioOutcome], run: dict[str, Any]) -> str:
    environment = Environment(
        loader=PackageLoader("parity.entrypoints.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    charts = [
        fan_chart(outcomes, key, title, axis).to_html(
            full_html=False, include_plotlyjs=False, config={"displaylogo": False}
        )
        for key, title, axis in FANS
    ]
    return environment.get_template("scenarios.html.j2").render(
        outcomes=outcomes,
        headline=HEADLINE,
        show=show,
        split=not_decision_grade(outcomes),
        show_life=show_life,
        charts=charts,
        run=run,
        plotly_js=get_plotlyjs(),
    )
