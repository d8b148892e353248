"""`parity scenarios`: compare workforce and contract scenarios by Monte Carlo, and validate
the simulator against an exact queue and the employer's IPC-hour estimate."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from parity.adapters.rules_files import data_dir, load_region, load_rules
from parity.domain.errors import ParityError
from parity.entrypoints.cli.terminal import check_writable, counted, fail, write_file
from parity.entrypoints.cli.tornado import MAX_WARMUP, WARMUP_HELP
from parity.entrypoints.cli.tornado import register as register_tornado
from parity.entrypoints.reports.scenarios import monthly_csv, summary_csv, to_html
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.ipc_hour import EMPLOYER_ESTIMATE, first_principles, simulated
from parity.simulation.montecarlo import dask_client, plan_jobs, run_jobs
from parity.simulation.outcomes import ScenarioOutcome, outcomes
from parity.simulation.scenario_run import RunSettings, paired_warmup, pooled_sites
from parity.simulation.scenarios import Scenario, load_scenario
from parity.simulation.validation import check_queue, poisson_arrivals, recursion_mean_wait
from parity.simulation.validation_deadline import (
    exact_deadline,
    recursion_deadline,
    recursion_figures,
    simulate_deadline_queue,
)

console = Console()
scenarios_app = typer.Typer(
    help="Workforce and contract scenarios: staffing, waits and compliance over a contract.",
    no_args_is_help=True,
)


def _load(names: list[str], overrides: list[str], region: str | None) -> list[Scenario]:
    extra = [*overrides, *([f'region="{region}"'] if region else [])]
    try:
        loaded = [load_scenario(name, extra) for name in names]
    except ParityError as error:
        raise fail(error.message) from None
    if len({s.name for s in loaded}) != len(loaded):
        raise fail("each scenario may appear once")
    return loaded


@scenarios_app.command("compare")
def compare(
    scenario_files: Annotated[list[str], typer.Argument(help="scenario names or TOML paths")],
    years: Annotated[int, typer.Option(min=1, max=10, help="years from the contract start")] = 3,
    runs: Annotated[int, typer.Option(min=2, max=1000, help="replications per scenario")] = 30,
    scale: Annotated[
        float, typer.Option(min=0.001, max=1.0, help="share of the region simulated")
    ] = 0.01,
    warmup: Annotated[int | None, typer.Option(min=0, max=MAX_WARMUP, help=WARMUP_HELP)] = None,
    seed: Annotated[
        int, typer.Option(min=0, help="base seed; replication i's seed derives from it")
    ] = 7,
    workers: Annotated[
        int, typer.Option(min=0, help="local Dask workers (0: run in this process)")
    ] = 2,
    scheduler: Annotated[
        str | None, typer.Option(help="an existing Dask scheduler, e.g. tcp://HOST:8786")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="replications per Dask task")] = 2,
    region: Annotated[str | None, typer.Option(help="simulate this region instead")] = None,
    min_per_site: Annotated[
        int, typer.Option(min=0, help="at small scales, keep the largest sites: >= N a site")
    ] = 8,
    overrides: Annotated[
        list[str] | None, typer.Option("--set", help="TABLE.KEY=VALUE for every scenario")
    ] = None,
    output: Annotated[Path, typer.Option(help="HTML report; CSVs are written beside it")] = Path(
        "scenarios.html"
    ),
    policy: Annotated[
        BookingPolicy | None,
        typer.Option(help="booking policy for every scenario (default: the scenario's own)"),
    ] = None,
) -> None:
    """Run each scenario `--runs` times and write the HTML report and CSVs."""
    check_writable(*_files(output))
    scenarios = _load(scenario_files, overrides or [], region)
    if policy is not None:
        scenarios = [replace(s, booking=policy) for s in scenarios]
    weeks = paired_warmup(scenarios) if warmup is None else warmup
    settings = RunSettings(years, scale, weeks, min_per_site)
    jobs = plan_jobs(scenarios, runs, seed)
    started = time.perf_counter()
    with counted("replications") as progress:
        task = progress.add_task("runs", total=len(jobs))

        def tick(done: int) -> None:
            progress.advance(task, done)

        try:
            if workers == 0 and scheduler is None:
                results = run_jobs(jobs, settings, batch_size=batch_size, progress=tick)
            else:
                with dask_client(workers, scheduler) as client:
                    results = run_jobs(
                        jobs, settings, batch_size=batch_size, client=client, progress=tick
                    )
        except ParityError as error:
            raise fail(error.message) from None
    found = outcomes(scenarios, results)
    seconds = time.perf_counter() - started
    where = scheduler or (f"{workers} local Dask workers" if workers else "in process")
    _write(found, output, _run_facts(scenarios[0], settings, runs, seed, where, seconds))
    _print_headline(found)
    _print_steady(found, settings.warmup_weeks)
    _print_paired(found)


def _print_steady(found: list[ScenarioOutcome], warmup: int) -> None:
    """Whether each scenario's runs began measuring from a steady caseload (steady.py)."""
    for outcome in found:
        steady, runs = outcome.steady_runs, outcome.runs
        line = (
            f"{outcome.scenario.name}: {steady} of {runs} runs flat when measuring began "
            f"(warm-up {warmup} weeks)"
        )
        if steady < runs:
            line += f"; not flat, e.g.: {outcome.unsteady_check}"
        console.print(line, markup=False)
    if any(o.steady_runs < o.runs for o in found):
        console.print(
            "Runs that were not flat measure part of the ramp from an empty caseload; "
            f"a longer --warmup (up to {MAX_WARMUP} weeks) lets it fill.",
            markup=False,
        )


