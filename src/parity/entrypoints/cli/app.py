"""The `parity` command line."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from parity.adapters.rules_files import load_rules
from parity.bootstrap import build_simulation
from parity.config import Settings
from parity.domain.calendar import local_instant, reachable
from parity.domain.errors import ParityError
from parity.entrypoints.cli.calibrate import print_run_figures
from parity.entrypoints.cli.calibrate import register as register_calibrate_commands
from parity.entrypoints.cli.deployment import register as register_service_commands
from parity.entrypoints.cli.optimize import register as register_optimize_commands
from parity.entrypoints.cli.reports import register as register_report_commands
from parity.entrypoints.cli.scenarios import register as register_scenario_commands
from parity.entrypoints.cli.terminal import errors, fail
from parity.entrypoints.cli.users import register as register_user_commands
from parity.entrypoints.cli.waitlist import register as register_waitlist_commands
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.engine import Simulation
from parity.simulation.run_figures import run_figures
from parity.simulation.run_state import SimulationRun
from parity.simulation.summary import Summary, summarise

app = typer.Typer(
    help="Parity: timely-access scheduling that keeps protected IPC time.", no_args_is_help=True
)
console = Console()


def _parse_instant(text: str, tz_name: str) -> datetime:
    from zoneinfo import ZoneInfo

    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise fail(
            f"--from must be an ISO date-time such as 2026-11-20T09:30, got {text!r}"
        ) from None
    # A time without an offset is read as clinic-local wall-clock time; one the clocks
    # skipped or showed twice is refused (ADR 0013, rule 7), not shifted by an hour.
    return reachable(local_instant(instant, ZoneInfo(tz_name)), text)


@app.command()
def deadline(
    standard: Annotated[
        str,
        typer.Option(
            help="urgent, urgent-prior-auth, initial-therapy, initial-psychiatry, follow-up-therapy"
        ),
    ],
    from_: Annotated[
        str, typer.Option("--from", help="clock start, ISO date-time (local if no offset)")
    ],
    jurisdiction: Annotated[str, typer.Option(help="rule file name or path")] = "california",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Print the legal deadline of a standard from a clock start."""
    try:
        rules = load_rules(jurisdiction)
        rule = rules.standard(standard)
        start = _parse_instant(from_, str(rules.timezone))
        due = rules.deadline(rule, start)
    except ParityError as error:
        raise fail(error.message) from None
    payload = {
        "standard": rule.name,
        "jurisdiction": rules.jurisdiction,
        "limit": rule.limit_text,
        "clock_start": start.isoformat(),
        "deadline": due.isoformat(),
        "citation": rule.citation,
    }
    if as_json:
        typer.echo(json.dumps(payload))
        return
    console.print(f"[bold]{rule.title}[/] ({rule.limit_text}; {rule.citation})")
    console.print(f"clock start  {payload['clock_start']}")
    console.print(f"deadline     [bold]{payload['deadline']}[/]")


@app.command()
def simulate(
    weeks: Annotated[int, typer.Option(min=1, max=156, help="weeks measured (after warm-up)")] = 12,
    contract: Annotated[str, typer.Option(help="contract preset name or TOML path")] = "socal-2025",
    scale: Annotated[
        float, typer.Option(min=0.0001, max=1.0, help="share of the full region")
    ] = 0.05,
    region: Annotated[str, typer.Option(help="region name or TOML path")] = "socal",
    warmup: Annotated[
        int, typer.Option(min=0, max=104, help="weeks simulated before measuring (steady caseload)")
    ] = 26,
    start: Annotated[str, typer.Option(help="first simulated Monday (ISO date)")] = "2026-01-05",
    seed: Annotated[int, typer.Option(min=0, help="random seed")] = 7,
    policy: Annotated[
        BookingPolicy,
        typer.Option(help="status-quo: the plan's practice before Parity; parity: Parity's rules"),
    ] = BookingPolicy.PARITY,
    settle: Annotated[
        bool, typer.Option(help="extend the warm-up until the weekly load is flat")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Run the region's demand through the booking services and summarise compliance."""
    try:
        first = date.fromisoformat(start)
    except ValueError:
        raise fail(f"--start must be an ISO date, got {start!r}") from None
    settings = Settings.from_env()
    settings = Settings(settings.jurisdiction, contract, region, seed)
    try:
        simulation, members = build_simulation(
            settings,
            weeks=weeks,
            scale=scale,
            warmup_weeks=warmup,
            start=first,
            booking=policy,
            settle=settle,
        )
        run = _run_with_progress(simulation, f"{region} x{scale:g}, {contract}, {policy}", as_json)
        summary = summarise(run.uow, simulation.policy, simulation.config, members)
    except ParityError as error:
        raise fail(error.message) from None
    if as_json:
        facts = {"contract": contract, "region": region, "scale": scale, "weeks": weeks}
        figures = {"policy": str(policy), "bookings": run.bookings, **summary.as_dict()}
        typer.echo(json.dumps(facts | figures | run_figures(run, simulation.config)))
        return
    _print_summary(summary, contract, run.bookings)
    print_run_figures(console, run, simulation.config)


def _run_with_progress(simulation: Simulation, label: str, quiet: bool) -> SimulationRun:
    """Run the simulation with a progress bar on stderr (cleared afterwards when `quiet`)."""
    with Progress(
        TextColumn("[bold]simulating[/] {task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} days"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=errors,
        transient=quiet,
    ) as progress:
        task = progress.add_task(label, total=None)
        return simulation.run(
            lambda done, total: progress.update(task, completed=done, total=total)
        )


def _print_summary(summary: Summary, contract: str, bookings: int) -> None:
    table = Table(title=f"Timely access under {contract}")
    for column in (
        "standard",
        "requests",
        "within standard",
        "mean wait (bd)",
        "median wait (bd)",
        "p90 wait (bd)",
        "referred OON",
    ):
        table.add_column(column, justify="right" if column != "standard" else "left")
    for group in summary.groups.values():
        share = (
            "n/a" if group.share_within_standard is None else f"{group.share_within_standard:.1%}"
        )
        table.add_row(
            group.name,
            str(group.requests),
            share,
            f"{group.mean_wait:.1f}",
            f"{group.median_wait:g}",
            f"{group.p90_wait:g}",
            str(group.referred),
        )
    console.print(table)
    console.print(
        f"clinicians {summary.clinicians:,}   members {summary.members:,}   bookings made {bookings:,}"
    )
    console.print(
        f"appointments delivered {summary.appointments_delivered:,}   no-shows {summary.no_shows:,}   "
        f"out-of-network referrals {summary.referrals:,}"
    )
    console.print(
        f"IPC hours guaranteed {summary.ipc_guaranteed_hours:,.1f}   kept {summary.ipc_kept_hours:,.1f}   "
        f"([bold]{summary.ipc_kept_share:.1%}[/])   bookings in protected time {summary.bookings_in_protected_time}"
    )


register_service_commands(app)
register_report_commands(app)
register_optimize_commands(app)
register_scenario_commands(app)
register_user_commands(app)
register_waitlist_commands(app)
register_calibrate_commands(app)


def main() -> None:
    try:
        app()
    except ParityError as error:  # the last line of defence: a rule, never a traceback
        sys.exit(fail(error.message).exit_code)
