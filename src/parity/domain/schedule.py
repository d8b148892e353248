"""Weekly templates, availability exceptions, slots and protected IPC time.

Templates are written in clinic-local wall-clock time ("Tuesday 09:00-10:00 IPC"); every
occurrence is materialised on its local date and only then turned into UTC instants, so a
block stays at 09:00 local across DST changes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from parity.domain.contract import ContractTerms
from parity.domain.errors import InvalidInput, ProtectedTimeShortfall, ScheduleOverlap
from parity.domain.workforce import Clinician

UTC = UTC


class BlockKind(StrEnum):
    INTAKE = "intake"
    FOLLOW_UP = "follow-up"
    URGENT = "urgent"
    IPC = "ipc"
    ADMIN = "admin"


BOOKABLE_KINDS = frozenset({BlockKind.INTAKE, BlockKind.FOLLOW_UP, BlockKind.URGENT})


class SlotStatus(StrEnum):
    FREE = "free"
    BUSY = "busy"
    HELD = "busy-tentative"


@dataclass(frozen=True, slots=True)
class TemplateBlock:
    """A recurring weekly block in local wall-clock time at one clinic."""

    weekday: int
    start: time
    end: time
    kind: BlockKind
    clinic_id: str
    slot_minutes: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise InvalidInput(f"weekday must be 0 (Monday) to 6, got {self.weekday}")
        if self.end <= self.start:
            raise InvalidInput(f"block {self.start}-{self.end} ends before it starts")
        if self.kind in BOOKABLE_KINDS and self.slot_minutes <= 0:
            raise InvalidInput(f"bookable {self.kind} block needs slot_minutes > 0")

    @property
    def minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)

    def interval_on(self, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The block's UTC interval on a local date (wall-clock kept across DST)."""
        start = datetime.combine(day, self.start, tzinfo=tz).astimezone(UTC)
        end = datetime.combine(day, self.end, tzinfo=tz).astimezone(UTC)
        return start, end


@dataclass(frozen=True, slots=True)
class WeeklyTemplate:
    clinician_id: str
    blocks: tuple[TemplateBlock, ...]

    def ipc_minutes(self) -> int:
        return sum(b.minutes for b in self.blocks if b.kind is BlockKind.IPC)

    def scheduled_minutes(self) -> int:
        return sum(b.minutes for b in self.blocks)

    def blocks_on(self, weekday: int) -> list[TemplateBlock]:
        return [b for b in self.blocks if b.weekday == weekday]


class ExceptionKind(StrEnum):
    PTO = "pto"
    EXTRA_HOURS = "extra-hours"
    ADMIN = "admin"


@dataclass(slots=True)
class AvailabilityException:
    """PTO, extra bookable hours, or administrative/training time, as a UTC interval."""

    clinician_id: str
    kind: ExceptionKind
    start: datetime
    end: datetime
    reason: str = ""
    clinic_id: str | None = None
    slot_kind: BlockKind = BlockKind.FOLLOW_UP
    slot_minutes: int = 50
    id: int = 0
    # When it was withdrawn (a removed leave keeps its record); None while it stands.
    withdrawn_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidInput("exception start and end must carry a time zone")
        if self.end <= self.start:
            raise InvalidInput("exception ends before it starts")

    @property
    def stands(self) -> bool:
        """Not withdrawn: it still shapes the clinician's week."""
        return self.withdrawn_at is None


@dataclass(slots=True)
class Slot:
    """A bookable interval of one clinician; `id` is given by the repository."""

    clinician_id: str
    clinic_id: str
    start: datetime
    end: datetime
    kind: BlockKind
    status: SlotStatus = SlotStatus.FREE
    id: int = 0

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class ProtectedTime:
    """Protected indirect-patient-care time: no booking path may consume it."""

    clinician_id: str
    start: datetime
    end: datetime
    source: str = "template"


@dataclass(frozen=True, slots=True)
class IpcWeek:
    """The IPC ledger line for one clinician-week: guaranteed vs kept minutes."""

    clinician_id: str
    week_start: date
    guaranteed_minutes: int
    kept_minutes: int

    @property
    def shortfall_minutes(self) -> int:
        return max(0, self.guaranteed_minutes - self.kept_minutes)


@dataclass
class WeekPlan:
    # A list, or the week's slots from a remembered shape, made when first read
    # (`week_plan.ShapedSlots`).
    slots: Sequence[Slot] = field(default_factory=list)
    protected: list[ProtectedTime] = field(default_factory=list)
    ledger: IpcWeek | None = None


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def overlap_minutes(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> int:
    seconds = (min(a[1], b[1]) - max(a[0], b[0])).total_seconds()
    return max(0, int(seconds // 60))


def week_start_of(day: date) -> date:
    """The Monday of the week containing `day` (weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


def validate_template(
    template: WeeklyTemplate, clinician: Clinician, contract: ContractTerms
) -> None:
    """Refuse a template with overlapping blocks or less IPC than the contract guarantees."""
    for weekday in range(7):
        blocks = sorted(template.blocks_on(weekday), key=lambda b: b.start)
        for earlier, later in itertools.pairwise(blocks):
            if later.start < earlier.end:
                raise ScheduleOverlap(
                    f"clinician {clinician.id}: {earlier.kind} {earlier.start}-{earlier.end} "
                    f"overlaps {later.kind} {later.start}-{later.end} on weekday {weekday}",
                    clinician=clinician.id,
                )
    guaranteed = contract.ipc_minutes_per_week(clinician.fte)
    kept = template.ipc_minutes()
    if kept < guaranteed:
        raise ProtectedTimeShortfall(
            f"clinician {clinician.id}: template gives {kept} min of protected IPC time a week, "
            f"{contract.name} guarantees {guaranteed} min at {clinician.fte:g} FTE "
            f"(short by {guaranteed - kept} min every week)",
            clinician=clinician.id,
            week="every week",
            shortfall_minutes=guaranteed - kept,
        )
