"""The simulator's event queue: events come out in time order, ties in the order pushed.

A year of the full region keeps a few hundred thousand future events (visits weeks ahead,
cancellations). One heap of them costs a cache miss at nearly every comparison; a small
heap per UTC day, and a heap of the days, keeps each pop among the day's events.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)
DAY_MICROSECONDS = 86_400_000_000

# (microseconds since the epoch, sequence, kind, payload, instant)
Event = tuple[int, int, str, Any, datetime]


def micros(instant: datetime) -> int:
    """An aware instant as whole microseconds since the epoch: exact, and cheap to compare."""
    return (instant - EPOCH) // ONE_MICROSECOND


class EventQueue:
    def __init__(self) -> None:
        self._days: list[int] = []  # a heap of the days that have a bucket
        self._buckets: dict[int, list[Event]] = {}
        self._sequence = itertools.count()

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self._buckets.values())

    def push(self, when: datetime, kind: str, payload: Any) -> None:
        key = micros(when)
        day = key // DAY_MICROSECONDS
        bucket = self._buckets.get(day)
        if bucket is None:
            bucket = self._buckets[day] = []
            heapq.heappush(self._days, day)
        heapq.heappush(bucket, (key, next(self._sequence), kind, payload, when))

    def pop_before(self, until: datetime) -> Iterator[tuple[datetime, str, Any]]:
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
            _, _, kind, payload, when = heapq.heappop(bucket)
            yield when, kind, payload
