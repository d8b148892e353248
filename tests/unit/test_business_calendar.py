"""Business days on clinic-local dates: the arithmetic every business-day deadline rests on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parity.adapters.rules_files import load_rules
from parity.domain.calendar import BusinessCalendar
from parity.domain.standards import RuleSet

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
        (date(2026, 7, 3), "Independence Day (observed)"),
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


def test_the_california_calendar_lists_diwali_which_falls_on_a_sunday_in_2026(
    rules: RuleSet,
) -> None:
    # The `holidays` package (US/CA) names 2026-11-08 "Diwali". It is a Sunday, so it never
    # shifts a count in 2026: a Friday-to-Monday wait is one business day either way.
    diwali = date(2026, 11, 8)
    assert diwali in rules.calendar.holidays
    assert diwali.weekday() == 6
    assert rules.calendar.business_days_between(date(2026, 11, 6), date(2026, 11, 9)) == 1


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
