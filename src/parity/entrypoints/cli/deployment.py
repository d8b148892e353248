"""`parity demo`, `parity serve` and `parity import`: the service on the configured database."""

from __future__ import annotations

import os
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from parity.adapters.clock import SimulatedClock
from parity.adapters.csv_rows import read_rows
from parity.adapters.sql.schema import downgrade, refresh_statistics, upgrade
from parity.bootstrap import Runtime, build_links, build_simulation
from parity.config import Settings
from parity.domain.errors import ParityError
from parity.domain.schedule import week_start_of
from parity.entrypoints.api import asgi
from parity.entrypoints.api.app import create_app
from parity.entrypoints.cli.terminal import errors, fail, open_runtime
from parity.entrypoints.cli.users import add_demo_users
from parity.entrypoints.security import SecurityConfig
from parity.entrypoints.security.proxies import uvicorn_proxy_options
from parity.services.imports import COLUMNS, import_rows
from parity.services.members import register_member
from parity.services.requests import RequestCare, open_request
from parity.simulation.engine import UTILIZATION_REVIEW, Simulation
from parity.simulation.summary import summarise

console = Console()
# uvloop's event loop and httptools' HTTP parser: cheaper per request on the event loop's
# side (the bare floor app gained about a tenth; docs/adr/0017-booking-api-speed.md). Both
# are dependencies, so they are asked for by name: a missing one fails at start, loudly.
WORKER_START_SECONDS = 60
SERVER_OPTIONS: dict[str, Any] = {"loop": "uvloop", "http": "httptools", "log_level": "warning"}
IMPORT_KINDS = ", ".join(COLUMNS)


def load_demo(
    runtime: Runtime, *, weeks: int, scale: float, region: str, contract: str, backlog: int = 0
) -> None:
    """Run `weeks` weeks of a synthetic region's history, ending this week, into the database."""
    today = runtime.clock.now().astimezone(runtime.policy.rules.timezone).date()
    start = week_start_of(today) - timedelta(weeks=weeks)
    settings = Settings(runtime.settings.jurisdiction, contract, region, runtime.settings.seed)
    simulation, members = build_simulation(
        settings, weeks=weeks, scale=scale, warmup_weeks=0, start=start, uow=runtime.uow()
    )
    columns = (
        TextColumn("[bold]loading demo[/] {task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} days"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=errors) as progress:
        task = progress.add_task(f"{region} x{scale:g}", total=weeks * 7)
        run = simulation.run(lambda done, total: progress.update(task, completed=done, total=total))
    summary = summarise(run.uow, simulation.policy, simulation.config, members)
    opened = open_backlog(simulation, backlog, runtime.clock.now()) if backlog else 0
    console.print(
        f"demo loaded: {summary.clinicians} clinicians, {run.bookings:,} bookings over {weeks} weeks "
        f"from {start.isoformat()}; IPC kept {summary.ipc_kept_share:.0%}; "
        f"{opened} requests left open for the work queue"
    )
    add_demo_users(runtime)
    refresh_statistics(runtime.engine)


def open_backlog(simulation: Simulation, count: int, now: datetime) -> int:
    """Open `count` requests from the region's members without booking them: the queue a
    scheduler (or `parity optimize`) works through, as after a strike or a closed week."""
    clock = SimulatedClock(now)
    rng = random.Random(simulation.config.seed)
    for _ in range(count):
        member = simulation.region.member(rng.randrange(simulation.region.member_count))
        register_member(member, simulation.uow)
        visit, provider_class, prior_auth = simulation.demand.visit_and_class(rng)
        cmd = RequestCare.of_member(
            member,
            visit,
            provider_class,
            prior_authorization=prior_auth,
            prior_authorized_by=UTILIZATION_REVIEW if prior_auth else None,
        )
        open_request(cmd, simulation.uow, clock, simulation.policy)
    return count


def demo(
    weeks: Annotated[int, typer.Option(min=1, max=52, help="weeks of booking history")] = 4,
    scale: Annotated[float, typer.Option(min=0.0001, max=1.0, help="share of the region")] = 1.0,
    region: Annotated[str, typer.Option(help="region name or TOML path")] = "demo",
    contract: Annotated[str, typer.Option(help="contract preset")] = "socal-2025",
    reset: Annotated[bool, typer.Option(help="drop what the database holds first")] = False,
    backlog: Annotated[
        int, typer.Option(min=0, max=100_000, help="requests left open (a work queue to optimise)")
    ] = 40,
) -> None:
    """Load a simulated region with N weeks of history into the configured database."""
    with open_runtime() as runtime:
        if reset:
            downgrade(runtime.engine)
            upgrade(runtime.engine)
        elif not runtime.is_empty():
            raise fail("the database already holds a region; add --reset to replace it")
        try:
            load_demo(
                runtime, weeks=weeks, scale=scale, region=region, contract=contract, backlog=backlog
            )
        except ParityError as error:
            raise fail(error.message) from None


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port")] = 8000,
    load_demo_data: Annotated[
        bool, typer.Option("--demo", help="load the demo first if the database is empty")
    ] = False,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="worker processes (one per core)")
    ] = 1,
) -> None:
    """Serve the FHIR R4 API (OpenAPI docs at /docs)."""
    with open_runtime() as runtime:
        if load_demo_data and runtime.is_empty():
            contract = runtime.settings.contract
            load_demo(runtime, weeks=4, scale=1.0, region="demo", contract=contract, backlog=40)
        console.print(
            f"Parity FHIR API on [bold]http://{host}:{port}/[/]  (docs: http://{host}:{port}/docs)"
        )
        try:
            security = SecurityConfig.from_settings(runtime.settings)
            proxies = uvicorn_proxy_options(runtime.settings)  # X-Forwarded-For: ADR 0012
        except ValueError as error:
            raise fail(str(error)) from None
        if workers == 1:
            links = build_links(security.secret, runtime.policy)
            app = create_app(runtime.uow, runtime.policy, runtime.clock, security, links)
            asgi.settle()
            uvicorn.run(app, host=host, port=port, **SERVER_OPTIONS, **proxies)
        else:
            _serve_in_workers(runtime, host, port, workers, proxies)


