"""An independent oracle for the California timely-access clocks, written from the rule text
and never from Parity's code: the law-case tests compare the real system against it.

* Holidays: Gov. Code §19853(a), (b) as CalHR publishes them — Jan 1, 3rd Monday of
  January, 3rd Monday of February, March 31, last Monday of May, July 4, 1st Monday of
  September, Nov 11, Thanksgiving and the day after, Dec 25; a Sunday holiday is observed
  the Monday after; a Saturday one is not observed (holiday credit) except Nov 11, observed
  the Friday before.
* Business day: Monday-Friday, not a holiday (H&S §1367.03(a)(5); 28 CCR §1300.67.2.2(c)(5)).
* N business days from an event: the end of the Nth business day after the event's local
  date (America/Los_Angeles) — the event's own day is day 0, whatever kind of day it is.
* Hour limits (urgent 48 h / 96 h) are elapsed hours, weekends and nights included.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LA = ZoneInfo("America/Los_Angeles")


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def state_holidays(year: int) -> set[date]:
    """The days California state offices close in `year` (Gov. Code §19853)."""
    observed: set[date] = set()
    for fixed in (date(year, 1, 1), date(year, 3, 31), date(year, 7, 4), date(year, 12, 25)):
        if fixed.weekday() == 6:
            observed.add(fixed + timedelta(days=1))
        elif fixed.weekday() < 5:
            observed.add(fixed)
    veterans = date(year, 11, 11)
    shift = {5: -1, 6: 1}.get(veterans.weekday(), 0)
    observed.add(veterans + timedelta(days=shift))
    thanksgiving = _nth_weekday(year, 11, 3, 4)
    observed |= {
        _nth_weekday(year, 1, 0, 3),
        _nth_weekday(year, 2, 0, 3),
        _last_weekday(year, 5, 0),
        _nth_weekday(year, 9, 0, 1),
        thanksgiving,
        thanksgiving + timedelta(days=1),
    }
    return observed


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in state_holidays(day.year)


def nth_business_day_after(day: date, n: int) -> date:
    while n:
        day += timedelta(days=1)
        n -= is_business_day(day)
    return day


def business_day_deadline(event: datetime, n: int) -> datetime:
    """The last instant of the Nth business day after the event's local date."""
    last_day = nth_business_day_after(event.astimezone(LA).date(), n)
    return datetime.combine(last_day, time(23, 59, 59), tzinfo=LA)


def hour_deadline(event: datetime, hours: int) -> datetime:
    return (event.astimezone(UTC) + timedelta(hours=hours)).astimezone(LA)


def at(text: str) -> datetime:
    """A Los Angeles wall time, e.g. "2026-06-01 09:00" (never in a DST gap or overlap)."""
    return datetime.fromisoformat(text).replace(tzinfo=LA)
