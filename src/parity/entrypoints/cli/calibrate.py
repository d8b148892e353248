"""`parity calibrate`: the simulator under the plan's old practice beside the public record
(ADR 0014), and the run figures every simulation prints."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from parity.adapters.rules_files import RegionSpec, load_region
from parity.domain.errors import ParityError
from parity.entrypoints.cli.terminal import errors, fail
from parity.simulation.calibration import (
    CalibrationRun,
    Target,
    fit_give_up,
    simulate,
    targets,
)
from parity.simulation.engine import SimulationConfig, SimulationRun
from parity.simulation.region_figures import with_overrides
from parity.simulation.run_figures import outside_share

console = Console()


def print_run_figures(console: Console, run: SimulationRun, config: SimulationConfig) -> None:
    share = outside_share(run)
    shown = "n/a" if share is None else f"{share:.1%}"
    console.print(
        f"policy {config.booking}   warm-up {config.warmup_weeks} weeks   "
        f"sessions in network {run.in_network_sessions:,}   outside {run.outside_sessions:,.0f} "
        f"([bold]{shown}[/] outside the plan's clinicians)   members who gave up {run.gave_up:,}"
    )
    console.print(run.steady_check)


def calibrate(
    region: Annotated[str, typer.Option(help="region name or TOML path")] = "socal",
    contract: Annotated[str, typer.Option(help="the contract in force")] = "socal-cap-2022",
    scale: Annotated[float, typer.Option(min=0.001, max=1.0, help="share of the region")] = 0.05,
    weeks: Annotated[int, typer.Option(min=4, max=104, help="weeks measured")] = 26,
    warmup: Annotated[
        int,
        typer.Option(min=4, max=SimulationConfig.max_warmup_weeks, help="minimum warm-up weeks"),
    ] = 104,
    seed: Annotated[int, typer.Option(min=0, help="random seed")] = 7,
    fit: Annotated[
        bool, typer.Option(help="search members' patience for the follow-up wait target")
    ] = False,
) -> None:
    """Simulate the plan's old practice (status-quo policy) and print each calibration
    target beside its source and the simulated figure."""
    try:
        spec = load_region(region)
    except ParityError as error:
        raise fail(error.message) from None
    goals = targets(spec)
    if not goals:
        raise fail(f"region {region} has no [calibration] targets")
    settings = CalibrationRun(contract, scale, weeks, warmup, seed)
    if fit:
        spec = _fit(spec, settings, goals)
    with _progress() as progress:
        task = progress.add_task(f"{region} x{scale:g}, {contract}, status-quo", total=None)
        found, simulation = simulate(
            spec,
            settings,
            on_day=lambda done, total: progress.update(task, completed=done, total=total),
        )
    console.print(_table(goals, found, f"{region} x{scale:g}, {contract}, seed {seed}"))
    for goal in goals:
        if not goal.met(found.get(goal.name)):
            console.print(f"[bold red]{goal.name} not reached.[/] {escape(goal.note)}".rstrip())
    print_run_figures(console, simulation.run_state, simulation.config)
    console.print(
        f"booked direct-care hours per FTE-week: {found['booked_hours_per_fte_week'] or 0:.1f} "
        "(the workload the turnover model's reference_direct_hours is set to)"
    )
    # The region file's words are printed as written: "[calibration]" is not markup.
    console.print(f"fit on record: {spec.status_quo.get('fit', 'none')}", markup=False)


def _fit(spec: RegionSpec, settings: CalibrationRun, goals: list[Target]) -> RegionSpec:
    wait = next(g for g in goals if g.name == "follow_up_mean_wait_business_days")
    target = (wait.low + wait.high) / 2

    def report(value: float, simulated: float | None) -> None:
        shown = "n/a" if simulated is None else f"{simulated:.1f}"
        console.print(f"give_up_business_days = {value:,.0f}: mean follow-up wait {shown} bd")

    best = fit_give_up(spec, settings, target, report=report)
    console.print(
        f"[bold]fitted give_up_business_days = {best:,.0f}[/] (record it in the region file)"
    )
    return with_overrides(spec, {"status_quo.give_up_business_days": best})


def _table(goals: list[Target], found: dict[str, float | None], title: str) -> Table:
    table = Table(title=f"Calibration: {title}", show_lines=True)
    table.add_column("target", overflow="fold")
    for column in ("public figure", "simulated", "met", "source"):
        table.add_column(column)
    for goal in goals:
        value = found.get(goal.name)
        table.add_row(
            goal.name,
            _range(goal),
            "n/a" if value is None else _shown(goal, value),
            "yes" if goal.met(value) else "[red]no[/]",
            escape(goal.source),
        )
    return table


def _range(goal: Target) -> str:
    if goal.high <= 1.0:
        return f"{goal.low:.0%}-{goal.high:.0%}"
    return f"{goal.low:g}-{goal.high:g}"


def _shown(goal: Target, value: float) -> str:
    """The simulated figure with one decimal, or more where one would print a figure on the
    other side of a bound than the real one (11.96 % shown as "12.0%" beside 12-16 % and
    "no")."""
    share = goal.high <= 1.0
    for decimals in range(1, 6):
        shown = round(value * 100, decimals) / 100 if share else round(value, decimals)
        if goal.met(shown) == goal.met(value):
            break
    return f"{value:.{decimals}%}" if share else f"{value:.{decimals}f}"


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]calibrating[/] {task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} days"),
        TimeElapsedColumn(),
        console=errors,
    )


def register(app: typer.Typer) -> None:
    app.command()(calibrate)
