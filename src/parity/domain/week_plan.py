"""Materialise one clinician-week: slots, protected IPC blocks and the IPC ledger line.

The IPC guarantee is prorated by FTE (contract) and by the share of the templated week the
clinician actually works (holidays and PTO shrink it); whatever protected time PTO or a
holiday removes is topped up from that week's bookable time, so `kept >= guaranteed` holds
for every week Parity materialises. Administrative time or extra bookable hours laid over
protected time are refused outright: the contract forbids using IPC time for either.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import overload
from zoneinfo import ZoneInfo

from parity.domain.calendar import BusinessCalendar
from parity.domain.contract import ContractTerms
from parity.domain.errors import ProtectedTimeShortfall, ScheduleOverlap
from parity.domain.schedule import (
    BOOKABLE_KINDS,
    AvailabilityException,
    BlockKind,
    ExceptionKind,
    IpcWeek,
    ProtectedTime,
    Slot,
    TemplateBlock,
    WeeklyTemplate,
    WeekPlan,
    overlap_minutes,
    overlaps,
)
from parity.domain.workforce import Clinician

Interval = tuple[datetime, datetime]


def _minutes(interval: Interval) -> int:
    return int((interval[1] - interval[0]).total_seconds() // 60)


def _minus(interval: Interval, holes: list[Interval]) -> list[Interval]:
    """The parts of `interval` not covered by any hole."""
    pieces = [interval]
    for hole_start, hole_end in holes:
        next_pieces: list[Interval] = []
        for start, end in pieces:
            if not overlaps(start, end, hole_start, hole_end):
                next_pieces.append((start, end))
                continue
            if start < hole_start:
                next_pieces.append((start, hole_start))
            if hole_end < end:
                next_pieces.append((hole_end, end))
        pieces = next_pieces
    return pieces


def _slots_in(
    clinician_id: str, clinic_id: str, interval: Interval, kind: BlockKind, minutes: int
) -> list[Slot]:
    step = timedelta(minutes=minutes)
    slots: list[Slot] = []
    start = interval[0]
    while start + step <= interval[1]:
        slots.append(Slot(clinician_id, clinic_id, start, start + step, kind))
        start += step
    return slots


def extra_hour_slots(clinician: Clinician, extra: AvailabilityException) -> list[Slot]:
    """The bookable slots an extra-hours exception opens."""
    clinic_id = extra.clinic_id or clinician.home_clinic_id
    return _slots_in(
        clinician.id, clinic_id, (extra.start, extra.end), extra.slot_kind, extra.slot_minutes
    )


class _WeekBuilder:
    def __init__(self, clinician: Clinician, tz: ZoneInfo, exceptions: list[AvailabilityException]):
        self.clinician = clinician
        self.tz = tz
        self.exceptions = exceptions
        self.pto = [(e.start, e.end) for e in exceptions if e.kind is ExceptionKind.PTO]
        self.admin = [(e.start, e.end) for e in exceptions if e.kind is ExceptionKind.ADMIN]
        self.extra = [e for e in exceptions if e.kind is ExceptionKind.EXTRA_HOURS]
        self.slots: list[Slot] = []
        self.protected: list[ProtectedTime] = []
        self.template_intervals: list[Interval] = []
        self.worked_minutes = 0

    def lay_block(self, block: TemplateBlock, day: date) -> None:
        interval = block.interval_on(day, self.tz)
        self.template_intervals.append(interval)
        pieces = _minus(interval, self.pto)
        self.worked_minutes += sum(_minutes(p) for p in pieces)
        if block.kind is BlockKind.IPC:
            self.protected.extend(ProtectedTime(self.clinician.id, s, e) for s, e in pieces)
        elif block.kind in BOOKABLE_KINDS:
            for piece in _minus(interval, self.pto + self.admin):
                self.slots.extend(
                    _slots_in(
                        self.clinician.id, block.clinic_id, piece, block.kind, block.slot_minutes
                    )
                )

    def lay_extra_hours(self) -> None:
        for extra in self.extra:
            if any(overlaps(extra.start, extra.end, s, e) for s, e in self.template_intervals):
                raise ScheduleOverlap(
                    f"clinician {self.clinician.id}: extra hours {extra.start.isoformat()} overlap "
                    "the weekly template",
                    clinician=self.clinician.id,
                )
            self.slots.extend(extra_hour_slots(self.clinician, extra))

    def kept_minutes(self) -> int:
        return sum(_minutes((p.start, p.end)) for p in self.protected)


def _refuse_use_of_protected_time(
    clinician: Clinician,
    week_start: date,
    exceptions: Iterable[AvailabilityException],
    protected: list[ProtectedTime],
) -> None:
    for exc in exceptions:
        if exc.kind is ExceptionKind.PTO:
            continue
        lost = sum(overlap_minutes((exc.start, exc.end), (p.start, p.end)) for p in protected)
        if lost:
            raise ProtectedTimeShortfall(
                f"clinician {clinician.id}, week of {week_start.isoformat()}: {exc.kind} "
                f"'{exc.reason}' would take {lost} min of protected IPC time "
                f"(short by {lost} min); IPC time cannot be used for booking, training or "
                "administration",
                clinician=clinician.id,
                week=week_start.isoformat(),
                shortfall_minutes=lost,
            )


def _top_up(builder: _WeekBuilder, guaranteed: int) -> int:
    """Convert the week's latest bookable slots into protected time until the guarantee holds.

    Returns the guarantee that applies. When PTO or a holiday leaves too little bookable time
    to top up (only part of a slot, or only meetings), nothing can be booked into protected
    time that week anyway: the guarantee is capped at what the week can hold.
    """
    builder.slots.sort(key=lambda s: s.start)
    capacity = builder.kept_minutes() + sum(s.duration_minutes for s in builder.slots)
    guaranteed = min(guaranteed, capacity)
    while builder.kept_minutes() < guaranteed:
        slot = builder.slots.pop()
        builder.protected.append(ProtectedTime(slot.clinician_id, slot.start, slot.end, "top-up"))
    return guaranteed


def plan_week(
    clinician: Clinician,
    template: WeeklyTemplate,
    contract: ContractTerms,
    calendar: BusinessCalendar,
    tz: ZoneInfo,
    week_start: date,
    exceptions: Iterable[AvailabilityException] = (),
) -> WeekPlan:
    """Lay one week (Monday `week_start`) of a clinician's template onto the calendar."""
    week_begins = datetime.combine(week_start, time(0), tzinfo=tz)
    week_ends = datetime.combine(week_start + timedelta(days=7), time(0), tzinfo=tz)
    mine = [
        e
        for e in exceptions
        if e.clinician_id == clinician.id and overlaps(e.start, e.end, week_begins, week_ends)
    ]
    offset = week_begins.utcoffset()
    if offset != week_ends.utcoffset():
        # A DST change makes the week its own; lay it from scratch.
        return _lay_week(
            _WeekBuilder(clinician, tz, mine), template, contract, calendar, week_start
        )
    closed = tuple(week_start + timedelta(days=d) in calendar.holidays for d in range(7))
    begins = week_begins.astimezone(UTC)
    # Leave, admin time and extra hours shape the week by where they fall in it: the same
    # exceptions at the same places of the week lay the same week (a simulated year gives
    # every clinician whole weeks of leave).
    placed = tuple(
        (e.kind, e.start - begins, e.end - begins, e.clinic_id, e.slot_kind, e.slot_minutes)
        for e in mine
    )
    # What of the clinician and template shapes the week: their FTE (the guarantee), home
    # clinic (where extra hours without a clinic go) and blocks; the clinician's id only
    # names the slots, so clinicians with the same blocks share a shape (ADR 0014, the
    # structural cut: a year's holiday, leave and first weeks were laid from scratch for
    # every clinician).
    key = (
        clinician.fte,
        clinician.home_clinic_id,
        template.blocks,
        contract,
        str(tz),
        offset,
        closed,
        placed,
    )
    shape = _SHAPES.get(key)
    if shape is not None:
        return shape.lay(clinician.id, week_start, begins)
    plan = _lay_week(_WeekBuilder(clinician, tz, mine), template, contract, calendar, week_start)
    if len(_SHAPES) >= SHAPE_CACHE_LIMIT:
        _SHAPES.clear()
    _SHAPES[key] = _WeekShape.of(plan, begins)
    return plan


