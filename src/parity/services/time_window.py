"""A half-open window of instants, as searches ask for one (slots, visits, proposals)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from parity.domain.calendar import EPOCH

EARLIEST = EPOCH
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open window [start, end) of instants; an open side is unbounded."""

    start: datetime | None = None
    end: datetime | None = None

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The window clamped to 1970-9999, so every store can hold its bounds in UTC."""
        start = EARLIEST if self.start is None else min(max(self.start, EARLIEST), LATEST)
        end = LATEST if self.end is None else max(min(self.end, LATEST), EARLIEST)
        return start, end

    def holds(self, moment: datetime) -> bool:
        start, end = self.bounds
        return start <= moment < end
