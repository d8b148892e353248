"""Clinic-local times typed by people, on a page's form or the command line (docs/adr/0011,
twelfth round; ADR 0013 rule 7): a time the clocks skipped (02:30 on 14 March 2027 in Los
Angeles) or showed twice (01:30 on 1 November 2026) is refused with a message, as the API
refuses it; both were read with the standard-time offset and shifted silently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from parity.domain.calendar import AmbiguousLocalTime, NonexistentLocalTime
from parity.entrypoints.cli.app import app
from parity.entrypoints.web.forms import local_moment

LA = ZoneInfo("America/Los_Angeles")
SKIPPED = "2027-03-14T02:30"  # the second Sunday of March 2027: 02:00 became 03:00
TWICE = "2026-11-01T01:30"  # the first Sunday of November 2026: 02:00 became 01:00


def test_a_form_refuses_a_time_the_clocks_skipped() -> None:
    with pytest.raises(NonexistentLocalTime):
        local_moment(SKIPPED, "from", LA)


def test_a_form_refuses_a_time_the_clocks_showed_twice_unless_it_says_which() -> None:
    with pytest.raises(AmbiguousLocalTime):
        local_moment(TWICE, "from", LA)
    second = local_moment(TWICE + "-08:00", "from", LA)
    assert second.utcoffset() == timedelta(hours=-8)


def test_a_form_reads_an_ordinary_time_on_the_clinic_clock() -> None:
    assert local_moment("2027-03-14T03:30", "from", LA) == datetime(2027, 3, 14, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(("typed", "said"), [(SKIPPED, "skipped"), (TWICE, "happened twice")])
def test_the_command_line_refuses_them_too(typed: str, said: str) -> None:
    result = CliRunner().invoke(app, ["deadline", "--standard", "urgent", "--from", typed])
    assert result.exit_code == 2
    assert said in " ".join(result.output.split())