# Without a DST change, a clinician's week is the same shape every week, shifted: it
# depends only on the template's blocks, the clinician's FTE and home clinic, the contract,
# the zone's UTC offset, which days are holidays and where the week's exceptions fall. Laying it from a remembered
# shape is several times cheaper.
SHAPE_CACHE_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class _WeekShape:
    """A laid week relative to its first instant (UTC): what `plan_week` repeats."""

    slots: tuple[tuple[timedelta, timedelta, str, BlockKind], ...]
    protected: tuple[tuple[timedelta, timedelta, str], ...]
    guaranteed: int
    kept: int

    @classmethod
    def of(cls, plan: WeekPlan, begins: datetime) -> _WeekShape:
        assert plan.ledger is not None
        return cls(
            tuple((s.start - begins, s.end - begins, s.clinic_id, s.kind) for s in plan.slots),
            tuple((p.start - begins, p.end - begins, p.source) for p in plan.protected),
            plan.ledger.guaranteed_minutes,
            plan.ledger.kept_minutes,
        )

    def lay(self, clinician_id: str, week_start: date, begins: datetime) -> WeekPlan:
        slots = ShapedSlots(self, clinician_id, begins)
        protected = [
            ProtectedTime(clinician_id, begins + start, begins + end, source)
            for start, end, source in self.protected
        ]
        ledger = IpcWeek(clinician_id, week_start, self.guaranteed, self.kept)
        return WeekPlan(slots, protected, ledger)


