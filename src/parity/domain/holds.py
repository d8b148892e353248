"""Holds: a slot set aside for one request for a limited time (FHIR `$hold`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from parity.domain.errors import InvalidTransition


class HoldStatus(StrEnum):
    ACTIVE = "active"
    BOOKED = "booked"
    RELEASED = "released"
    EXPIRED = "expired"


@dataclass(slots=True)
class Hold:
    request_id: int
    slot_id: int
    held_at: datetime
    expires_at: datetime
    status: HoldStatus = HoldStatus.ACTIVE
    id: int = 0

    def is_live(self, now: datetime) -> bool:
        return self.status is HoldStatus.ACTIVE and now < self.expires_at

    def end(self, status: HoldStatus) -> None:
        if self.status is not HoldStatus.ACTIVE:
            raise InvalidTransition(f"hold {self.id} is already {self.status}")
        self.status = status
