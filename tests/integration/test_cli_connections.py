"""A command run inside a long-lived process (a test, a job runner) closes its database
connections when it ends, instead of leaving them for the garbage collector: on a server
with a connection limit, idle connections left behind refuse the next client."""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from parity.entrypoints.cli.app import app

CLINICS = "id,name,address\nnorth,North Clinic,1 North St.\n"


def open_connections(admin: Engine, name: str) -> int:
    with admin.connect() as connection:
        query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name")
        return int(connection.execute(query, {"name": name}).scalar_one())


def left_open(admin: Engine, name: str) -> int:
    """The connections named `name` the server still lists once it has caught up: a backend
    leaves pg_stat_activity a moment after its client closes, so a closed connection may
    show for some milliseconds. Waits while the count falls, up to 10 s."""
    deadline = time.monotonic() + 10
    count = open_connections(admin, name)
    while count and time.monotonic() < deadline:
        time.sleep(0.05)
        count = open_connections(admin, name)
    return count


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize(
    ("command", "code"),
    [
        (["import", "clinics", "{clinics}"], 0),
        (["users", "list"], 0),
        (["waitlist", "sweep"], 0),
        (["plan", "add-action", "--finding", "99", "--description", "x", "--owner", "y",
          "--due", "2027-01-01"], 2),
    ],
    ids=["import", "users list", "waitlist sweep", "a refused plan action"],
)  # fmt: skip
def test_a_command_leaves_no_connection_open(
    command: list[str], code: int, postgres_admin: Engine, database_url: str, tmp_path: Path
) -> None:
    clinics = tmp_path / "clinics.csv"
    clinics.write_text(CLINICS, encoding="utf-8")
    name = f"cli-{os.getpid()}"
    env = {"PARITY_DATABASE_URL": f"{database_url}&application_name={name}"}
    args = [part.format(clinics=clinics) for part in command]
    # The cyclic collector stays paused, so only the command's own close can free its
    # connections (an engine left behind sits in reference cycles until a collection).
    gc.disable()
    try:
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code == code, result.output
        assert left_open(postgres_admin, name) == 0
    finally:
        gc.enable()
