"""What every command shares: the error console, failing with a message (exit status 2 by
default), opening the deployment's runtime, and a bar counting jobs done."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from parity.bootstrap import Runtime, build_runtime
from parity.config import Settings

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


def counted(label: str) -> Progress:
    """A progress bar on the error console: `label`, jobs done of all, time taken."""
    return Progress(
        TextColumn(f"[bold]{label}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
    )
