"""Instants read from outside (a search's date, an operation's dateTime, a form's date and
time) at the ends of what a date can hold: refused with a message, never an overflow
later, when the instant is compared, searched or written in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from parity.adapters.fhir import parse_datetime
from parity.domain.calendar import BeyondTime, BusinessCalendar
from parity.domain.errors import InvalidInput
from parity.domain.standards import RuleSet
from parity.entrypoints.cli.app import app
from parity.entrypoints.web import forms

LA = ZoneInfo("America/Los_Angeles")

# Each needs a year past 9999 or before 1 once it is in UTC, or one second later.
BEYOND = [
    "9999-12-31T23:59:59+00:00",  # the second after it is year 10000
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00+14:00",  # in UTC, the last day of year 0
    "9999-12-31T20:00:00",  # clinic-local: 04:00 UTC in year 10000
    "9999-12-31",  # the day's end is year 10000 in UTC
]
WITHIN = [
    ("0001-01-01T00:00:00-08:00", datetime(1, 1, 1, 8, tzinfo=UTC)),
    ("9999-12-30T00:00:00+00:00", datetime(9999, 12, 30, tzinfo=UTC)),
    ("2026-06-01T09:00:00-07:00", datetime(2026, 6, 1, 16, tzinfo=UTC)),
]


@pytest.mark.parametrize("text", BEYOND)
def test_a_search_or_operation_instant_past_the_ends_of_time_is_refused(text: str) -> None:
    with pytest.raises(BeyondTime, match="beyond the dates Parity reads"):
        parse_datetime(text, LA)


@pytest.mark.parametrize(("text", "utc"), WITHIN)
def test_an_instant_within_them_covers_its_second(text: str, utc: datetime) -> None:
    start, end = parse_datetime(text, LA)
    assert start.astimezone(UTC) == utc
    assert end - start == timedelta(seconds=1)


def test_a_date_covers_its_local_day() -> None:
    start, end = parse_datetime("2026-03-08", LA)  # 23 hours: the clocks spring forward
    assert (start.astimezone(UTC), end.astimezone(UTC)) == (
        datetime(2026, 3, 8, 8, tzinfo=UTC),
        datetime(2026, 3, 9, 7, tzinfo=UTC),
    )


@pytest.mark.parametrize("value", ["9999-12-31T23:00", "9999-12-31T20:00-08:00"])
def test_a_form_date_and_time_past_the_end_is_a_message(value: str) -> None:
    with pytest.raises(InvalidInput, match="beyond the dates"):
        forms.local_moment(value, "from", LA)


def test_a_form_deadline_on_the_last_day_is_a_message() -> None:
    with pytest.raises(InvalidInput, match="beyond the dates"):
        forms.end_of_day("9999-12-31", "extended deadline", LA)
    assert forms.end_of_day("2026-12-08", "extended deadline", LA) == datetime(
        2026, 12, 8, 23, 59, 59, tzinfo=LA
    )


def test_a_deadline_past_the_last_date_is_a_refusal_not_an_overflow(rules: RuleSet) -> None:
    urgent = rules.standard("urgent")
    with pytest.raises(BeyondTime, match="ends beyond the last date"):
        rules.deadline(urgent, datetime(9999, 12, 30, 23, tzinfo=LA))
    assert rules.deadline(urgent, datetime(2040, 1, 1, tzinfo=LA)) == datetime(
        2040, 1, 3, tzinfo=LA
    )


def test_business_days_past_the_last_date_are_a_refusal() -> None:
    unbounded = BusinessCalendar("weekdays", frozenset())
    with pytest.raises(BeyondTime, match="after 9999-12-30"):
        unbounded.add_business_days(date(9999, 12, 30), 2)
    with pytest.raises(BeyondTime, match="before 0001-01-02"):
        unbounded.add_business_days_before(date(1, 1, 2), 2)
    assert unbounded.add_business_days(date(2026, 12, 4), 1) == date(2026, 12, 7)  # Fri→Mon


def test_the_command_line_refuses_a_clock_start_past_the_last_date() -> None:
    result = CliRunner().invoke(
        app, ["deadline", "--standard", "urgent", "--from", "9999-12-31T23:00"]
    )
    assert result.exit_code == 2
    assert "beyond the dates Parity reads" in result.stderr
