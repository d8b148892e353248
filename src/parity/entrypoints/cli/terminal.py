"""What every command shares: the error console, failing with a message (exit status 2 by
default), opening the deployment's runtime, and a bar counting jobs done."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from parity.bootstrap import Runtime, build_runtime
from parity.config import Settings
from parity.domain import ids
from parity.domain.errors import InvalidInput

errors = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def open_runtime() -> Runtime:
    """The deployment's runtime, for `with open_runtime() as runtime:`; its connections
    close when the block ends, so a command run in a long-lived process (a test, a job
    runner) leaves none open behind it."""
    try:
        return build_runtime(Settings.from_env())
    except ValueError as error:
        raise fail(str(error)) from None
    except Exception as error:  # a database that cannot be reached or migrated
        raise fail(f"cannot open the database: {error}") from None


def record_number(text: str) -> int:
    """A record's number as the API reads it (`ids.number`: plain digits, at most a signed
    64-bit integer), or click's usage error: a number no column can hold is refused here,
    before anything looks it up."""
    try:
        return ids.number(text, "record")
    except InvalidInput as error:
        raise typer.BadParameter(error.message) from None


def counted(label: str) -> Progress:
    """A progress bar on the error console: `label`, jobs done of all, time taken."""
    return Progress(
        TextColumn(f"[bold]{label}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
    )
