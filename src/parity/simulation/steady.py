"""Steady state: leave laid into the calendar, and a warm-up that runs until the load is flat.

A run that starts from an empty caseload measures a ramp: booked follow-up slots keep
rising for a year or more. The engine records, each week, the share of laid slots used and
the mean lead time of the bookings made; the warm-up is extended four weeks at a time until
both have levelled off (ADR 0014), and the check is printed with the results.

Levelled off means over half a year, not from one window to the next: with members who wait
months before giving up, the status-quo lead grows by a few per cent every eight weeks for
two years and more, a drift that two adjacent windows never show.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import fmean
from zoneinfo import ZoneInfo

from parity.adapters.rules_files import RegionSpec
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import AvailabilityException, ExceptionKind
from parity.domain.workforce import Clinician
from parity.services.policy import Policy
from parity.services.schedules import AddException, add_availability_exception
from parity.simulation.booking_policy import BookingPolicy

WINDOW_WEEKS = 8
# An eight-week mean and the one that ended this many weeks earlier...
APART_WEEKS = 16
# ...within these bounds count as flat.
FLAT_UTILISATION = 0.02
FLAT_LEAD_SHARE = 0.05


# The region file's key, in its `[status_quo]` and `[parity]` tables, for the weeks of
# warm-up after which a run from an empty caseload measures a level load under that booking
# policy (measured in ADR 0014, "Steady state"). Runs that cannot extend their own warm-up
# (paired scenario runs share their calendar) start this long before the contract.
WARMUP_KEY = "steady_warmup_weeks"


def warmup_weeks(spec: RegionSpec, policy: BookingPolicy) -> int:
    """The region's measured steady warm-up under `policy` (its booking-behaviour table)."""
    table = spec.status_quo if policy is BookingPolicy.STATUS_QUO else spec.parity
    return int(table[WARMUP_KEY])


def steady_warmup(runs: Iterable[tuple[RegionSpec, BookingPolicy]]) -> int:
    """A warm-up long enough for the slowest of `runs` (a region and the policy it books
    by) to reach a level load."""
    return max(warmup_weeks(spec, policy) for spec, policy in runs)


@dataclass
class WeeklyLoad:
    """Per simulated week: share of laid slots used, and mean booking lead in days."""

    utilisation: list[float] = field(default_factory=list)
    lead_days: list[float] = field(default_factory=list)
    _held: int = 0
    _leads: list[float] = field(default_factory=list)

    def visit_held(self) -> None:
        self._held += 1

    def booked(self, lead_days: float) -> None:
        self._leads.append(lead_days)

    def close_week(self, free_left: int) -> None:
        laid = self._held + free_left
        self.utilisation.append(self._held / laid if laid else 0.0)
        self.lead_days.append(fmean(self._leads) if self._leads else 0.0)
        self._held, self._leads = 0, []

    def flat(self) -> bool:
        return is_flat(self.utilisation, FLAT_UTILISATION, relative=False) and is_flat(
            self.lead_days, FLAT_LEAD_SHARE, relative=True
        )

    def report(self) -> str:
        if len(self.utilisation) < WINDOW_WEEKS + APART_WEEKS:
            return "warm-up too short to check for a steady state"
        last, before = _windows(self.utilisation)
        lead_last, lead_before = _windows(self.lead_days)
        verdict = "flat" if self.flat() else "NOT flat"
        return (
            f"steady-state check ({WINDOW_WEEKS}-week means {APART_WEEKS} weeks apart): "
            f"slot use {before:.1%} -> "
            f"{last:.1%}, booking lead {lead_before:.1f} -> {lead_last:.1f} days: {verdict}"
        )


def _windows(series: Sequence[float]) -> tuple[float, float]:
    """The last eight weeks' mean, and the mean of the eight weeks that ended 16 weeks before."""
    earlier = series[: len(series) - APART_WEEKS]
    return fmean(series[-WINDOW_WEEKS:]), fmean(earlier[-WINDOW_WEEKS:])


def is_flat(series: Sequence[float], tolerance: float, *, relative: bool) -> bool:
    """The last eight weeks' mean differs from the mean of the eight weeks that ended 16
    weeks before by less than `tolerance` (a share of the earlier mean if relative)."""
    if len(series) < WINDOW_WEEKS + APART_WEEKS:
        return False
    last, before = _windows(series)
    scale = max(abs(before), 1e-9) if relative else 1.0
    return abs(last - before) / scale < tolerance


def free_slots_left(uow: UnitOfWork, clinicians: Sequence[Clinician], start: datetime) -> int:
    """Slots of the week from `start` that nobody used (read on the live store)."""
    end = start + timedelta(weeks=1)
    return sum(
        1
        for clinician in clinicians
        for slot in uow.slots.for_clinician(clinician.id, start, end)
        if slot.status == "free"
    )


def lay_leave(
    clinicians: Sequence[Clinician],
    weeks_per_year: float,
    first_monday: date,
    weeks: int,
    rng: random.Random,
    services: tuple[UnitOfWork, Policy, Clock],
) -> int:
    """Record whole weeks of PTO for every clinician: `weeks_per_year` on average, placed at
    random (the region's `leave_weeks_per_year`, an ESTIMATE), through the PTO service."""
    uow, policy, clock = services
    tz = policy.rules.timezone
    recorded = 0
    for clinician in clinicians:
        for week in _leave_weeks(weeks_per_year, weeks, rng):
            monday = first_monday + timedelta(weeks=week)
            exception = AvailabilityException(
                clinician.id,
                ExceptionKind.PTO,
                _instant(monday, tz),
                _instant(monday + timedelta(days=5), tz),
                "annual leave or sickness (simulated)",
            )
            add_availability_exception(AddException(exception), uow, policy, clock)
            recorded += 1
    return recorded


def _leave_weeks(weeks_per_year: float, weeks: int, rng: random.Random) -> list[int]:
    expected = weeks_per_year * weeks / 52
    count = int(expected) + (rng.random() < expected - int(expected))
    return sorted(rng.sample(range(weeks), min(count, weeks)))


def _instant(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)
