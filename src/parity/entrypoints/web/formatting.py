"""How instants, durations and shares read on a page: clinic-local, in plain words.

Instants are stored in UTC; people read the clinic's wall clock, so every time shown goes
through `Formats`, built per request with the jurisdiction's zone and the service clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from parity.domain.calendar import BusinessCalendar, local_date

HOURS_SHOWN_UNDER = timedelta(hours=48)


@dataclass(frozen=True)
class TimeLeft:
    """Time to a legal deadline: words for the page and a tone for its badge."""

    text: str
    tone: str  # "overdue", "urgent", "soon" or "ok"
    sort_seconds: int


@dataclass(frozen=True)
class Formats:
    tz: ZoneInfo
    calendar: BusinessCalendar
    now: datetime

    @property
    def today(self) -> date:
        return local_date(self.now, self.tz)

    def when(self, instant: datetime | None) -> str:
        """`Wed 3 Jun 2026, 14:00` on the clinic's clock."""
        if instant is None:
            return "—"
        local = instant.astimezone(self.tz)
        return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"

    def day(self, instant: datetime | date | None) -> str:
        if instant is None:
            return "—"
        local = instant.astimezone(self.tz).date() if isinstance(instant, datetime) else instant
        return f"{local:%a} {local.day} {local:%b %Y}"

    def clock(self, instant: datetime) -> str:
        return f"{instant.astimezone(self.tz):%H:%M}"

    def local_input(self, instant: datetime) -> str:
        """The value a `datetime-local` field shows for `instant` on the clinic's clock."""
        return f"{instant.astimezone(self.tz):%Y-%m-%dT%H:%M}"

    def iso_day(self, instant: datetime) -> str:
        return local_date(instant, self.tz).isoformat()

    def left(self, deadline: datetime) -> TimeLeft:
        """Time left before a deadline: hours when under two days, else business days
        counted on local dates (the unit the law's limits use)."""
        remaining = deadline - self.now
        seconds = int(remaining.total_seconds())
        if remaining < timedelta(0):
            return TimeLeft(f"overdue by {self._span(-remaining, deadline)}", "overdue", seconds)
        if remaining < HOURS_SHOWN_UNDER:
            hours = max(1, int(remaining.total_seconds() // 3600))
            return TimeLeft(f"{hours} h left", "urgent", seconds)
        days = self.calendar.business_days_between(self.today, local_date(deadline, self.tz))
        tone = "soon" if days <= 3 else "ok"
        return TimeLeft(f"{days} business day{'s' * (days != 1)} left", tone, seconds)

    def _span(self, elapsed: timedelta, deadline: datetime) -> str:
        if elapsed < HOURS_SHOWN_UNDER:
            return f"{max(1, int(elapsed.total_seconds() // 3600))} h"
        days = self.calendar.business_days_between(local_date(deadline, self.tz), self.today)
        return f"{days} business day{'s' * (days != 1)}"


def percent(share: float | None, digits: int = 0) -> str:
    return "n/a" if share is None else f"{share * 100:.{digits}f} %"


def hours(minutes: int | float | None) -> str:
    return "—" if minutes is None else f"{minutes / 60:.1f} h"


def money(amount: float | int) -> str:
    return f"${amount:,.0f}"


def number(value: float | int | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def short_citation(citation: str) -> str:
    """The sources of a citation without its paraphrase (the part before a colon)."""
    return citation.split(":", 1)[0].strip()


def words(code: str | None) -> str:
    """A rule or status code as words: `member-declined-timely-offer` → `member declined timely offer`."""
    return "—" if not code else code.replace("-", " ").replace("_", " ")


# Codes as the people at the desk say them (the codes stay in the data and the API).
LABELS = {
    "initial": "first visit",
    "follow-up": "follow-up visit",
    "urgent": "urgent visit",
    "therapist": "therapist or counsellor",
    "psychiatric-nurse": "psychiatric nurse",
    "psychiatrist": "psychiatrist",
    "in-person": "in person",
    "video": "video",
    "phone": "phone",
}


def label(code: str | None) -> str:
    """A code in plain words: `psychiatric-nurse` → `psychiatric nurse`."""
    return "—" if not code else LABELS.get(code, words(code))
