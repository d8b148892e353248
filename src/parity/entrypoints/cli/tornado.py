"""`parity scenarios tornado A B`: which estimated assumptions change a comparison, and
the break-even turnover for the extra protected hours (ADR 0014)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import plotly.graph_objects as go
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from parity.adapters.rules_files import load_region, load_rules
from parity.domain.errors import ParityError
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.break_even import break_even
from parity.simulation.ipc_hour import weekday_holidays_per_year
from parity.simulation.montecarlo import dask_client, plan_jobs, run_jobs
from parity.simulation.scenario_run import ReplicationResult, RunSettings
from parity.simulation.scenarios import Scenario, load_scenario
from parity.simulation.tornado import Bar, bars, estimates, robustness, variants

console = Console()
errors = Console(stderr=True)


def tornado(
    first: Annotated[str, typer.Argument(help="the reference scenario (e.g. the employer's)")],
    second: Annotated[str, typer.Argument(help="the scenario compared with it")],
    figure: Annotated[str, typer.Option(help="life figure compared")] = "follow_up_within_standard",
    years: Annotated[int, typer.Option(min=1, max=10)] = 1,
    runs: Annotated[int, typer.Option(min=2, max=1000)] = 4,
    scale: Annotated[float, typer.Option(min=0.001, max=1.0)] = 0.01,
    warmup: Annotated[int, typer.Option(min=0, max=104)] = 13,
    seed: Annotated[int, typer.Option()] = 7,
    workers: Annotated[int, typer.Option(min=0, help="local Dask workers (0: in process)")] = 2,
    scheduler: Annotated[str | None, typer.Option(help="an existing Dask scheduler")] = None,
    policy: Annotated[BookingPolicy | None, typer.Option(help="booking policy for all")] = None,
    only: Annotated[int, typer.Option(min=0, help="first N assumptions only (0: all)")] = 0,
    overrides: Annotated[list[str] | None, typer.Option("--set", help="TABLE.KEY=VALUE")] = None,
    output: Annotated[Path, typer.Option(help="the chart (HTML)")] = Path("tornado.html"),
) -> None:
    """Re-run a paired comparison with each ESTIMATE halved and increased by half."""
    try:
        pair = [load_scenario(name, overrides or []) for name in (first, second)]
    except ParityError as error:
        errors.print(f"[bold red]error:[/] {error.message}")
        raise typer.Exit(2) from None
    if policy is not None:
        pair = [replace(s, booking=policy) for s in pair]
    assumptions = [a for a in estimates(pair[0]) if _may_move(a.key, figure)][: only or None]
    scenarios = variants(pair[0], pair[1], assumptions, overrides or [])
    results = _run(scenarios, RunSettings(years, scale, warmup), runs, seed, workers, scheduler)
    base, found = bars(pair[0], pair[1], assumptions, results, figure)
    label = figure.replace("_", " ")
    _chart(found, base, f"{pair[1].name} - {pair[0].name}: {label}").write_html(output)
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
    with Progress(
        TextColumn("[bold]tornado[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
    ) as progress:
        task = progress.add_task("runs", total=len(jobs))

        def tick(done: int) -> None:
            progress.advance(task, done)

        if workers == 0 and scheduler is None:
            return run_jobs(jobs, settings, progress=tick)
        with dask_client(workers, scheduler) as client:
            return run_jobs(jobs, settings, client=client, progress=tick)


def _chart(found: Sequence[Bar], base: float | None, title: str) -> go.Figure:
    centre = base or 0.0
    names = [b.assumption.key.removeprefix("region_overrides.") for b in found][::-1]
    figure = go.Figure()
    for level, colour in (("low", "#4c78a8"), ("high", "#f58518")):
        values = [getattr(b, level) for b in found][::-1]
        figure.add_trace(
            go.Bar(
                y=names,
                x=[(v if v is not None else centre) - centre for v in values],
                base=centre,
                orientation="h",
                name=f"estimate x{0.5 if level == 'low' else 1.5}",
                marker_color=colour,
            )
        )
    figure.add_vline(x=0, line_dash="dot")
    figure.update_layout(barmode="overlay", title=title, height=200 + 22 * len(found))
    return figure


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
