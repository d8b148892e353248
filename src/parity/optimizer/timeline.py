"""Instants as integer seconds, and the clinic-local dates and day parts the rules use.

The optimizer compares instants as UTC epoch seconds (cheap, and DST cannot bend them),
but every rule about *days* (same-day limits, course spacing, business days late, the
member's preferred part of the day) is decided on the clinic's local calendar: a visit at
17:30 local on the day clocks change is still that local day's evening.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from parity.domain.calendar import BusinessCalendar, local_date
from parity.optimizer.problem import DayPart
from parity.optimizer.weights import Limits


def epoch(instant: datetime) -> int:
    """Whole UTC seconds of an aware instant."""
    return int(instant.timestamp())


def local_day(instant: datetime, tz: ZoneInfo) -> int:
    """The proleptic ordinal of the instant's local date (day arithmetic without dates)."""
    return local_date(instant, tz).toordinal()


def day_start(day: int, tz: ZoneInfo) -> int:
    """Epoch second of local midnight starting `day`; `combine` takes that day's UTC offset,
    so a day of 23 or 25 hours still starts and ends at local midnight."""
    return epoch(datetime.combine(date.fromordinal(day), time(0), tzinfo=tz))


def day_part(instant: datetime, tz: ZoneInfo, limits: Limits) -> DayPart:
    """Morning, afternoon or evening on the local clock."""
    return part_of(instant.astimezone(tz).time(), limits)


def part_of(clock: time, limits: Limits) -> DayPart:
    """The part of the day a local clock time falls in."""
    if clock < limits.morning_ends:
        return DayPart.MORNING
    if clock < limits.afternoon_ends:
        return DayPart.AFTERNOON
    return DayPart.EVENING


def business_days_left(
    now: datetime, deadline: datetime, calendar: BusinessCalendar, tz: ZoneInfo
) -> int:
    """Business days from today (local) to the deadline's local date; 0 when due today."""
    return max(0, calendar.business_days_between(local_date(now, tz), local_date(deadline, tz)))


def business_days_late(
    deadline: datetime, start: datetime, calendar: BusinessCalendar, tz: ZoneInfo
) -> int:
    """How late a visit starting at `start` is: 0 when timely, else at least 1 business day
    (a Saturday after a Friday deadline is late too, by the next business day)."""
    if start <= deadline:
        return 0
    days = calendar.business_days_between(local_date(deadline, tz), local_date(start, tz))
    if not calendar.is_business_day(local_date(start, tz)):
        days += 1
    return max(1, days)
