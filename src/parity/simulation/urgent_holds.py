"""The urgent holds the simulator has laid, so each day's release looks only at its own.

Releasing unused urgent holds (services/status_quo.py, ADR 0014) by searching every
clinician's calendar each day costs a read per clinician per day; the simulator knows the
holds it laid, so it files them once, by start, and hands each day's release its due ones.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import datetime, time, timedelta, tzinfo

from parity.domain.ports import UnitOfWork
from parity.domain.schedule import BlockKind, IpcWeek

WEEK = timedelta(weeks=1)


class UrgentHolds:
    def __init__(self, clinician_order: Iterable[str], tz: tzinfo) -> None:
        self._tz = tz
        self._order = {clinician_id: n for n, clinician_id in enumerate(clinician_order)}
        self._due: list[tuple[datetime, int, int]] = []  # (start, clinician order, slot id)

    def file(self, uow: UnitOfWork, laid: Iterable[IpcWeek]) -> None:
        """File the urgent slots of the clinician-weeks just laid."""
        with uow:  # a read of what was just laid, in a transaction of its own
            for week in laid:
                # Local midnight to local midnight a week later (wall-clock arithmetic).
                begins = datetime.combine(week.week_start, time(0), tzinfo=self._tz)
                order = self._order.setdefault(week.clinician_id, len(self._order))
                for slot in uow.slots.for_clinician(week.clinician_id, begins, begins + WEEK):
                    if slot.kind is BlockKind.URGENT and slot.id is not None:
                        heapq.heappush(self._due, (slot.start, order, slot.id))

    def next_start(self) -> datetime | None:
        """The start of the earliest hold not yet handed out, if any."""
        return self._due[0][0] if self._due else None

    def due(self, until: datetime) -> tuple[int, ...]:
        """The filed holds starting before `until`, in the order a release scans the
        clinicians (the order they were registered, then start): each is handed out once."""
        due: list[tuple[datetime, int, int]] = []
        while self._due and self._due[0][0] < until:
            due.append(heapq.heappop(self._due))
        due.sort(key=lambda held: (held[1], held[0], held[2]))
        return tuple(slot_id for _, _, slot_id in due)
