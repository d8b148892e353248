"""The urgent holds the simulator has laid, so each day's release looks only at its own.

Releasing unused urgent holds (services/status_quo.py, ADR 0014) by searching every
clinician's calendar each day costs a read per clinician per day; the simulator knows the
holds it laid, so it files them once, by start, and hands each day's release its due ones.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import datetime, time, timedelta, tzinfo

from parity.domain.calendar import LATEST
from parity.domain.ports import UnitOfWork
from parity.domain.schedule import BlockKind, IpcWeek

WEEK = timedelta(weeks=1)


class UrgentHolds:
    def __init__(self, clinician_order: Iterable[str], tz: tzinfo) -> None:
        self._tz = tz
        self._order = {clinician_id: n for n, clinician_id in enumerate(clinician_order)}
        self._due: list[tuple[datetime, int, int]] = []  # (start, clinician order, slot id)
        # Clinician-weeks laid but not yet read: (first instant, order laid, the week, the
        # store's next slot id when it was laid). A week is read when the earliest hold
        # could be in it, so a store that makes weeks when first read (ADR 0014, the
        # structural cut) is not made to make its whole horizon at once.
        self._unread: list[tuple[datetime, int, IpcWeek, int | None]] = []
        self._laid = 0
        self._uow: UnitOfWork | None = None

    def file(self, uow: UnitOfWork, laid: Iterable[IpcWeek], below: int | None = None) -> None:
        """File the urgent slots of the clinician-weeks just laid, as they are now. Given
        `below`, the store's next slot id (a store that gives ids in order), the weeks are
        read when first needed, for the slots with smaller ids: the slots laid by now."""
        self._uow = uow
        for week in laid:
            # Local midnight to local midnight a week later (wall-clock arithmetic).
            begins = datetime.combine(week.week_start, time(0), tzinfo=self._tz)
            self._order.setdefault(week.clinician_id, len(self._order))
            heapq.heappush(self._unread, (begins, self._laid, week, below))
            self._laid += 1
        if below is None:
            self._read_through(LATEST)

    def _read_through(self, instant: datetime) -> None:
        """Read every laid week that begins by `instant`, so no hold in a week still unread
        starts before a filed one."""
        unread = self._unread
        if not unread or unread[0][0] > instant:
            return
        assert self._uow is not None
        with self._uow as uow:  # a read of what was laid, in a transaction of its own
            while unread and unread[0][0] <= instant:
                begins, _, week, below = heapq.heappop(unread)
                order = self._order[week.clinician_id]
                for slot in uow.slots.for_clinician(week.clinician_id, begins, begins + WEEK):
                    if (
                        slot.kind is BlockKind.URGENT
                        and slot.id is not None
                        and (below is None or slot.id < below)
                    ):
                        heapq.heappush(self._due, (slot.start, order, slot.id))

    def next_start(self) -> datetime | None:
        """The start of the earliest hold not yet handed out, if any."""
        while self._unread and (not self._due or self._unread[0][0] <= self._due[0][0]):
            # With none filed, the earliest week laid.
            self._read_through(self._due[0][0] if self._due else self._unread[0][0])
        return self._due[0][0] if self._due else None

    def due(self, until: datetime) -> tuple[int, ...]:
        """The filed holds starting before `until`, in the order a release scans the
        clinicians (the order they were registered, then start): each is handed out once."""
        self._read_through(until)
        due: list[tuple[datetime, int, int]] = []
        while self._due and self._due[0][0] < until:
            due.append(heapq.heappop(self._due))
        due.sort(key=lambda held: (held[1], held[0], held[2]))
        return tuple(slot_id for _, _, slot_id in due)
