"""Business days on clinic-local dates.

The law counts business days (Monday to Friday, excluding holidays) on the calendar the
member and clinic live in, so every function here works on `date`, never on instants.
Converting an instant to a local date is the caller's job (see `local_date`), because the
same UTC instant falls on different dates either side of midnight and either side of a
DST change.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from parity.domain.errors import InvalidInput

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The Unix epoch: instants counted as whole seconds (or microseconds) count from here.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """Return the clinic-local calendar date of an aware instant."""
    return instant.astimezone(tz).date()


def end_of_local_day(day: date, tz: ZoneInfo) -> datetime:
    """Return 23:59:59 local on `day`, as an aware datetime in `tz`.

    `datetime.combine` with the zone picks that day's own UTC offset, so a deadline that
    lands on a DST-change day still ends at local midnight, not an hour off.
    """
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)


def by_deadline(moment: datetime, deadline: datetime) -> bool:
    """Whether `moment` is within `deadline`. A day's deadline is written to the second
    (`end_of_local_day`: 23:59:59), and the whole of that last second is still the day, so
    an act recorded at 23:59:59.4 on the last day is in time; a deadline with a fraction of
    a second (48 hours from a request's own instant) is compared as it is."""
    if deadline.microsecond == 0:
        return moment < deadline + timedelta(seconds=1)
    return moment <= deadline


class NonexistentLocalTime(InvalidInput):
    """A clinic-local time that the clock skipped (the spring-forward gap)."""

    rule = "nonexistent-local-time"


class AmbiguousLocalTime(InvalidInput):
    """A clinic-local time that happened twice (the fall-back hour): say which, with an offset."""

    rule = "ambiguous-local-time"


def local_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The instant a clinic's clock showed `wall` (naive, clinic-local). A time inside the
    spring-forward gap never happened and is refused; one in the fall-back hour happened
    twice and is refused too: the caller must give an offset to say which."""
    if wall.tzinfo is not None:
        return wall
    early = wall.replace(tzinfo=tz, fold=0)
    late = wall.replace(tzinfo=tz, fold=1)
    if early.utcoffset() == late.utcoffset():
        return early
    # zoneinfo maps a skipped time to both offsets; a round trip through UTC shows it.
    if early.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
        raise NonexistentLocalTime(
            f"{wall.isoformat()} does not exist in {tz.key}: the clocks skipped that hour",
            time=wall.isoformat(),
        )
    raise AmbiguousLocalTime(
        f"{wall.isoformat()} happened twice in {tz.key}: give it with its UTC offset",
        time=wall.isoformat(),
    )


class BeyondTime(InvalidInput):
    """An instant whose UTC form, or the second after it, no date can hold (past the
    first or the last day of year 1..9999)."""

    rule = "beyond-time"


def reachable(moment: datetime, text: str) -> datetime:
    """`moment` (aware) if it and the second after it are instants a UTC column holds;
    `BeyondTime` naming `text` otherwise. A value that is written or computed from (a form's
    date and time, a deadline, a clock start) passes here, so nothing meets an overflow
    later; a search's bound is held to the ends instead (`bounded`)."""
    try:
        moment.astimezone(UTC)
        (moment + timedelta(seconds=1)).astimezone(UTC)
    except OverflowError:
        raise BeyondTime(
            f"{text!r} is beyond the dates Parity reads (years 1-9999 in UTC)", value=text
        ) from None
    return moment


# The first and last instants a UTC date can hold.
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def bounded(moment: datetime, later: int = 0) -> datetime:
    """`moment` (aware) plus `later` real seconds, held to [EARLIEST, LATEST]: a search
    bound at the very ends of time covers what can be stored of it instead of overflowing
    when it is turned to UTC. Within the range it comes back in its own zone."""
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        return EARLIEST if moment.year < 5000 else LATEST
    if not later:
        return moment
    try:
        shifted = utc + timedelta(seconds=later)
    except OverflowError:
        return LATEST
    try:
        return shifted.astimezone(moment.tzinfo)
    except OverflowError:  # its own zone's wall clock is past year 9999
        return shifted


class OutsideCalendar(InvalidInput):
    """A business-day count reaches a year the holiday list does not cover."""

    rule = "outside-calendar"


class BusinessCalendar:
    """Monday-Friday (or the configured weekdays) minus a named list of holidays. With
    `years`, the list covers only those years and a count outside them is refused rather
    than silently treating an unknown year as having no holidays."""

    __slots__ = ("_add_cache", "_weekday_holidays", "holidays", "name", "weekdays", "years")

    def __init__(
        self,
        name: str,
        holidays: Iterable[date] = (),
        weekdays: Iterable[int] = (0, 1, 2, 3, 4),
        years: range | None = None,
    ) -> None:
        self.name = name
        self.holidays = frozenset(holidays)
        self.years = years
        self.weekdays = frozenset(weekdays)
        if not self.weekdays:
            raise ValueError("a business calendar needs at least one working weekday")
        self._add_cache: dict[tuple[date, int], date] = {}
        # Only holidays on working weekdays change a count; sorted for bisection.
        self._weekday_holidays = sorted(h for h in self.holidays if h.weekday() in self.weekdays)

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.name!r}, {len(self.holidays)} holidays)"

    def is_business_day(self, day: date) -> bool:
        self.check_covered(day)
        return day.weekday() in self.weekdays and day not in self.holidays

    def check_covered(self, day: date) -> None:
        """Refuse a day in a year the holiday list does not cover (`OutsideCalendar`)."""
        if self.years is not None and day.year not in self.years:
            raise OutsideCalendar(
                f"the {self.name} calendar lists holidays for {self.years.start}-"
                f"{self.years.stop - 1}; {day.isoformat()} is outside it: add that year's "
                "holidays to the calendar file",
                day=day.isoformat(),
            )

    def add_business_days(self, day: date, count: int) -> date:
        """Return the `count`-th business day strictly after `day` (`day` itself when 0).

        This is how a limit of N business days ends: with the Nth business day after the
        clock-start's local date, whether or not that date was itself a business day.
        """
        if count < 0:
            raise ValueError("count must be >= 0")
        key = (day, count)
        found = self._add_cache.get(key)
        if found is None:
            found = self._walk(day, count)
            self._add_cache[key] = found
        return found

    def add_business_days_before(self, day: date, count: int) -> date:
        """Return the `count`-th business day strictly before `day` (`day` itself when 0)."""
        if count < 0:
            raise ValueError("count must be >= 0")
        return self._walk(day, count, backwards=True)

    def _walk(self, day: date, count: int, *, backwards: bool = False) -> date:
        """The `count`-th business day after (or before) `day`, one day at a time."""
        step = timedelta(days=-1 if backwards else 1)
        current, remaining = day, count
        try:
            while remaining:
                current += step
                if self.is_business_day(current):
                    remaining -= 1
        except OverflowError:  # a calendar without year bounds, walked past year 1 or 9999
            self.check_covered(current)
            where = "before" if backwards else "after"
            end = "before the first date" if backwards else "beyond the last date"
            raise BeyondTime(f"{count} business days {where} {day} is {end}") from None
        return current

    def business_days_between(self, start: date, end: date) -> int:
        """Count business days in (start, end]; negative when `end` is before `start`.

        A visit on the day of the request is a wait of 0 business days; a visit on the
        next business day is a wait of 1.
        """
        if end < start:
            return -self.business_days_between(end, start)
        self.check_covered(start)
        self.check_covered(end)
        whole_weeks, extra_days = divmod((end - start).days, 7)
        count = whole_weeks * len(self.weekdays)
        cursor = start + timedelta(days=whole_weeks * 7)
        for _ in range(extra_days):
            cursor += timedelta(days=1)
            count += cursor.weekday() in self.weekdays
        holidays = self._weekday_holidays
        return count - (bisect_right(holidays, end) - bisect_right(holidays, start))

    def next_business_day_on_or_after(self, day: date) -> date:
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day
