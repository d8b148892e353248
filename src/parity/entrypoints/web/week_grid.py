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
    found = []
    for slot in week.slots:
        visit = booked.get(slot.id)
        block = _visit_block(slot, visit, week) if visit else _open_block(slot, week, now)
        if block is not None:
            found.append(block)
    return found


def _other_blocks(week: ClinicianWeek) -> list[Block]:
    found = [
        Block("ipc", b.start, b.end, "Protected IPC time · not bookable") for b in week.protected
    ]
    found += [
        Block("admin", start, end, "Admin / meetings")
        for start, end in week.admin
        if not any(e.start < end and start < e.end for e in week.absences)
    ]
    found += [Block(e.kind.value, e.start, e.end, _absence(e)) for e in week.absences]
    return found


def _absence(found: AvailabilityException) -> str:
    names = {"pto": "PTO", "extra-hours": "Extra hours", "admin": "Admin"}
    return f"{names.get(found.kind.value, found.kind.value)}{': ' + found.reason if found.reason else ''}"


def day_columns(week: ClinicianWeek, tz: ZoneInfo, now: datetime) -> list[Day]:
    """Monday to Friday always; Saturday and Sunday when something happens on them.
    Blocks go to their clinic-local day (`tz`), so a DST change moves no block."""
    days = [Day(week.week_start + timedelta(days=n)) for n in range(7)]
    blocks = _slot_blocks(week, now) + _other_blocks(week)
    for block in sorted(blocks, key=lambda b: (b.start, b.kind)):
        offset = (block.start.astimezone(tz).date() - week.week_start).days
        if 0 <= offset < 7:
            days[offset].blocks.append(block)
    return [d for d in days if d.day.weekday() < 5 or d.blocks]
