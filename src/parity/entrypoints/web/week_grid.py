"""A clinician's week as day columns of blocks: free, booked and held slots, protected IPC
time, PTO and admin. Only free slots ahead of now carry a booking action; protected time
never does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from parity.domain.care import Appointment, AppointmentStatus
from parity.domain.schedule import AvailabilityException, Slot, SlotStatus
from parity.services.page_queries import ClinicianWeek


@dataclass(frozen=True)
class Block:
    """One thing in a day column; only `free` blocks have a booking link."""

    kind: str  # free, booked, kept, held, withdrawn, ipc, admin, pto
    start: datetime
    end: datetime
    label: str
    slot_id: int | None = None
    request_id: int | None = None


@dataclass
class Day:
    day: date
    blocks: list[Block] = field(default_factory=list)


def _live(appointments: list[Appointment]) -> dict[int, Appointment]:
    """The appointment occupying each slot (a cancelled one frees its slot)."""
    return {a.slot_id: a for a in appointments if a.status is not AppointmentStatus.CANCELLED}


def _visit_block(slot: Slot, visit: Appointment, week: ClinicianWeek) -> Block:
    member = week.members.get(visit.member_id)
    label = f"{member.name if member else visit.member_id} · {visit.visit.value} · {visit.modality.value}"
    if visit.status is AppointmentStatus.NOSHOW:
        label += " · no-show"
    kind = "booked" if visit.status is AppointmentStatus.BOOKED else "kept"
    return Block(kind, slot.start, slot.end, label, slot.id, visit.request_id)


def _open_block(slot: Slot, week: ClinicianWeek, now: datetime) -> Block | None:
    """A slot nobody is booked into: free (bookable if still ahead), held, or withdrawn
    (PTO's own block stands for the slots it withdrew)."""
    kind = slot.kind.value
    if slot.status is SlotStatus.FREE:
        if slot.start <= now:
            return Block("past", slot.start, slot.end, f"{kind} slot (past)")
        return Block("free", slot.start, slot.end, f"free {kind} slot", slot.id)
    if slot.status is SlotStatus.HELD:
        return Block("held", slot.start, slot.end, "held for an offer", slot.id)
    if any(a.start < slot.end and slot.start < a.end for a in week.absences):
        return None
    return Block("withdrawn", slot.start, slot.end, "not bookable", slot.id)


def _slot_blocks(week: ClinicianWeek, now: datetime) -> list[Block]:
    booked = _live(week.appointments)
    blocks = []
    for slot in week.slots:
        visit = booked.get(slot.id)
        block = _visit_block(slot, visit, week) if visit else _open_block(slot, week, now)
        if block is not None:
            blocks.append(block)
    return blocks


def _other_blocks(week: ClinicianWeek) -> list[Block]:
    blocks = [
        Block("ipc", b.start, b.end, "Protected IPC time · not bookable") for b in week.protected
    ]
    blocks += [
        Block("admin", start, end, "Admin / meetings")
        for start, end in week.admin
        if not any(e.start < end and start < e.end for e in week.absences)
    ]
    blocks += [Block(e.kind.value, e.start, e.end, _absence(e)) for e in week.absences]
    return blocks


def _absence(absence: AvailabilityException) -> str:
    names = {"pto": "PTO", "extra-hours": "Extra hours", "admin": "Admin"}
    return f"{names.get(absence.kind.value, absence.kind.value)}{': ' + absence.reason if absence.reason else ''}"


def day_columns(week: ClinicianWeek, tz: ZoneInfo, now: datetime) -> list[Day]:
    """Monday to Friday always; Saturday and Sunday when something happens on them.
    Blocks go to their clinic-local day (`tz`), so a DST change moves no block."""
    days = [Day(week.week_start + timedelta(days=n)) for n in range(7)]
    blocks = _slot_blocks(week, now) + _other_blocks(week)
    for block in sorted(blocks, key=lambda b: (b.start, b.kind)):
        # A block over several local days (a week of PTO) shows on each of them.
        first = (block.start.astimezone(tz).date() - week.week_start).days
        last = (
            (block.end - timedelta(microseconds=1)).astimezone(tz).date() - week.week_start
        ).days
        for offset in range(max(first, 0), min(last, 6) + 1):
            days[offset].blocks.append(block)
    return [d for d in days if d.day.weekday() < 5 or d.blocks]


# -- the time grid: blocks placed on an hour axis ----------------------------------------------

STEP_MINUTES = 15  # one grid row; an hour is four rows, so a block's height is its length
DAY_FROM, DAY_UNTIL = 8, 18  # hours always shown; the grid grows to fit earlier or later blocks
HEADER_ROWS = 1

# Every kind of block, in the legend's order, with what it means (the legend shows the kinds
# a grid holds, drawn with the blocks' own style, so its colours cannot drift from theirs).
KINDS = {
    "free": "free slot (bookable)",
    "booked": "booked visit",
    "kept": "past visit (kept or no-show)",
    "held": "held for an offer",
    "ipc": "protected IPC time (never bookable)",
    "pto": "PTO",
    "admin": "admin / meetings",
    "extra-hours": "extra hours",
    "withdrawn": "not bookable",
    "past": "past slot, not used",
}


@dataclass(frozen=True)
class Placed:
    """A block on the grid: its column (1 is the hour axis) and rows [first, last)."""

    block: Block
    column: int
    first_row: int
    last_row: int


@dataclass(frozen=True)
class Column:
    """A day of one clinician's week, or one clinician's day beside their colleagues."""

    heading: str
    clinician_id: str
    day: date
    link: str = ""


@dataclass(frozen=True)
class TimeGrid:
    columns: list[Column]
    hours: list[tuple[int, str]]  # (grid row, "08:00")
    rows: int
    placed: list[Placed]
    kinds: list[tuple[str, str]]  # (kind, meaning) of the blocks it holds, legend order


def _minutes(moment: datetime, tz: ZoneInfo, day: date) -> int:
    """Minutes from the local midnight of `day` (clipped to that day)."""
    local = moment.astimezone(tz)
    if local.date() < day:
        return 0
    if local.date() > day:
        return 24 * 60
    return local.hour * 60 + local.minute


def time_grid(columns: list[tuple[Column, list[Block]]], tz: ZoneInfo) -> TimeGrid:
    """Lay each column's blocks (on its local `date`) on one hour axis: a block's height is
    its length, and the columns line up hour by hour."""
    spans = [
        (index, block, _minutes(block.start, tz, c.day), _minutes(block.end, tz, c.day))
        for index, (c, blocks) in enumerate(columns)
        for block in blocks
    ]
    first = min([DAY_FROM * 60, *(start for _, _, start, _ in spans)]) // 60
    last = -(-max([DAY_UNTIL * 60, *(end for _, _, _, end in spans)]) // 60)

    def row(minute: int) -> int:
        return HEADER_ROWS + 1 + (minute - first * 60) // STEP_MINUTES

    placed = [
        Placed(block, index + 2, row(start), max(row(end), row(start) + 1))
        for index, block, start, end in spans
        if end > start
    ]
    hours = [(row(h * 60), f"{h:02d}:00") for h in range(first, last)]
    present = {p.block.kind for p in placed} | {"ipc"}
    kinds = [(kind, meaning) for kind, meaning in KINDS.items() if kind in present]
    rows = (last - first) * 60 // STEP_MINUTES
    return TimeGrid([c for c, _ in columns], hours, rows, placed, kinds)