_SHAPES: dict[object, _WeekShape] = {}


class ShapedSlots(Sequence[Slot]):
    """A week's slots laid from its remembered shape, made the first time they are read
    and the same objects every time after. Their number is known without making them, so
    a store that lays weeks long before anything reads them (the simulator's, ADR 0014,
    the structural cut) can give them their ids at once and make them when a search,
    a booking or a report first reaches the week."""

    __slots__ = ("_made", "_shape", "begins", "clinician_id")

    def __init__(self, shape: _WeekShape, clinician_id: str, begins: datetime) -> None:
        self._shape = shape
        self.clinician_id = clinician_id
        self.begins = begins  # the week's first instant, UTC: no slot of it starts earlier
        self._made: list[Slot] | None = None

    @property
    def made(self) -> bool:
        return self._made is not None

    def slots(self) -> list[Slot]:
        """The week's slots, made now if not yet (in start order, ids unset)."""
        made = self._made
        if made is None:
            clinician_id, begins = self.clinician_id, self.begins
            made = self._made = [
                Slot(clinician_id, clinic_id, begins + start, begins + end, kind)
                for start, end, clinic_id, kind in self._shape.slots
            ]
        return made

    def __len__(self) -> int:
        return len(self._shape.slots)

    def __iter__(self) -> Iterator[Slot]:
        return iter(self.slots())

    def __eq__(self, other: object) -> bool:
        """Equal to a list (or any sequence) of the same slots, as the list it stands for."""
        if isinstance(other, ShapedSlots | list | tuple):
            return self.slots() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # as a list: mutable slots, not hashable

    @overload
    def __getitem__(self, index: int) -> Slot: ...
    @overload
    def __getitem__(self, index: slice) -> list[Slot]: ...
    def __getitem__(self, index: int | slice) -> Slot | list[Slot]:
        return self.slots()[index]


def _lay_week(
    builder: _WeekBuilder,
    template: WeeklyTemplate,
    contract: ContractTerms,
    calendar: BusinessCalendar,
    week_start: date,
) -> WeekPlan:
    """Lay the week from scratch into `builder` (which knows the clinician, the clinic's
    zone and their exceptions that week)."""
    clinician = builder.clinician
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        if day in calendar.holidays:
            continue  # clinics are closed on holidays: no slots, no IPC owed that day
        for block in template.blocks_on(day.weekday()):
            builder.lay_block(block, day)
    _refuse_use_of_protected_time(clinician, week_start, builder.exceptions, builder.protected)
    builder.lay_extra_hours()
    scheduled = template.scheduled_minutes()
    share_worked = builder.worked_minutes / scheduled if scheduled else 0.0
    guaranteed = round(contract.ipc_minutes_per_week(clinician.fte) * share_worked)
    guaranteed = _top_up(builder, guaranteed)
    builder.slots.sort(key=lambda s: s.start)
    ledger = IpcWeek(clinician.id, week_start, guaranteed, builder.kept_minutes())
    return WeekPlan(builder.slots, builder.protected, ledger)