def _print_paired(found: list[ScenarioOutcome]) -> None:
    """Each scenario minus the first, run by run: mean and 90 % confidence interval."""
    from parity.entrypoints.reports.scenarios import (
        HEADLINE,
        conclusions,
        not_decision_grade,
        show,
    )

    first = found[0].scenario.name
    table = Table(title=f"Paired difference from {first}: mean [90 % confidence interval]")
    table.add_column("figure")
    for outcome in found[1:]:
        table.add_column(f"{outcome.scenario.name} - {first}", justify="right")
    for figure in HEADLINE:
        table.add_row(figure.label, *(show(o.paired[figure.key], figure) for o in found[1:]))
    console.print(table)
    console.print(f"booking policy: {', '.join(sorted({str(o.scenario.booking) for o in found}))}")
    robust, unsettled = conclusions(found)
    console.print(
        f"[bold]Robust at {found[0].runs} paired runs[/] (the 90 % interval excludes zero):"
    )
    for line in robust or ["none: no paired difference is settled at this many runs."]:
        console.print(f"  - {line}")
    if unsettled:
        console.print("[bold]Not settled[/] (more runs or a larger scale may settle them):")
        for line in unsettled:
            console.print(f"  - {line}")
    split = not_decision_grade(found)
    if split:
        console.print(
            "[bold]Not decision-grade[/] (the runs fall into two groups far apart, or "
            "spread too widely; their mean and its interval describe no run):"
        )
        for line in split:
            console.print(f"  - {line}", markup=False)


def _run_facts(
    first: Scenario, settings: RunSettings, runs: int, seed: int, where: str, seconds: float
) -> dict[str, object]:
    spec = pooled_sites(load_region(first.region), settings.scale, settings.min_clinicians_per_site)
    return {
        "runs": runs,
        "years": settings.years,
        "scale": settings.scale,
        "warmup": settings.warmup_weeks,
        "region": first.region,
        "clinicians": max(len(spec.clinics), round(spec.clinicians * settings.scale)),
        "sites": len(spec.clinics),
        "seed": seed,
        "workers": where,
        "seconds": round(seconds),
    }


def _files(output: Path) -> tuple[Path, Path, Path]:
    """The HTML report and the monthly and summary CSVs written beside it."""
    return (
        output,
        output.with_name(f"{output.stem}-monthly.csv"),
        output.with_name(f"{output.stem}-summary.csv"),
    )


def _write(found: list[ScenarioOutcome], output: Path, facts: dict[str, object]) -> None:
    report, monthly, summary = _files(output)
    write_file(report, to_html(found, facts))
    write_file(monthly, monthly_csv(found))
    write_file(summary, summary_csv(found))
    console.print(f"wrote {report}, {monthly} and {summary} ({facts['seconds']} s)")


def _print_headline(found: list[ScenarioOutcome]) -> None:
    from parity.entrypoints.reports.scenarios import HEADLINE, show_life

    table = Table(title="Over the contract's life: mean [5th – 95th percentile of runs]")
    table.add_column("figure")
    for outcome in found:
        table.add_column(outcome.scenario.name, justify="right")
    for figure in HEADLINE:
        table.add_row(figure.label, *(show_life(o, figure) for o in found))
    console.print(table)


@scenarios_app.command("list")
def list_scenarios() -> None:
    """The packaged scenarios and what they say."""
    table = Table(title="Scenarios (src/parity/data/scenarios)")
    table.add_column("name")
    table.add_column("contract")
    table.add_column("title")
    for path in sorted(data_dir("scenarios").glob("*.toml")):
        if path.stem != "defaults":
            scenario = load_scenario(path.stem)
            table.add_row(scenario.name, scenario.contract.name, scenario.title)
    console.print(table)