def _serve_in_workers(
    runtime: Runtime, host: str, port: int, workers: int, proxies: dict[str, Any]
) -> None:
    """Several processes: each worker builds its own app from the environment."""
    os.environ["PARITY_DATABASE_URL"] = runtime.settings.database_url
    uvicorn.run(
        "parity.entrypoints.api.asgi:create",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # uvicorn pings each worker from the moment it is spawned, and kills one that does
        # not answer in time; a worker imports Parity before it can answer, which takes
        # longer than uvicorn's 5 s on a busy machine: it was killed and spawned again,
        # over and over, and the server never answered.
        timeout_worker_healthcheck=WORKER_START_SECONDS,
        **SERVER_OPTIONS,
        **proxies,
    )


def import_file(
    kind: Annotated[str, typer.Argument(help=f"what the file holds: {IMPORT_KINDS}")],
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV file")
    ],
) -> None:
    """Import clinics, clinicians, templates or members from CSV: all rows or none."""
    if kind not in COLUMNS:
        raise fail(f"unknown import {kind!r}; one of {IMPORT_KINDS}")
    with open_runtime() as runtime:
        try:
            today = runtime.clock.now().astimezone(runtime.policy.rules.timezone).date()
            rows = read_rows(path, COLUMNS[kind])
            result = import_rows(kind, rows, runtime.uow(), runtime.policy, today)
        except ParityError as error:
            raise fail(f"{path}: {error.message}") from None
        refresh_statistics(runtime.engine)
        console.print(f"imported {result.imported} {kind} from {path}")


def register(app: typer.Typer) -> None:
    app.command()(demo)
    app.command()(serve)
    app.command("import")(import_file)
