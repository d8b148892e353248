"""`parity optimize`: place the open queue as well as it can be placed, with its bound."""

from __future__ import annotations

import getpass
import json
import re
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from parity.domain.errors import ParityError
from parity.entrypoints.cli.terminal import fail, open_runtime
from parity.services.optimize import Horizon, Plan, optimize_queue

console = Console()


def _horizon(start: str, horizon: str) -> Horizon:
    match = re.fullmatch(r"(\d+)\s*bd", horizon.strip())
    if match is None or not 1 <= int(match.group(1)) <= 60:
        raise fail(f"--horizon must be business days like 10bd (1-60), got {horizon!r}")
    try:
        return Horizon(date.fromisoformat(start), int(match.group(1)))
    except ValueError:
        raise fail(f"--from must be an ISO date, got {start!r}") from None


def _show(plan: Plan) -> None:
    summary = plan.summary()
    console.print(
        f"open requests {summary['open_requests']}   placed before deadline "
        f"[bold]{summary['placed_before_deadline']}[/] of a bound of {summary['bound']} "
        f"(gap {summary['gap']:.2%})   to refer out of network {summary['to_refer_out_of_network']}"
    )
    moves = Table(title="Placements")
    for column in ("request", "member", "clinician", "clinic", "start", "modality", "deadline"):
        moves.add_column(column)
    for m in plan.moves[:40]:
        moves.add_row(
            str(m["request"]),
            m["member"],
            m["clinician"],
            m["clinic"],
            m["start"],
            m["modality"],
            m["deadline"],
        )
    console.print(moves)
    if len(plan.moves) > 40:
        console.print(f"... and {len(plan.moves) - 40} more placements")
    if plan.unplaced:
        left = Table(title="Unplaced (referred out of network on --apply)")
        for column in ("request", "member", "reason", "why"):
            left.add_column(column)
        for u in plan.unplaced:
            left.add_row(str(u["request"]), u["member"], u["reason"], u["message"])
        console.print(left)
    console.print(
        "[bold green]applied[/] in one transaction: each placement offered to its member "
        "(the slot held for their answer), the unplaced referred"
        if plan.applied
        else "preview only: add --apply to offer it"
    )


def optimize(
    from_: Annotated[str, typer.Option("--from", help="first day of the horizon (ISO date)")],
    horizon: Annotated[str, typer.Option(help="length in business days, e.g. 10bd")] = "10bd",
    do_apply: Annotated[
        bool,
        typer.Option(
            "--apply", help="offer the plan to the members and refer the rest (one transaction)"
        ),
    ] = False,
    by: Annotated[
        str,
        typer.Option(help="who applies the plan, as the evidence records it (default: your login)"),
    ] = "",
    time_limit: Annotated[
        float, typer.Option(min=1, max=600, help="seconds for the CP-SAT repair")
    ] = 20.0,
    as_json: Annotated[bool, typer.Option("--json", help="print the plan as JSON")] = False,
) -> None:
    """Preview (or --apply) the batch optimizer on the open queue, with its exact bound."""
    window = _horizon(from_, horizon)
    with open_runtime() as runtime:
        try:
            with console.status("solving"):
                plan = optimize_queue(
                    window,
                    runtime.uow(),
                    runtime.clock,
                    runtime.policy,
                    apply=do_apply,
                    applied_by=by or _login(),
                    time_limit=time_limit,
                )
        except ParityError as error:
            raise fail(f"{error.message} (nothing was changed)") from None
        if as_json:
            typer.echo(
                json.dumps(
                    {"summary": plan.summary(), "moves": plan.moves, "unplaced": plan.unplaced}
                )
            )
            return
        _show(plan)


def _login() -> str:
    """The operating-system account running the command: who applied the plan."""
    try:
        return f"login {getpass.getuser()}"
    except (OSError, KeyError):  # no USER variable and no password entry for this uid
        return "the command line"


def register(app: typer.Typer) -> None:
    app.command()(optimize)
