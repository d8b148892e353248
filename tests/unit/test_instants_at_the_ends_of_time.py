"""Instants read from outside at the ends of what a date can hold: a search's bound covers
what a UTC instant can hold of it (so it finds nothing there); a form's date and time, a
deadline or a clock start past them is refused with a message. Never an overflow later,
when the instant is compared, searched or written in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from parity.adapters.fhir import parse_datetime
from parity.domain.calendar import EARLIEST, LATEST, BeyondTime, BusinessCalendar
from parity.domain.errors import InvalidInput
from parity.domain.standards import RuleSet
from parity.entrypoints.cli.app import app
from parity.entrypoints.web import forms

LA = ZoneInfo("America/Los_Angeles")

# Valid FHIR values whose UTC form, or the second after it, is past year 9999 or before
# year 1: a search bound there covers what a UTC instant can hold (and finds nothing there).
AT_THE_ENDS = [
    ("9999-12-31T23:59:59+00:00", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), LATEST),
    ("9999-12-31T23:59:59+14:00", datetime(9999, 12, 31, 9, 59, 59, tzinfo=UTC), datetime(9999, 12, 31, 10, tzinfo=UTC)),
    ("0001-01-01T00:00:00+14:00", EARLIEST, EARLIEST),  # in UTC, the last day of year 0
    ("9999-12-31T20:00:00", LATEST, LATEST),  # clinic-local: 04:00 UTC in year 10000
]  # fmt: skip
WITHIN = [
    ("0001-01-01T00:00:00-08:00", datetime(1, 1, 1, 8, tzinfo=UTC)),
    ("9999-12-30T00:00:00+00:00", datetime(9999, 12, 30, tzinfo=UTC)),
    ("2026-06-01T09:00:00-07:00", datetime(2026, 6, 1, 16, tzinfo=UTC)),
]


@pytest.mark.parametrize(("text", "start", "end"), AT_THE_ENDS)
def test_a_search_bound_at_the_ends_of_time_covers_what_can_be_stored(
    text: str, start: datetime, end: datetime
) -> None:
    low, high = parse_datetime(text, LA)
    assert (low.astimezone(UTC), high.astimezone(UTC)) == (start, end)


@pytest.mark.parametrize(("text", "utc"), WITHIN)
def test_an_instant_within_them_covers_its_second(text: str, utc: datetime) -> None:
    start, end = parse_datetime(text, LA)
    assert start.astimezone(UTC) == utc
    assert end - start == timedelta(seconds=1)


def test_the_last_date_is_refused_for_it_has_no_day_after_it() -> None:
    with pytest.raises(InvalidInput, match="is not a FHIR date"):
        parse_datetime("9999-12-31", LA)


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
