"""The simulator's event queue: events come out in time order, ties in the order pushed.

A year of the full region keeps a few hundred thousand future events (visits weeks ahead,
cancellations). One heap of them costs a cache miss at nearly every comparison; a small
heap per UTC day, and a heap of the days, keeps each pop among the day's events.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from parity.domain.calendar import EPOCH
from parity.domain.records import quick_init

ONE_MICROSECOND = timedelta(microseconds=1)
DAY_MICROSECONDS = 86_400_000_000


@dataclass(frozen=True, slots=True)
class Arrival:
    """A member calls for care: a new episode starts."""


@quick_init  # built once or more per booking decision (ADR 0014, sixth pass)
@dataclass(frozen=True, slots=True)
class VisitDue:
    """A booked visit's start: the member comes or does not."""

    appointment_id: int


@quick_init  # built once or more per booking decision (ADR 0014, sixth pass)
@dataclass(frozen=True, slots=True)
class ClinicCancel:
    """The clinic cancels a booked visit (the clinician is unavailable)."""

    appointment_id: int


@quick_init  # built once or more per booking decision (ADR 0014, sixth pass)
@dataclass(frozen=True, slots=True)
class MemberCancel:
    """The member cancels a booked visit and asks for another time."""

    appointment_id: int


@quick_init  # built once or more per booking decision (ADR 0014, sixth pass)
@dataclass(frozen=True, slots=True)
class GiveUp:
    """The member stops waiting for a late visit; the episode ends."""

    appointment_id: int


Event = Arrival | VisitDue | ClinicCancel | MemberCancel | GiveUp

# (microseconds since the epoch, sequence, event, instant)
Entry = tuple[int, int, Event, datetime]


def micros(instant: datetime) -> int:
    """An aware instant as whole microseconds since the epoch: exact, and cheap to compare."""
    return (instant - EPOCH) // ONE_MICROSECOND


class EventQueue:
    def __init__(self) -> None:
        self._days: list[int] = []  # a heap of the days that have a bucket
        self._buckets: dict[int, list[Entry]] = {}
        self._sequence = itertools.count()

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self._buckets.values())

    def push(self, when: datetime, event: Event) -> None:
        key = micros(when)
        day = key // DAY_MICROSECONDS
        bucket = self._buckets.get(day)
        if bucket is None:
            bucket = self._buckets[day] = []
            heapq.heappush(self._days, day)
        heapq.heappush(bucket, (key, next(self._sequence), event, when))

    def pop_before(self, until: datetime) -> Iterator[tuple[datetime, Event]]:
        """Take out, in order, every event before `until`, including any pushed meanwhile."""
        limit = micros(until)
        days, buckets = self._days, self._buckets
        while days and days[0] * DAY_MICROSECONDS < limit:
            bucket = buckets[days[0]]
            if not bucket:
                del buckets[heapq.heappop(days)]
                continue
            if bucket[0][0] >= limit:
                return
            _, _, event, when = heapq.heappop(bucket)
            yield when, event
