"""The simulator's event queue: events come out in time order, ties in the order pushed.

A year of the full region keeps a few hundred thousand future events (visits weeks ahead,
cancellations). One heap of them costs a cache miss at nearly every comparison; events are
kept by UTC day instead, and each day is sorted once when the run reaches it.
"""

from __future__ import annotations

import heapq
import itertools
from bisect import insort
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
    """Events by UTC day: the days to come in a heap, each day's events in a list in the
    order pushed; when the run reaches a day its list is sorted once and read in order
    (an event pushed into the day being read goes into its place), instead of a heap
    push and pop per event (docs/adr/0014, sixth pass)."""

    def __init__(self) -> None:
        self._days: list[int] = []  # a heap of the days that have a bucket
        self._buckets: dict[int, list[Entry]] = {}
        self._sequence = itertools.count()
        # The day being read: its events sorted, the next one at `_next`.
        self._open_day = -1
        self._open: list[Entry] = []
        self._next = 0

    def __len__(self) -> int:
        waiting = sum(len(bucket) for bucket in self._buckets.values())
        return waiting + len(self._open) - self._next

    def push(self, when: datetime, event: Event) -> None:
        key = micros(when)
        day = key // DAY_MICROSECONDS
        entry = (key, next(self._sequence), event, when)
        if day <= self._open_day:  # the day being read (a run never pushes into the past)
            insort(self._open, entry, self._next)
            return
        bucket = self._buckets.get(day)
        if bucket is None:
            self._buckets[day] = [entry]
            heapq.heappush(self._days, day)
        else:
            bucket.append(entry)

    def pop_before(self, until: datetime) -> Iterator[tuple[datetime, Event]]:
        """Take out, in order, every event before `until`, including any pushed meanwhile."""
        limit = micros(until)
        days, buckets = self._days, self._buckets
        while True:
            index = self._next
            if index < len(self._open):
                _, _, event, when = entry = self._open[index]
                if entry[0] >= limit:
                    return
                self._next = index + 1
                yield when, event
                continue
            if not days or days[0] * DAY_MICROSECONDS >= limit:
                return
            day = heapq.heappop(days)
            bucket = buckets.pop(day)
            bucket.sort()  # (instant, sequence): time order, ties in the order pushed
            self._open_day, self._open, self._next = day, bucket, 0
