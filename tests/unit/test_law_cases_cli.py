"""Law cases through the command line: `parity deadline` prints the oracle's deadline
(`law_oracle.py`, written from the rule text)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from law_oracle import at, business_day_deadline, hour_deadline
from typer.testing import CliRunner

from parity.entrypoints.cli.app import app

# -- the same deadlines from `parity deadline` --------------------------------------------------


@pytest.mark.parametrize(
    ("standard", "typed", "start", "limit"),
    [
        ("initial-therapy", "2026-06-06T10:00", at("2026-06-06 10:00"), 10),
        ("initial-therapy", "2026-12-24T10:00", at("2026-12-24 10:00"), 10),  # two holidays
        ("initial-psychiatry", "2026-11-20T16:59", at("2026-11-20 16:59"), 15),
        ("follow-up-therapy", "2026-10-30T23:59", at("2026-10-30 23:59"), 10),
    ],
)
def test_parity_deadline_prints_the_oracles_deadline(
    standard: str, typed: str, start: datetime, limit: int
) -> None:
    result = CliRunner().invoke(
        app, ["deadline", "--standard", standard, "--from", typed, "--json"]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert datetime.fromisoformat(printed["deadline"]) == business_day_deadline(start, limit)


def test_parity_deadline_counts_urgent_hours_through_the_spring_forward_night() -> None:
    result = CliRunner().invoke(
        app, ["deadline", "--standard", "urgent", "--from", "2026-03-07T12:00", "--json"]
    )
    printed = json.loads(result.output)
    assert datetime.fromisoformat(printed["deadline"]) == hour_deadline(at("2026-03-07 12:00"), 48)
