"""The `parity` command line: answers, JSON, and clear failures with a non-zero exit."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parity.entrypoints.cli.app import app

runner = CliRunner()


def test_deadline_prints_json_with_the_standard_clock_start_and_deadline() -> None:
    result = runner.invoke(
        app, ["deadline", "--standard", "initial-therapy", "--from", "2026-11-20T12:00", "--json"]
    )
    assert result.exit_code == 0
    body = json.loads(result.stdout)
    assert body["standard"] == "initial-therapy"
    assert body["clock_start"] == "2026-11-20T12:00:00-08:00"
    # Nov 23, 24, 25, (26-27 Thanksgiving), 30, Dec 1, 2, 3, 4, 7, 8: the 10th business day.
    assert body["deadline"] == "2026-12-08T23:59:59-08:00"


def test_deadline_reads_an_offset_as_given() -> None:
    result = runner.invoke(
        app, ["deadline", "--standard", "urgent", "--from", "2026-10-31T06:00:00+00:00", "--json"]
    )
    assert result.exit_code == 0
    # 48 real hours across the end of daylight saving time on 2026-11-01.
    assert json.loads(result.stdout)["deadline"] == "2026-11-01T22:00:00-08:00"


def test_deadline_refuses_an_unknown_standard_with_a_clear_message() -> None:
    result = runner.invoke(app, ["deadline", "--standard", "soon", "--from", "2026-11-20T12:00"])
    assert result.exit_code == 2
    assert "unknown access standard 'soon'" in result.stderr


def test_deadline_refuses_a_malformed_date() -> None:
    result = runner.invoke(app, ["deadline", "--standard", "urgent", "--from", "next tuesday"])
    assert result.exit_code == 2
    assert "ISO date-time" in result.stderr


def test_simulate_refuses_an_unknown_contract_without_a_traceback() -> None:
    result = runner.invoke(app, ["simulate", "--contract", "nope", "--region", "demo"])
    assert result.exit_code == 2
    assert "no contract named 'nope'" in result.stderr
    assert "Traceback" not in result.output


def test_simulate_prints_a_json_summary_with_the_ipc_ledger() -> None:
    result = runner.invoke(
        app,
        [
            "simulate",
            "--region",
            "demo",
            "--scale",
            "0.5",
            "--weeks",
            "2",
            "--warmup",
            "2",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["ipc_kept_share"] == 1.0
    assert body["bookings_in_protected_time"] == 0
    assert set(body["groups"]) == {"urgent", "initial", "follow-up"}


def plain(output: str) -> str:
    """The words of an error panel, its borders and line wraps gone."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", output).split())


BAD_NUMBERS = ["99999999999999999999", "9223372036854775808", "007", "12x", "1e5", "+3", " 4"]
NUMBERED = [
    ["waitlist", "join", "{}"],
    ["waitlist", "leave", "{}"],
    ["plan", "add-action", "{}", "--description", "d", "--owner", "o", "--due", "2027-01-01"],
    ["plan", "move", "{}", "--status", "done"],
]


@pytest.mark.parametrize("bad", BAD_NUMBERS)
@pytest.mark.parametrize("command", NUMBERED, ids=lambda c: " ".join(c[:2]))
def test_a_record_number_no_column_can_hold_is_a_usage_error(
    command: list[str], bad: str, tmp_path: Path
) -> None:
    # 2**63 - 1 is the largest id a signed 64-bit column holds; the parse refuses anything
    # above it, and any spelling but plain digits, before the database is opened.
    database = tmp_path / "never-opened.db"
    args = [part.format(bad) for part in command]
    result = runner.invoke(app, args, env={"PARITY_DATABASE_URL": f"sqlite:///{database}"})
    assert result.exit_code == 2, result.output
    assert "whole numbers written plainly" in plain(result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not database.exists()


@pytest.mark.parametrize(
    "command",
    [
        ["simulate", "--region", "demo", "--weeks", "1"],
        ["calibrate", "--region", "demo"],
        ["scenarios", "compare", "socal-2025", "socal-union-2024"],
        ["scenarios", "tornado", "socal-2025", "socal-union-2024"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_a_negative_seed_is_a_usage_error(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--seed", "-1"])
    assert result.exit_code == 2, result.output
    assert "--seed" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_unknown_jurisdiction_is_named_as_one() -> None:
    result = runner.invoke(
        app, ["deadline", "--standard", "urgent", "--from", "2026-01-01", "--jurisdiction", "x"]
    )
    assert result.exit_code == 2
    assert "no jurisdiction named 'x'" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["scenarios", "compare", "socal-2025", "socal-union-2024", "--workers", "0"],
        ["scenarios", "tornado", "socal-2025", "socal-union-2024", "--workers", "0"],
    ],
    ids=lambda c: c[1],
)
def test_a_long_run_whose_output_cannot_be_written_is_refused_before_it_starts(
    command: list[str], tmp_path: Path
) -> None:
    # A folder where the file goes: refused at once (the runs would take minutes, then fail).
    result = runner.invoke(app, [*command, "--output", str(tmp_path)])
    assert result.exit_code == 2
    assert "it is a folder" in " ".join(result.output.split())
    assert "replications" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_tornado_of_a_figure_no_run_reports_is_refused_before_it_starts() -> None:
    result = runner.invoke(
        app, ["scenarios", "tornado", "socal-2025", "socal-union-2024", "--figure", "waits"]
    )
    assert result.exit_code == 2, result.output
    assert "--figure 'waits' is not a figure" in plain(result.output)
    assert "follow_up_within_standard" in plain(result.output)
    assert "tornado " not in result.output  # no progress bar: nothing ran


@pytest.mark.parametrize("extra", [["compare"], ["tornado", "--only", "1"]], ids=lambda e: e[0])
def test_a_scheduler_that_cannot_be_reached_is_named_not_a_traceback(extra: list[str]) -> None:
    command, *options = extra
    args = ["scenarios", command, "socal-2025", "socal-union-2024", "--runs", "2", *options]
    result = runner.invoke(app, [*args, "--scheduler", "no-port-here"])
    assert result.exit_code == 2, result.output
    assert "could not reach the Dask scheduler at 'no-port-here'" in plain(result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_error_shows_the_value_as_typed_even_with_brackets() -> None:
    # The console reads "[bold]" as its own markup; the message must still show it.
    override = "region_overrides.demand.psychiatry_share=[bold]"
    result = runner.invoke(
        app, ["scenarios", "compare", "socal-2025", "socal-union-2024", "--set", override]
    )
    assert result.exit_code == 2, result.output
    assert "must be a number, got '[bold]'" in plain(result.output)
