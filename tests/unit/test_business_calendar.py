"""Business days on clinic-local dates: the arithmetic every business-day deadline rests on."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parity.adapters.rules_files import load_rules
from parity.domain.calendar import (
    AmbiguousLocalTime,
    BusinessCalendar,
    NonexistentLocalTime,
    OutsideCalendar,
    local_instant,
)
from parity.domain.standards import RuleSet

LA = ZoneInfo("America/Los_Angeles")

# A calendar with a few holidays on weekdays, one on a Saturday and a run of two in a row
# (a Thanksgiving-like Thursday and Friday), so the properties cross every kind of gap.
HOLIDAYS = frozenset(
    {
        date(2026, 1, 1),
        date(2026, 5, 25),
        date(2026, 7, 3),
        date(2026, 7, 4),
        date(2026, 11, 26),
        date(2026, 11, 27),
        date(2026, 12, 25),
        date(2027, 1, 1),
    }
)
CALENDAR = BusinessCalendar("test", HOLIDAYS)
# A six-day working week, to be sure nothing assumes Monday to Friday.
SIX_DAY = BusinessCalendar("six-day", HOLIDAYS, weekdays=(0, 1, 2, 3, 4, 5))

days = st.dates(min_value=date(2025, 10, 1), max_value=date(2027, 3, 31))
counts = st.integers(min_value=1, max_value=60)
calendars = st.sampled_from([CALENDAR, SIX_DAY])


def naive_count(calendar: BusinessCalendar, start: date, end: date) -> int:
    """Business days in (start, end], walking one day at a time."""
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    total = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        total += calendar.is_business_day(day)
    return sign * total


@given(calendars, days, counts)
def test_adding_business_days_lands_on_a_business_day(
    calendar: BusinessCalendar, day: date, count: int
) -> None:
    assert calendar.is_business_day(calendar.add_business_days(day, count))


@given(calendars, days, counts)
def test_adding_business_days_moves_strictly_forward(
    calendar: BusinessCalendar, day: date, count: int
) -> None:
    assert calendar.add_business_days(day, count) > day


@given(calendars, days, st.integers(min_value=0, max_value=60))
def test_counting_back_from_an_added_date_gives_the_count(
    calendar: BusinessCalendar, day: date, count: int
) -> None:
    later = calendar.add_business_days(day, count)
    assert calendar.business_days_between(day, later) == count


@given(calendars, days, counts)
def test_the_day_before_the_nth_business_day_is_only_n_minus_one_away(
    calendar: BusinessCalendar, day: date, count: int
) -> None:
    # The Nth business day is the *first* date at which the count reaches N.
    later = calendar.add_business_days(day, count)
    assert calendar.business_days_between(day, later - timedelta(days=1)) == count - 1


@given(calendars, days, days, days)
def test_business_days_between_is_additive(
    calendar: BusinessCalendar, a: date, b: date, c: date
) -> None:
    assert calendar.business_days_between(a, b) + calendar.business_days_between(
        b, c
    ) == calendar.business_days_between(a, c)


@given(calendars, days, days)
def test_business_days_between_is_antisymmetric(
    calendar: BusinessCalendar, a: date, b: date
) -> None:
    assert calendar.business_days_between(a, b) == -calendar.business_days_between(b, a)


@given(calendars, days, days)
def test_business_days_between_agrees_with_a_day_by_day_count(
    calendar: BusinessCalendar, a: date, b: date
) -> None:
    assert calendar.business_days_between(a, b) == naive_count(calendar, a, b)


@given(calendars, days)
def test_adding_zero_business_days_is_the_same_day(calendar: BusinessCalendar, day: date) -> None:
    assert calendar.add_business_days(day, 0) == day


def test_it_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="count"):
        CALENDAR.add_business_days(date(2026, 6, 1), -1)


def test_it_refuses_a_calendar_with_no_working_days() -> None:
    with pytest.raises(ValueError, match="weekday"):
        BusinessCalendar("closed", weekdays=())


def test_a_visit_on_the_day_of_the_request_is_a_wait_of_zero_business_days() -> None:
    assert CALENDAR.business_days_between(date(2026, 6, 3), date(2026, 6, 3)) == 0


def test_a_weekend_holiday_does_not_change_a_count() -> None:
    # Saturday 2026-07-04 is a holiday but not a working day; Friday 07-03 (observed) is.
    # Thu 07-02 -> Mon 07-06: the working days in (Thu, Mon] are Fri (holiday) and Mon.
    assert CALENDAR.business_days_between(date(2026, 7, 2), date(2026, 7, 6)) == 1


def test_the_next_business_day_on_or_after_skips_a_long_weekend() -> None:
    # Thanksgiving Thursday and the day after, then the weekend: Monday 11-30.
    assert CALENDAR.next_business_day_on_or_after(date(2026, 11, 26)) == date(2026, 11, 30)
    assert CALENDAR.next_business_day_on_or_after(date(2026, 11, 25)) == date(2026, 11, 25)


@pytest.mark.parametrize(
    ("holiday", "name"),
    [
        (date(2026, 11, 26), "Thanksgiving"),
        (date(2026, 11, 27), "the day after Thanksgiving"),
        (date(2026, 3, 31), "Cesar Chavez Day"),
        (date(2026, 9, 7), "Labor Day"),
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 12, 25), "Christmas Day"),
    ],
)
def test_the_california_calendar_closes_on_state_holidays(
    rules: RuleSet, holiday: date, name: str
) -> None:
    assert holiday.weekday() < 5, f"{name} should fall on a weekday in 2026"
    assert holiday in rules.calendar.holidays
    assert not rules.calendar.is_business_day(holiday)


@pytest.mark.parametrize(
    ("open_day", "why"),
    [
        (date(2026, 7, 3), "Independence Day on a Saturday is not observed on the Friday"),
        (date(2027, 12, 24), "Christmas on a Saturday: offices open on the Friday"),
        (date(2027, 12, 31), "New Year's Day 2028 on a Saturday: open on the Friday"),
        (date(2026, 6, 19), "Juneteenth is not a state-office closure"),
        (date(2027, 10, 29), "Diwali is elective for state employees (AB 268), offices open"),
        (date(2026, 2, 12), "Lincoln's Birthday was dropped as a paid state holiday in 2009"),
        (date(2028, 2, 15), "Susan B. Anthony Day is commemorative, offices open"),
        (date(2020, 7, 3), "Independence Day 2020 fell on a Saturday: offices open Friday"),
        (date(2021, 12, 24), "Christmas 2021 fell on a Saturday: offices open Friday"),
    ],
)
def test_the_state_calendar_is_open_where_the_package_closes(
    rules: RuleSet, open_day: date, why: str
) -> None:
    assert rules.calendar.is_business_day(open_day), why


@pytest.mark.parametrize(
    ("closed", "why"),
    [
        (date(2023, 11, 10), "Veterans Day on a Saturday is observed the Friday before"),
        (date(2024, 4, 1), "Cesar Chavez Day on a Sunday is observed on the Monday"),
        (date(2022, 12, 26), "Christmas on a Sunday is observed on the Monday"),
        (date(2030, 11, 29), "the day after Thanksgiving"),
        (date(2019, 4, 1), "Cesar Chavez Day 2019 on a Sunday is observed on the Monday"),
        (date(2021, 7, 5), "Independence Day 2021 on a Sunday is observed on the Monday"),
        (date(2020, 11, 27), "the day after Thanksgiving 2020"),
    ],
)
def test_the_state_calendar_observes_sunday_holidays_on_monday(
    rules: RuleSet, closed: date, why: str
) -> None:
    assert not rules.calendar.is_business_day(closed), why


def test_a_ten_business_day_deadline_no_longer_runs_a_day_late_around_july_4_2026(
    rules: RuleSet,
) -> None:
    # Requested Monday 2026-06-22: business days Jun 23-26 (4), Jun 29-Jul 3 (5; Friday
    # Jul 3 is open), Jul 6 (10th).
    assert rules.calendar.add_business_days(date(2026, 6, 22), 10) == date(2026, 7, 6)


def test_a_year_the_calendar_does_not_list_is_refused(rules: RuleSet) -> None:
    with pytest.raises(OutsideCalendar):
        rules.calendar.add_business_days(date(2030, 12, 20), 10)


def test_the_calendar_is_named_and_cited(rules: RuleSet) -> None:
    assert rules.calendar.name == "california-state-offices"
    assert "19853" in rules.citations["calendar"]


def test_the_california_calendar_is_open_on_an_ordinary_weekday(rules: RuleSet) -> None:
    assert rules.calendar.is_business_day(date(2026, 11, 25))
    assert not rules.calendar.is_business_day(date(2026, 11, 28))


def test_thanksgiving_week_has_three_business_days_in_california(rules: RuleSet) -> None:
    # Mon 23, Tue 24, Wed 25 work; Thu 26 and Fri 27 are holidays.
    assert rules.calendar.business_days_between(date(2026, 11, 22), date(2026, 11, 29)) == 3


def test_a_plans_extra_closures_are_honoured() -> None:
    closure = date(2026, 12, 24)  # a Thursday the plan closes its clinics
    plain = load_rules()
    closed = load_rules(extra_holidays=[closure])
    assert plain.calendar.is_business_day(closure)
    assert not closed.calendar.is_business_day(closure)
    # The state holidays are still there alongside the extra one.
    assert date(2026, 11, 26) in closed.calendar.holidays
    # 12-23 -> 12-28: (Thu 24 closed, Fri 25 Christmas, weekend) leaves only Mon 28.
    assert closed.calendar.business_days_between(date(2026, 12, 23), date(2026, 12, 28)) == 1
    assert plain.calendar.business_days_between(date(2026, 12, 23), date(2026, 12, 28)) == 2


# -- clinic-local times that the clock skipped or showed twice --------------------------------


def test_a_clock_start_in_the_spring_forward_gap_is_refused() -> None:
    # 2026-03-08 02:30 never happened in Los Angeles: clocks went from 02:00 to 03:00.
    with pytest.raises(NonexistentLocalTime):
        local_instant(datetime(2026, 3, 8, 2, 30), LA)  # noqa: DTZ001 - a naive wall time


def test_an_ambiguous_clock_start_needs_an_offset() -> None:
    # 2026-11-01 01:30 happened twice (PDT, then PST).
    with pytest.raises(AmbiguousLocalTime):
        local_instant(datetime(2026, 11, 1, 1, 30), LA)  # noqa: DTZ001 - a naive wall time
    given_offset = datetime(2026, 11, 1, 1, 30, tzinfo=timezone(timedelta(hours=-8)))
    assert local_instant(given_offset, LA) == given_offset


def test_an_ordinary_local_time_is_that_instant() -> None:
    found = local_instant(datetime(2026, 6, 1, 9, 0), LA)  # noqa: DTZ001 - a naive wall time
    assert found.utcoffset() == timedelta(hours=-7)
    assert (found.hour, found.minute) == (9, 0)
