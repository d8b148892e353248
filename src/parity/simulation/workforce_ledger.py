"""Staffing by month from the spells of employment: headcount, FTE, departures, hires,
direct-care capacity and payroll.

Capacity is the bookable hours of each clinician's template (intake, follow-up and urgent
blocks: what is left after protected IPC time and meetings), counted per business day
worked. Strikers are neither paid nor bookable while out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from parity.domain.calendar import BusinessCalendar
from parity.simulation.monthly import Month, month_key
from parity.simulation.workforce import Pay, Post

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Ledger:
    """What turns spells into monthly figures."""

    contract_start: date
    end: date
    calendar: BusinessCalendar
    pay: Pay
    strikers: frozenset[str] = frozenset()
    strike: tuple[date, date] | None = None

    def on_strike(self, post: Post, day: date) -> bool:
        return (
            self.strike is not None
            and post.clinician.id in self.strikers
            and self.strike[0] <= day < self.strike[1]
        )


def staffing_by_month(posts: Iterable[Post], months: dict[str, Month], ledger: Ledger) -> None:
    posts = list(posts)
    for post in posts:
        _accrue(post, months, ledger)
    for key, month in months.items():
        last = _last_day(key)
        active = [p for p in posts if p.active_on(last)]
        month.headcount = len(active)
        month.fte = round(sum(p.clinician.fte for p in active), 3)
        month.departures = sum(1 for p in posts if p.ends is not None and month_key(p.ends) == key)
        month.hires = sum(
            1 for p in posts if p.starts >= ledger.contract_start and month_key(p.starts) == key
        )


def _last_day(key: str) -> date:
    year, month = int(key[:4]), int(key[5:])
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def _accrue(post: Post, months: dict[str, Month], ledger: Ledger) -> None:
    """Add one spell's paid days and bookable business days to its months."""
    day = max(post.starts, ledger.contract_start)
    last = min(post.ends or ledger.end, ledger.end)
    hours_per_day = post.bookable_hours_per_week / 5
    while day < last:
        month = months.get(month_key(day))
        if month is not None and not ledger.on_strike(post, day):
            elapsed = (day - ledger.contract_start).days / DAYS_PER_MONTH
            cost = ledger.pay.monthly_cost(post.clinician.fte, post.plan, elapsed)
            month.payroll_usd += cost * 12 / 365.25
            if ledger.calendar.is_business_day(day):
                month.capacity_hours += hours_per_day
        day += timedelta(days=1)
