"""What every command shares: the error console, failing with a message (exit status 2 by
default), opening the deployment's runtime, the files a command writes, and a bar counting
jobs done."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from parity.bootstrap import Runtime, build_runtime
from parity.config import Settings
from parity.domain import ids
from parity.domain.errors import InvalidInput

errors = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `message` as it is (a value the user typed may hold brackets, which the
    console would otherwise read as its markup and drop) and exit with `code`."""
    errors.print(f"[bold red]error:[/] {escape(message)}")
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


def check_writable(*paths: Path) -> None:
    """Refuse, before any work, a file the command could not write: a directory's name, a
    file it may not replace, or a folder it could neither find nor create. A long run then
    never ends in a traceback, and a command that writes two files never writes one."""
    seen: set[Path] = set()
    for path in paths:
        resolved = path.resolve()
        if resolved in seen:
            raise fail(f"{path} is named twice: each output needs a file of its own")
        seen.add(resolved)
        if resolved.is_dir():
            raise fail(f"cannot write {path}: it is a folder, name a file in it")
        if resolved.exists() and not os.access(resolved, os.W_OK):
            raise fail(f"cannot write {path}: permission denied")
        folder = resolved.parent
        while not folder.exists():
            folder = folder.parent
        if not folder.is_dir():
            raise fail(f"cannot write {path}: {folder} is a file, not a folder")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise fail(f"cannot write {path}: permission denied in {folder}")


def write_file(path: Path, text: str) -> None:
    """Write `text` to `path` (UTF-8), creating its folder; what the system still refuses
    (a full disk, a read-only mount) is a message and exit status 2, not a traceback."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise fail(f"cannot write {path}: {error.strerror or error}") from None


def counted(label: str) -> Progress:
    """A progress bar on the error console: `label`, jobs done of all, time taken."""
    return Progress(
        TextColumn(f"[bold]{label}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
    )
