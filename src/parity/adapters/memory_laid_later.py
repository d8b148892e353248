"""Weeks a simulation's slot store has laid but not yet made (ADR 0014, the year, a
structural cut).

The simulator keeps its horizon laid 26 weeks ahead for every clinician, but a booking
searches a few weeks ahead at most: most laid weeks were made, filed and forgotten for
nothing, or long before anything read them. A week laid from a remembered shape
(`week_plan.ShapedSlots`) is instead *reserved*: its slots get their ids at once, in the
order the eager store gave them, and are made and filed the first time anything reaches
the week (a search whose window ends in it, a slot asked for by id, a clinician's slots
read over it). What any reader sees is the same; so are the ids, and with them the order
of two slots at the same instant.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from parity.domain.calendar import LATEST
from parity.domain.week_plan import ShapedSlots
from parity.domain.workforce import Clinician


@dataclass(slots=True, eq=False)
class Reserved:
    """One clinician-week given ids `first_id` to `first_id + count - 1`, not yet made
    (`slots` is None once it is made or its laying is undone)."""

    first_id: int
    count: int
    slots: ShapedSlots | None
    clinician: Clinician  # the record the eager store would have filed the week under


class ReservedWeeks:
    """The reserved clinician-weeks, by their first instant and by their ids."""

    def __init__(self) -> None:
        self._by_start: list[tuple[datetime, int, Reserved]] = []  # a heap
        self._firsts: list[int] = []  # first ids, ascending (ids are given in order)
        self._held: list[Reserved] = []
        # The first instant of the earliest week still reserved: a reader whose window
        # ends before it needs nothing made.
        self.reach = LATEST

    def reserve(self, slots: ShapedSlots, clinician: Clinician, first_id: int) -> Reserved:
        held = Reserved(first_id, len(slots), slots, clinician)
        heapq.heappush(self._by_start, (slots.begins, first_id, held))
        self._firsts.append(first_id)
        self._held.append(held)
        self.reach = self._by_start[0][0]
        return held

    def due(self, instant: datetime) -> Iterator[Reserved]:
        """Take out every week still reserved that begins by `instant`, earliest first
        (then in the order they were laid)."""
        by_start = self._by_start
        while by_start and by_start[0][0] <= instant:
            held = heapq.heappop(by_start)[2]
            if held.slots is not None:
                yield held
        self.reach = by_start[0][0] if by_start else LATEST

    def holding(self, slot_id: int) -> Reserved | None:
        """The reserved week that gave out `slot_id`, if it is not yet made."""
        at = bisect_right(self._firsts, slot_id) - 1
        if at < 0:
            return None
        held = self._held[at]
        if held.slots is None or slot_id >= held.first_id + held.count:
            return None
        return held

    def settle(self) -> None:
        """Drop the weeks already made from the look-up by id (the heap drops its own)."""
        kept = [held for held in self._held if held.slots is not None]
        if len(kept) != len(self._held):
            self._held = kept
            self._firsts = [held.first_id for held in kept]
