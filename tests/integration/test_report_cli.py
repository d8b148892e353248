"""`parity report` with `--evidence` on a SQLite file: the report and the per-request evidence
come from one run, list the requests made in the window and no others, and a file the command
could not write is refused before anything is written."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sql_support import build_region, initial_request
from typer.testing import CliRunner

from parity.adapters.clock import SystemClock
from parity.adapters.sql import SqlUnitOfWork, engine_from_url, upgrade
from parity.domain.members import Member
from parity.entrypoints.cli.app import app
from parity.services.members import register_member
from parity.services.policy import Policy
from parity.services.requests import open_request

runner = CliRunner()


@pytest.fixture
def request_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: Policy) -> list[int]:
    url = f"sqlite:///{tmp_path / 'parity.db'}"
    monkeypatch.setenv("PARITY_DATABASE_URL", url)
    engine = engine_from_url(url)
    upgrade(engine)
    region = build_region(SqlUnitOfWork(engine), policy)
    opened = []
    for member in ("m1", "m2"):
        register_member(Member(member, f"Member {member}", "north"), region.uow)
        # The command reads the requests made in a window of the real calendar.
        opened.append(open_request(initial_request(member), region.uow, SystemClock(), policy).id)
    engine.dispose()
    return opened


def _window(days_before: int, days_after: int) -> list[str]:
    today = datetime.now(UTC).date()
    return [
        "--from",
        (today - timedelta(days=days_before)).isoformat(),
        "--to",
        (today + timedelta(days=days_after)).isoformat(),
    ]


def test_the_report_and_its_evidence_list_the_window_s_requests(
    request_ids: list[int], tmp_path: Path
) -> None:
    report, evidence = tmp_path / "out" / "report.json", tmp_path / "out" / "evidence.json"
    written = ["--format", "json", "--output", str(report), "--evidence", str(evidence)]
    done = runner.invoke(app, ["report", *_window(2, 3), *written])
    assert done.exit_code == 0, done.output
    assert json.loads(report.read_text())["headline"]["requests"] == 2
    documents = json.loads(evidence.read_text())
    assert sorted(d["request"] for d in documents) == sorted(request_ids)
    assert {d["member"] for d in documents} == {"m1", "m2"}
    # Nothing was offered yet: the evidence records no offer the system did not see made.
    assert all(d["offers"] == [] and d["exception"] is None for d in documents)
    assert {d["standard"] for d in documents} == {"initial-therapy"}


def test_the_evidence_as_csv_has_a_row_a_request_and_none_outside_the_window(
    request_ids: list[int], tmp_path: Path
) -> None:
    evidence = tmp_path / "evidence.csv"
    done = runner.invoke(app, ["report", *_window(2, 3), "--evidence", str(evidence)])
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(evidence.read_text())))
    assert sorted(int(row["request"]) for row in rows) == sorted(request_ids)
    earlier = tmp_path / "earlier.csv"
    past = ["--from", "2023-01-02", "--to", "2023-02-01", "--evidence", str(earlier)]
    assert runner.invoke(app, ["report", *past]).exit_code == 0
    assert list(csv.DictReader(io.StringIO(earlier.read_text()))) == []


@pytest.mark.parametrize(
    ("output", "evidence", "says"),
    [
        ("report.html", "{tmp}", "it is a folder"),
        ("{tmp}", "evidence.csv", "it is a folder"),
        ("report.html", "report.html", "named twice"),
        ("blocker/report.html", "evidence.csv", "is a file, not a folder"),
    ],
)
def test_an_output_the_command_cannot_write_is_refused_before_anything_is_written(
    request_ids: list[int], tmp_path: Path, output: str, evidence: str, says: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "blocker").write_text("a file where a folder is named")

    def where(name: str) -> str:
        return str(work) if name == "{tmp}" else str(work / name)

    done = runner.invoke(
        app, ["report", *_window(2, 3), "--output", where(output), "--evidence", where(evidence)]
    )
    assert done.exit_code == 2
    assert says in " ".join(done.output.split())  # the console wraps long lines
    assert "Traceback" not in done.output
    assert sorted(p.name for p in work.iterdir()) == ["blocker"]