@scenarios_app.command("validate")
def validate(
    requests: Annotated[
        int, typer.Option(min=10_000, help="requests simulated per load (more: tighter)")
    ] = 200_000,
    slots: Annotated[int, typer.Option(min=1, max=60, help="slots per business day, s")] = 20,
    scale: Annotated[float, typer.Option(help="region share for the IPC-hour runs")] = 0.05,
    leave_weeks: Annotated[float, typer.Option(help="weeks of leave a year (estimate)")] = 4.0,
) -> None:
    """(a) Simulated vs exact mean wait of the stripped-down queue at three loads;
    (b) one more IPC hour a week across 2,000 therapists, against the employer's ~1,300."""
    _validate_queue(requests, slots)
    _validate_ipc_hour(scale, leave_weeks)


def _validate_queue(requests: int, slots: int) -> None:
    table = Table(title=f"Queue: s = {slots} slots/business day, Poisson arrivals, FCFS")
    columns = ("load", "exact", "services", "± s.e.", "difference", "requests")
    for column in (*columns, "same as recursion", "recursion, 2 M days"):
        table.add_column(column, justify="right")
    for load in (0.5, 0.8, 0.95):
        segments, warmup = 10, 200
        days = max(100, round(requests / segments / (load * slots)))
        check = check_queue(load, slots, segments, days, warmup, seed=2026)
        long_run = recursion_mean_wait(load * slots, slots, 2_000_000, seed=2026)
        table.add_row(
            f"{load:g}",
            f"{check.exact:.4f}",
            f"{check.simulated:.4f}",
            f"{check.standard_error:.4f}",
            f"{check.relative_error:+.2%}",
            f"{check.requests:,}",
            "request by request" if check.identical_to_recursion else "[red]NO[/]",
            f"{long_run:.4f} ({long_run / check.exact - 1:+.2%})",
        )
    console.print(table)
    _validate_deadline(slots)


def _validate_deadline(slots: int, deadline: int = 3) -> None:
    """The simulator's own mode: a deadline of `deadline` business days, referral after it."""
    table = Table(title=f"Queue with a {deadline}-business-day deadline and referral, s = {slots}")
    for column in ("load", "exact wait", "exact referred", "recursion wait", "recursion referred"):
        table.add_column(column, justify="right")
    table.add_column("services = recursion")
    for load in (0.8, 1.0, 1.3):
        exact = exact_deadline(load * slots, slots, deadline)
        long_run = recursion_figures(load * slots, slots, deadline, 400_000, seed=2026)
        arrivals = poisson_arrivals(load * slots, 250, seed=2026)
        same = simulate_deadline_queue(arrivals, slots, deadline) == recursion_deadline(
            arrivals, slots, deadline
        )
        table.add_row(
            f"{load:g}",
            f"{exact.mean_wait:.4f}",
            f"{exact.referred_share:.2%}",
            f"{long_run.mean_wait:.4f}",
            f"{long_run.referred_share:.2%}",
            "request by request" if same else "[red]NO[/]",
        )
    console.print(table)


def _validate_ipc_hour(scale: float, leave_weeks: float) -> None:
    spec = load_region("socal")
    calendar = load_rules().calendar
    full = first_principles(spec.workforce, spec.demand, calendar, leave_weeks=leave_weeks)
    run = simulated(scale=scale)
    used = run.lost_per_fte_week / (full.slots_per_hour * full.attended_share)
    table = Table(title="One more IPC hour a week across 2,000 therapists (appointments a week)")
    table.add_column("estimate")
    table.add_column("appointments/week", justify="right")
    table.add_row("slots removed (1 h = one 50+10-minute slot)", f"{full.slots_per_week:,.0f}")
    table.add_row(
        f"first principles, full calendars: × {full.weeks_worked_share:.3f} weeks worked"
        f" × {full.attended_share:.2f} attended",
        f"{full.appointments_per_week:,.0f}",
    )
    shares = zip(spec.workforce["fte_values"], spec.workforce["fte_shares"], strict=True)
    mix = sum(float(v) * float(w) for v, w in shares)
    headcount = replace(full, fte=mix)
    table.add_row(
        f"first principles, 2,000 heads at the region's FTE mix (mean {mix:.3f} FTE)",
        f"{headcount.appointments_per_week:,.0f}",
    )
    table.add_row(
        f"simulated, socal x{scale:g} at calibrated demand ({used:.0%} of the hour's slot was used)",
        f"{run.lost_per_week():,.0f}",
    )
    table.add_row("employer's estimate (brief)", f"{EMPLOYER_ESTIMATE:,}")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add `parity scenarios ...` to the command line."""
    register_tornado(scenarios_app)
    app.add_typer(scenarios_app, name="scenarios")
