"""The waitlist: requests waiting for a freed slot, ranked by time to their legal deadline.

A request waits when no acceptable timely slot exists, when its member asked for an earlier
time than the one booked, or when the clinic cancelled its visit (it then goes to the head
of the line with its original deadline: the plan owes that member a prompt reschedule).
Ranking and matching are pure: the services feed them the request, the slot and `now`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from parity.domain.care import CareRequest
from parity.domain.errors import InvalidInput, InvalidTransition
from parity.domain.schedule import Slot
from parity.domain.workforce import Modality

URGENT_STANDARDS = frozenset({"urgent", "urgent-prior-auth"})


class WaitReason(StrEnum):
    NO_TIMELY_SLOT = "no-timely-slot"
    WANTS_EARLIER = "member-wants-earlier"
    CLINIC_CANCELLED = "clinic-cancelled"


class WaitStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    DONE = "done"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class Preferences:
    """What the member will accept: weekdays (0 = Monday, clinic-local), a local time-of-day
    window, one clinician, one modality, one clinic. Empty means "any"."""

    weekdays: tuple[int, ...] = ()
    earliest: time | None = None
    latest: time | None = None
    clinician_id: str | None = None
    modality: Modality | None = None
    clinic_id: str | None = None

    def __post_init__(self) -> None:
        if any(not 0 <= d <= 6 for d in self.weekdays):
            raise InvalidInput("weekdays run from 0 (Monday) to 6 (Sunday)")
        if self.earliest and self.latest and self.earliest >= self.latest:
            raise InvalidInput("the earliest time of day must come before the latest")


@dataclass(slots=True)
class WaitlistEntry:
    """One request on the waitlist; `deadline` is the request's effective deadline when it
    joined (a clinic cancellation keeps the original one)."""

    request_id: int
    member_id: str
    standard: str
    deadline: datetime
    reason: WaitReason
    joined_at: datetime
    preferences: Preferences = field(default_factory=Preferences)
    head_of_line: bool = False
    status: WaitStatus = WaitStatus.WAITING
    # A wants-earlier entry only takes slots before the visit it already has.
    earlier_than: datetime | None = None
    # Slots this request already declined or let expire: never offered again.
    passed_slot_ids: tuple[int, ...] = ()
    updated_at: datetime | None = None
    id: int = 0

    @property
    def is_open(self) -> bool:
        return self.status in (WaitStatus.WAITING, WaitStatus.OFFERED)

    def offered(self, at: datetime) -> None:
        self._move(WaitStatus.WAITING, WaitStatus.OFFERED, at)

    def passed(self, slot_id: int, at: datetime) -> None:
        """The member declined the offer, or let it expire: wait on, never that slot again."""
        self._move(WaitStatus.OFFERED, WaitStatus.WAITING, at)
        self.passed_slot_ids = (*self.passed_slot_ids, slot_id)

    def close(self, status: WaitStatus, at: datetime) -> None:
        if not self.is_open:
            raise InvalidTransition(f"waitlist entry {self.id} is already {self.status}")
        self.status = status
        self.updated_at = at

    def _move(self, source: WaitStatus, target: WaitStatus, at: datetime) -> None:
        if self.status is not source:
            raise InvalidTransition(f"waitlist entry {self.id} is {self.status}, not {source}")
        self.status = target
        self.updated_at = at


def entry_for(
    request: CareRequest,
    reason: WaitReason,
    joined_at: datetime,
    preferences: Preferences | None = None,
    earlier_than: datetime | None = None,
) -> WaitlistEntry:
    """A new waitlist entry; a clinic cancellation puts the request at the head of the line
    with the deadline it always had."""
    return WaitlistEntry(
        request.id,
        request.member_id,
        request.standard,
        request.effective_deadline,
        reason,
        joined_at,
        preferences or Preferences(),
        head_of_line=reason is WaitReason.CLINIC_CANCELLED,
        earlier_than=earlier_than,
    )


def rank_key(entry: WaitlistEntry, now: datetime) -> tuple[bool, float, bool, datetime, int]:
    """Sort key, best first: clinic-cancelled requests at the head, then the least time left
    to the legal deadline, then urgent before non-urgent, then the longest wait, then id."""
    time_left = (entry.deadline - now).total_seconds()
    urgent = entry.standard in URGENT_STANDARDS
    return (not entry.head_of_line, time_left, not urgent, entry.joined_at, entry.id)


def ranked(entries: list[WaitlistEntry], now: datetime) -> list[WaitlistEntry]:
    return sorted(entries, key=lambda e: rank_key(e, now))


def matches(
    entry: WaitlistEntry,
    slot: Slot,
    clinician_modalities: frozenset[Modality],
    tz: ZoneInfo,
) -> bool:
    """Does a freed slot suit the member's preferences and the entry's reason for waiting?
    Days and times are read on the clinic's local calendar (DST moves UTC hours)."""
    if slot.id in entry.passed_slot_ids:
        return False
    # A clinic-cancelled request must be rescheduled promptly, even past its deadline.
    if slot.start > entry.deadline and not entry.head_of_line:
        return False
    if entry.earlier_than is not None and slot.start >= entry.earlier_than:
        return False
    return _suits(entry.preferences, slot, clinician_modalities, tz)


def _suits(wanted: Preferences, slot: Slot, modalities: frozenset[Modality], tz: ZoneInfo) -> bool:
    local = slot.start.astimezone(tz)
    local_end = slot.end.astimezone(tz)
    checks = (
        not wanted.weekdays or local.weekday() in wanted.weekdays,
        wanted.earliest is None or local.time() >= wanted.earliest,
        wanted.latest is None or local_end.time() <= wanted.latest,
        wanted.clinician_id is None or slot.clinician_id == wanted.clinician_id,
        wanted.clinic_id is None or slot.clinic_id == wanted.clinic_id,
        wanted.modality is None or wanted.modality in modalities,
    )
    return all(checks)


@dataclass(frozen=True, slots=True)
class WaitlistRules:
    """How the waitlist runs (data/messages.toml): whether freed slots are offered, whether a
    request with no timely slot waits before it is referred out, how long an offer holds its
    slot, and how close to the deadline a waiting request is referred out of network."""

    enabled: bool
    wait_before_referral: bool
    offer_hold: timedelta
    refer_before: timedelta
