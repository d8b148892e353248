"""`parity scenarios tornado A B`: which estimated assumptions change a comparison, and
the break-even turnover for the extra protected hours (ADR 0014)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from parity.adapters.rules_files import load_region, load_rules
from parity.domain.errors import ParityError
from parity.entrypoints.cli.terminal import check_writable, counted, fail, write_file
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.break_even import break_even
from parity.simulation.engine import SimulationConfig
from parity.simulation.ipc_hour import weekday_holidays_per_year
from parity.simulation.montecarlo import dask_client, plan_jobs, run_jobs
from parity.simulation.outcomes import life_figure_names
from parity.simulation.scenario_run import ReplicationResult, RunSettings, paired_warmup
from parity.simulation.scenarios import Scenario, load_scenario
from parity.simulation.tornado import Bar, bars, estimates, robustness, variants

console = Console()
# The longest warm-up a run accepts: the simulation's own bound on settling.
MAX_WARMUP = SimulationConfig.max_warmup_weeks
WARMUP_HELP = (
    "weeks simulated before the contract starts (default: long enough for a level load, "
    "the region file's measured steady_warmup_weeks for the scenarios' booking policies)"
)


def tornado(
    first: Annotated[str, typer.Argument(help="the reference scenario (e.g. the employer's)")],
    second: Annotated[str, typer.Argument(help="the scenario compared with it")],
    figure: Annotated[str, typer.Option(help="life figure compared")] = "follow_up_within_standard",
    years: Annotated[int, typer.Option(min=1, max=10)] = 1,
    runs: Annotated[int, typer.Option(min=2, max=1000, help="paired runs")] = 8,
    scale: Annotated[float, typer.Option(min=0.001, max=1.0)] = 0.01,
    warmup: Annotated[int | None, typer.Option(min=0, max=MAX_WARMUP, help=WARMUP_HELP)] = None,
    seed: Annotated[int, typer.Option(min=0)] = 7,
    workers: Annotated[int, typer.Option(min=0, help="local Dask workers (0: in process)")] = 2,
    scheduler: Annotated[str | None, typer.Option(help="an existing Dask scheduler")] = None,
    policy: Annotated[BookingPolicy | None, typer.Option(help="booking policy for all")] = None,
    only: Annotated[int, typer.Option(min=0, help="first N assumptions only (0: all)")] = 0,
    overrides: Annotated[list[str] | None, typer.Option("--set", help="TABLE.KEY=VALUE")] = None,
    output: Annotated[Path, typer.Option(help="the chart (SVG)")] = Path("tornado.svg"),
) -> None:
    """Re-run a paired comparison with each ESTIMATE halved and increased by half."""
    check_writable(output)
    known = life_figure_names()
    if figure not in known:
        raise fail(f"--figure {figure!r} is not a figure; one of {', '.join(known)}")
    try:
        pair = [load_scenario(name, overrides or []) for name in (first, second)]
    except ParityError as error:
        raise fail(error.message) from None
    if policy is not None:
        pair = [replace(s, booking=policy) for s in pair]
    assumptions = [a for a in estimates(pair[0]) if _may_move(a.key, figure)][: only or None]
    scenarios = variants(pair[0], pair[1], assumptions, overrides or [])
    weeks = paired_warmup(pair) if warmup is None else warmup
    try:
        results = _run(scenarios, RunSettings(years, scale, weeks), runs, seed, workers, scheduler)
    except ParityError as error:
        raise fail(error.message) from None
    base, found = bars(pair[0], pair[1], assumptions, results, figure)
    label = figure.replace("_", " ")
    write_file(output, _svg(found, base, f"{pair[1].name} - {pair[0].name}: {label}"))
    _print(found, base, label)
    console.print(robustness(base, found, label))
    _print_break_even(pair)
    console.print(f"wrote {output} ({len(assumptions)} assumptions, {runs} paired runs each)")


# Prices move only money figures; re-running the simulation for them changes nothing else.
PRICES_ONLY = ("costs.", "pay.salary_usd_per_fte_year", "pay.benefits_share")


def _may_move(key: str, figure: str) -> bool:
    return figure.endswith("_usd") or not key.startswith(PRICES_ONLY)


def _run(
    scenarios: Sequence[Scenario],
    settings: RunSettings,
    runs: int,
    seed: int,
    workers: int,
    scheduler: str | None,
) -> list[ReplicationResult]:
    jobs = plan_jobs(scenarios, runs, seed)
    with counted("tornado") as progress:
        task = progress.add_task("runs", total=len(jobs))

        def tick(done: int) -> None:
            progress.advance(task, done)

        if workers == 0 and scheduler is None:
            return run_jobs(jobs, settings, progress=tick)
        with dask_client(workers, scheduler) as client:
            return run_jobs(jobs, settings, client=client, progress=tick)


def _svg(found: Sequence[Bar], base: float | None, title: str) -> str:
    """A small, self-contained SVG tornado chart (a few kilobytes, fit to commit): one row
    per assumption, bars from the base difference to the value at x0.5 and x1.5, a dotted
    line at zero (where the ranking changes)."""
    centre = base or 0.0
    values = [centre, 0.0, *(v for b in found for v in (b.low, b.high) if v is not None)]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    label_w, plot_w, row_h, top = 330, 420, 22, 56
    height = top + row_h * len(found) + 40

    def x(value: float) -> float:
        return label_w + (value - low) / span * plot_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + plot_w + 20}" '
        f'height="{height}" font-family="sans-serif" font-size="12">',
        f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<rect x="{label_w}" y="30" width="12" height="10" fill="{LOW_COLOUR}"/>'
        f'<text x="{label_w + 16}" y="39">estimate x0.5</text>'
        f'<rect x="{label_w + 120}" y="30" width="12" height="10" fill="{HIGH_COLOUR}"/>'
        f'<text x="{label_w + 136}" y="39">estimate x1.5</text>',
    ]
    for row, bar in enumerate(found):
        y = top + row * row_h
        name = bar.assumption.key.removeprefix("region_overrides.")
        flip = " (changes ranking)" if bar.changes_ranking(base) else ""
        parts.append(f'<text x="10" y="{y + 14}">{escape(name + flip)}</text>')
        for value, colour in ((bar.low, LOW_COLOUR), (bar.high, HIGH_COLOUR)):
            if value is None:
                continue
            left, right = sorted((x(centre), x(value)))
            parts.append(
                f'<rect x="{left:.1f}" y="{y + 3}" width="{max(right - left, 1):.1f}" '
                f'height="{row_h - 6}" fill="{colour}" fill-opacity="0.75"/>'
            )
    bottom = top + row_h * len(found)
    for value, dash in ((0.0, "2,3"), (centre, "")):
        parts.append(
            f'<line x1="{x(value):.1f}" y1="{top - 4}" x2="{x(value):.1f}" y2="{bottom}" '
            f'stroke="black" stroke-dasharray="{dash}"/>'
        )
    for value in (low, centre, high):
        parts.append(
            f'<text x="{x(value):.1f}" y="{bottom + 16}" text-anchor="middle">{value:.4g}</text>'
        )
    parts.append(
        f'<text x="{label_w}" y="{bottom + 34}">mean paired difference; solid line: base, '
        "dotted: zero</text></svg>"
    )
    return "\n".join(parts) + "\n"


LOW_COLOUR, HIGH_COLOUR = "#4c78a8", "#f58518"


def _print(found: Sequence[Bar], base: float | None, label: str) -> None:
    table = Table(title=f"Mean paired difference in {label} (base {_num(base)})")
    for column in ("estimate", "base value", "halved", "x 1.5", "changes ranking"):
        table.add_column(column)
    for bar in found:
        flip = "[red]yes[/]" if bar.changes_ranking(base) else "no"
        a = bar.assumption
        table.add_row(a.key, f"{a.base:g}", _num(bar.low), _num(bar.high), flip)
    console.print(table)


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _print_break_even(pair: Sequence[Scenario]) -> None:
    first, second = pair
    spec = load_region(first.region)
    holidays = weekday_holidays_per_year(load_rules(first.jurisdiction).calendar, first.start.year)
    weeks = 52 - float(spec.workforce["leave_weeks_per_year"]) - holidays / 5
    found = break_even(first, second, weeks)
    rate = found.turnover_per_year
    shown = "never (no retention gain)" if rate is None else f"{rate:.0%} a year"
    console.print(
        f"break-even: {second.name}'s {found.extra_ipc_hours_per_week:g} extra protected "
        f"hours a week pay for themselves in capacity when turnover under {first.name} is "
        f"{shown} (hazard ratio {found.hazard_ratio:.2f}, {found.vacancy_hours:.0f} direct-care "
        f"hours lost per vacancy, {weeks:.1f} weeks worked a year)"
    )


def register(app: typer.Typer) -> None:
    app.command("tornado")(tornado)
