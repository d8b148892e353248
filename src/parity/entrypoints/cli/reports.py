"""`parity report` and `parity plan`: compliance evidence and the corrective-action plan."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from parity.bootstrap import Runtime
from parity.domain.corrective import ActionStatus
from parity.domain.errors import ParityError
from parity.entrypoints.cli.terminal import (
    check_writable,
    fail,
    open_runtime,
    record_number,
    write_file,
)
from parity.entrypoints.reports.compliance import (
    evidence_csv,
    evidence_json,
    to_csv,
    to_html,
    to_json,
)
from parity.services.compliance_report import ComplianceReport, build_report
from parity.services.corrective import AddAction, add_action, detect_findings, move_action
from parity.services.evidence_trail import evidence_documents
from parity.services.reporting import Period

console = Console()
plan_app = typer.Typer(
    help="The corrective-action plan: findings and their actions.", no_args_is_help=True
)
WRITERS = {"html": to_html, "csv": to_csv, "json": to_json}


def _window(start: str, end: str) -> Period:
    try:
        window = Period(date.fromisoformat(start), date.fromisoformat(end))
    except ValueError:
        raise fail(
            f"--from and --to must be ISO dates (YYYY-MM-DD), got {start!r} and {end!r}"
        ) from None
    if window.end <= window.start:
        raise fail("--to must be after --from")
    return window


def _report(runtime: Runtime, window: Period) -> ComplianceReport:
    return build_report(runtime.uow(), runtime.policy, window, runtime.clock.now())


def report(
    from_: Annotated[str, typer.Option("--from", help="first day (ISO date), clinic-local")],
    to: Annotated[str, typer.Option(help="day after the last (ISO date)")],
    format_: Annotated[str, typer.Option("--format", help="html, csv or json")] = "html",
    output: Annotated[Path | None, typer.Option(help="file to write (default: stdout)")] = None,
    evidence: Annotated[
        Path | None,
        typer.Option(help="also write the per-request evidence here (.json: JSON, else CSV)"),
    ] = None,
) -> None:
    """Write the compliance report for requests made in [--from, --to)."""
    if format_ not in WRITERS:
        raise fail(f"--format must be one of {', '.join(WRITERS)}, got {format_!r}")
    window = _window(from_, to)
    check_writable(*(path for path in (output, evidence) if path is not None))
    with open_runtime() as runtime:  # one connection pool for the report and its evidence
        try:
            built = _report(runtime, window)
        except ParityError as error:
            raise fail(error.message) from None
        text = WRITERS[format_](built)
        if output is None:
            typer.echo(text)
        else:
            write_file(output, text)
            console.print(f"wrote {format_} report for {len(built.rows):,} requests to {output}")
            _print_rates(built)
        if evidence is not None:
            documents = evidence_documents(
                runtime.uow(), runtime.policy, window, built.generated_at
            )
            write = evidence_json if evidence.suffix == ".json" else evidence_csv
            write_file(evidence, write(documents))
            console.print(f"wrote per-request evidence to {evidence}")


def _print_rates(built: ComplianceReport) -> None:
    """Both rates, each explained: the regulator's survey rate and the request rate."""
    for rate in built.survey:
        console.print(
            f"survey rate {rate.appointment_class} {rate.network} {rate.year}: "
            f"{_pct(rate.share)} of {rate.answers} provider answers within standard "
            f"(threshold {_pct(rate.threshold)}{_judged(rate.passed, rate.in_force)})",
            highlight=False,
        )
    for check in built.checks:
        console.print(
            f"request rate {check.name}: {_pct(check.share)} of {check.decided} decided "
            "requests under the law's standards offered in time (the plan's own measure)",
            highlight=False,
        )
    console.print(f"business days on the {built.calendar} calendar", highlight=False)


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.1%}"


@plan_app.command("detect")
def plan_detect(
    from_: Annotated[str, typer.Option("--from", help="first day (ISO date)")],
    to: Annotated[str, typer.Option(help="day after the last (ISO date)")],
) -> None:
    """Open findings for every network × class × measurement year whose survey rate is
    below the threshold."""
    with open_runtime() as runtime:
        built = _report(runtime, _window(from_, to))
        created = detect_findings(built.survey, runtime.uow(), runtime.policy, runtime.clock)
        console.print(f"{len(created)} new finding(s)")
        for finding in created:
            console.print(
                f"  #{finding.id} {finding.scope}: {finding.value:.1%} < {finding.threshold:.0%}"
            )


@plan_app.command("show")
def plan_show(
    from_: Annotated[str, typer.Option("--from", help="trend from (ISO date)")] = "2000-01-01",
    to: Annotated[str, typer.Option(help="trend to (ISO date)")] = "2100-01-01",
) -> None:
    """Every finding with its actions (overdue flagged) and its metric's trend."""
    with open_runtime() as runtime:
        built = _report(runtime, _window(from_, to))
    table = Table(title="Corrective-action plan")
    for column in ("finding", "scope", "value", "status", "actions", "trend"):
        table.add_column(column)
    for line in built.plan:
        actions = "\n".join(
            f"#{a.id} {a.description} ({a.owner}, due {a.due}, {a.status}"
            + (", [bold red]OVERDUE[/])" if a.id in line.overdue else ")")
            for a in line.actions
        )
        trend = ", ".join(f"{m}: {'n/a' if s is None else f'{s:.0%}'}" for m, s in line.trend)
        table.add_row(
            str(line.finding.id),
            line.finding.scope,
            f"{line.finding.value:.1%}",
            line.finding.status.value,
            actions or "-",
            trend,
        )
    console.print(table)


@plan_app.command("add-action")
def plan_add_action(
    finding: Annotated[
        int, typer.Argument(parser=record_number, metavar="FINDING", help="finding number")
    ],
    description: Annotated[str, typer.Option(help="what will be done")],
    owner: Annotated[str, typer.Option(help="who owns it")],
    due: Annotated[str, typer.Option(help="due date (ISO)")],
) -> None:
    """Add an action to a finding."""
    with open_runtime() as runtime:
        try:
            action = add_action(
                AddAction(finding, description, owner, date.fromisoformat(due)),
                runtime.uow(),
                runtime.clock,
            )
        except ValueError:
            raise fail(f"--due must be an ISO date, got {due!r}") from None
        except ParityError as error:
            raise fail(error.message) from None
        console.print(f"action #{action.id} added to finding #{finding}")


@plan_app.command("move")
def plan_move(
    action: Annotated[
        int, typer.Argument(parser=record_number, metavar="ACTION", help="action number")
    ],
    status: Annotated[str, typer.Option(help="planned, in-progress, done or cancelled")],
) -> None:
    """Change an action's status."""
    with open_runtime() as runtime:
        try:
            moved = move_action(action, ActionStatus(status), runtime.uow(), runtime.clock)
        except ValueError:
            raise fail(
                f"--status must be one of {', '.join(s.value for s in ActionStatus)}"
            ) from None
        except ParityError as error:
            raise fail(error.message) from None
        console.print(f"action #{moved.id} is now {moved.status}")


def register(app: typer.Typer) -> None:
    app.command()(report)
    app.add_typer(plan_app, name="plan")


def _judged(passed: bool | None, in_force: bool) -> str:
    if not in_force:
        return ", not in force that measurement year"
    return ", below" if passed is False else ""
