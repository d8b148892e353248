"""`parity waitlist show|join|leave|sweep` and `parity messages send-due`, on the configured
database (PARITY_DATABASE_URL) with the deployment's channels (PARITY_SMTP_*, PARITY_SMS_DIR)."""

from __future__ import annotations

from datetime import time
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from parity.bootstrap import build_channels, build_links
from parity.domain.errors import ParityError
from parity.domain.messages import Message
from parity.domain.waitlist import Preferences
from parity.domain.workforce import Modality
from parity.entrypoints.cli.terminal import fail, open_runtime, record_number
from parity.entrypoints.security.context import SecurityConfig
from parity.services.notifications import send_due
from parity.services.waitlist import JoinWaitlist, join_waitlist, leave_waitlist, ranked_waitlist
from parity.services.waitlist_sweep import sweep_waitlist

console = Console()
waitlist_app = typer.Typer(help="The waitlist: who waits for a freed slot, best first.")
messages_app = typer.Typer(help="Member messages: offers, confirmations, reminders, cancellations.")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@waitlist_app.command("show")
def show() -> None:
    """The open waitlist, ranked: clinic-cancelled first, then least time to the deadline."""
    with open_runtime() as runtime:
        ranked = ranked_waitlist(runtime.uow(), runtime.clock)
        tz = runtime.policy.rules.timezone
        table = Table(title=f"Waitlist ({len(ranked)} open)")
        for column in ("rank", "request", "member", "standard", "deadline", "reason", "status"):
            table.add_column(column)
        for rank, entry in enumerate(ranked, 1):
            table.add_row(
                str(rank),
                str(entry.request_id),
                entry.member_id,
                entry.standard,
                f"{entry.deadline.astimezone(tz):%a %Y-%m-%d %H:%M}",
                entry.reason.value + (" (head of line)" if entry.head_of_line else ""),
                entry.status.value,
            )
        console.print(table)


def _preferences(
    weekday: list[str],
    earliest: str | None,
    latest: str | None,
    clinician: str | None,
    modality: str | None,
    clinic: str | None,
) -> Preferences:
    unknown = [d for d in weekday if d.lower()[:3] not in WEEKDAYS or len(d) < 3]
    if unknown:
        raise fail(f"--weekday {unknown[0]!r} is not a weekday: one of {', '.join(WEEKDAYS)}")
    try:
        days = tuple(sorted({WEEKDAYS.index(d.lower()[:3]) for d in weekday}))
        return Preferences(
            days,
            time.fromisoformat(earliest) if earliest else None,
            time.fromisoformat(latest) if latest else None,
            clinician,
            Modality(modality) if modality else None,
            clinic,
        )
    except ValueError as error:
        raise fail(f"bad preference: {error}") from None


@waitlist_app.command("join")
def join(
    request_id: Annotated[
        int,
        typer.Argument(
            parser=record_number, metavar="REQUEST", help="the care request (ServiceRequest id)"
        ),
    ],
    weekday: Annotated[list[str], typer.Option(help="mon..sun; repeat for several")] = [],  # noqa: B006
    earliest: Annotated[str | None, typer.Option(help="local time, e.g. 09:00")] = None,
    latest: Annotated[str | None, typer.Option(help="local time, e.g. 17:00")] = None,
    clinician: Annotated[str | None, typer.Option(help="only this clinician")] = None,
    modality: Annotated[str | None, typer.Option(help="in-person, video or phone")] = None,
    clinic: Annotated[str | None, typer.Option(help="only this clinic")] = None,
) -> None:
    """Put a request on the waitlist (an open one waits for a timely slot, a booked one
    for an earlier time)."""
    wanted = _preferences(
        weekday, earliest, latest, clinician, modality, clinic
    )  # before connecting
    with open_runtime() as runtime:
        try:
            entry = join_waitlist(JoinWaitlist(request_id, wanted), runtime.uow(), runtime.clock)
        except ParityError as error:
            raise fail(error.message) from None
        console.print(f"request {request_id} is on the waitlist ({entry.reason.value})")


@waitlist_app.command("leave")
def leave(
    request_id: Annotated[
        int, typer.Argument(parser=record_number, metavar="REQUEST", help="the care request")
    ],
) -> None:
    """Take a request off the waitlist."""
    with open_runtime() as runtime:
        try:
            leave_waitlist(request_id, runtime.uow(), runtime.clock)
        except ParityError as error:
            raise fail(error.message) from None
        console.print(f"request {request_id} left the waitlist")


@waitlist_app.command("sweep")
def sweep() -> None:
    """Expire unanswered offers (their slots go to the next request) and refer out of
    network any request still waiting near its deadline. Run it every few minutes."""
    with open_runtime() as runtime:
        result = sweep_waitlist(runtime.uow(), runtime.clock, runtime.policy)
        console.print(
            f"offers expired {result.expired}, offered again {result.offered_again}, "
            f"referred out of network {result.referred}"
        )


@messages_app.command("send-due")
def send(
    console_sms: Annotated[
        bool, typer.Option(help="print SMS instead of writing PARITY_SMS_DIR")
    ] = False,
) -> None:
    """Queue reminders that have come due, then send every due message (e-mail through
    PARITY_SMTP_HOST, SMS to PARITY_SMS_DIR); failures are kept and retried next run."""
    with open_runtime() as runtime:
        channels = build_channels(runtime.settings, console_sms)
        try:
            secret = SecurityConfig.from_settings(runtime.settings).secret
        except ValueError as error:
            raise fail(str(error)) from None
        links = build_links(secret, runtime.policy)

        def values(message: Message) -> dict[str, str]:
            offer = message.context.get("offer_id")
            return {"link": links.url(runtime.settings.public_url, int(offer))} if offer else {}

        columns = (
            SpinnerColumn(),
            TextColumn("[bold]sending due messages[/]"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=True) as progress:
            progress.add_task("send", total=None)
            result = send_due(runtime.uow(), channels, runtime.clock, runtime.policy, values)
        console.print(
            f"reminders queued {result.reminders_queued}, sent {result.sent}, failed {result.failed}"
        )
        if result.failed:
            raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(waitlist_app, name="waitlist")
    app.add_typer(messages_app, name="messages")
