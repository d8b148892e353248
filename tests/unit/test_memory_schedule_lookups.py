"""The in-memory schedule's look-ups answer as a scan of every record would: a clinician's
slots in start order however they were laid, the protected blocks an interval overlaps, and
the earliest free slot whatever zone or object its deadline comes in (docs/adr/0014,
seventh pass)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parity.adapters.memory_schedule import MemoryProtectedTime, MemorySlots
from parity.adapters.memory_undo import UndoLog
from parity.domain import availability
from parity.domain.availability import AvailabilityIndex, SlotQuery
from parity.domain.schedule import BlockKind, ProtectedTime, Slot
from parity.domain.workforce import Clinician, Discipline, Modality, ProviderClass

MONDAY = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)
LA = ZoneInfo("America/Los_Angeles")
ANA = Clinician("ana", "Ana", Discipline.THERAPIST, 1.0, ("north",), frozenset({"english"}))


def _slot(hours: float, minutes: int = 50) -> Slot:
    start = MONDAY + timedelta(hours=hours)
    return Slot(ANA.id, "north", start, start + timedelta(minutes=minutes), BlockKind.FOLLOW_UP)


def _scan(slots: MemorySlots, start: datetime, end: datetime) -> list[int]:
    """A clinician's slots starting in [start, end), by start then id, from every slot."""
    found = [s for s in slots.index.laid() if start <= s.start < end]
    return [s.id for s in sorted(found, key=lambda s: (s.start, s.id))]


# Hours of a week's slots, then single slots laid later anywhere in the horizon (a released
# urgent hold becomes one slot of its own).
week_hours = st.lists(st.integers(0, 24 * 7 * 4), min_size=1, max_size=40)
single_hours = st.lists(st.integers(0, 24 * 7 * 4), max_size=20)


@settings(max_examples=60, deadline=None)
@given(week_hours, single_hours, st.integers(0, 24 * 7 * 4), st.integers(1, 24 * 7 * 4))
def test_a_clinicians_slots_come_in_start_order_however_they_were_laid(
    week: list[int], singles: list[int], first: int, length: int
) -> None:
    slots = MemorySlots(UndoLog())
    slots.add_many([_slot(hours) for hours in week], ANA)
    for hours in singles:
        slots.add_many([_slot(hours)], ANA)
    start = MONDAY + timedelta(hours=first)
    end = start + timedelta(hours=length)
    assert [s.id for s in slots.for_clinician(ANA.id, start, end)] == _scan(slots, start, end)


def test_a_single_slot_laid_into_a_long_horizon_takes_its_place() -> None:
    slots = MemorySlots(UndoLog())
    slots.add_many([_slot(hours) for hours in range(0, 24 * 7 * 26, 4)], ANA)  # 1,092 slots
    middle = _slot(24 * 7 * 13 + 1)
    slots.add_many([middle], ANA)
    every = slots.for_clinician(ANA.id, MONDAY, MONDAY + timedelta(weeks=27))
    assert [s.start for s in every] == sorted(s.start for s in every)
    assert every[24 * 7 * 13 // 4 + 1] is middle


def test_a_rolled_back_single_slot_leaves_the_clinicians_slots_as_they_were() -> None:
    log = UndoLog()
    slots = MemorySlots(log)
    slots.add_many([_slot(hours) for hours in range(0, 200, 4)], ANA)
    before = [s.id for s in slots.for_clinician(ANA.id, MONDAY, MONDAY + timedelta(weeks=2))]
    log.begin()
    slots.add_many([_slot(2)], ANA)
    log.unwind()
    after = [s.id for s in slots.for_clinician(ANA.id, MONDAY, MONDAY + timedelta(weeks=2))]
    assert after == before


def _blocks(starts: list[int], length: int) -> list[ProtectedTime]:
    """Blocks that never overlap: each starts at least `length` minutes after the last."""
    blocks: list[ProtectedTime] = []
    at = MONDAY
    for gap in starts:
        at += timedelta(minutes=gap)
        blocks.append(ProtectedTime(ANA.id, at, at + timedelta(minutes=length), "template"))
        at += timedelta(minutes=length)
    return blocks


def _overlapping(
    blocks: list[ProtectedTime], start: datetime, end: datetime
) -> list[ProtectedTime]:
    return sorted((b for b in blocks if b.start < end and b.end > start), key=lambda b: b.start)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(0, 600), max_size=30),
    st.integers(1, 240),
    st.integers(-120, 30 * 900),
    st.integers(0, 2000),
    st.booleans(),
)
def test_protected_time_finds_the_blocks_an_interval_overlaps(
    gaps: list[int], length: int, offset: int, minutes: int, shuffled: bool
) -> None:
    blocks = _blocks(gaps, length)
    protected = MemoryProtectedTime(UndoLog())
    protected.add_many(reversed(blocks) if shuffled else blocks)
    start = MONDAY + timedelta(minutes=offset)
    end = start + timedelta(minutes=minutes)
    assert protected.overlapping(ANA.id, start, end) == _overlapping(blocks, start, end)
    # The same instants in another zone: the same blocks.
    local = protected.overlapping(ANA.id, start.astimezone(LA), end.astimezone(LA))
    assert local == _overlapping(blocks, start, end)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 600), min_size=1, max_size=30), st.integers(0, 30 * 700))
def test_protected_time_still_answers_after_blocks_are_forgotten_or_rolled_back(
    gaps: list[int], cut: int
) -> None:
    blocks = _blocks(gaps, 60)
    log = UndoLog()
    protected = MemoryProtectedTime(log)
    protected.add_many(blocks[::2])
    log.begin()
    protected.add_many(blocks[1::2])
    log.unwind()  # the odd blocks were never laid
    instant = MONDAY + timedelta(minutes=cut)
    kept_every_third = {b.start for b in blocks[::6]}
    protected.forget_ended(instant, lambda b: b.start in kept_every_third)
    left = [b for b in blocks[::2] if b.end > instant or b.start in kept_every_third]
    whole = (MONDAY - timedelta(days=1), MONDAY + timedelta(days=40))
    assert protected.overlapping(ANA.id, *whole) == left
    for block in blocks:
        expected = _overlapping(left, block.start, block.end)
        assert protected.overlapping(ANA.id, block.start, block.end) == expected


def _query(not_after: datetime) -> SlotQuery:
    return SlotQuery(
        (BlockKind.FOLLOW_UP,),
        ProviderClass.THERAPIST,
        "english",
        (Modality.IN_PERSON,),
        "north",
        MONDAY - timedelta(days=1),
        not_after,
    )


def test_a_deadline_in_any_zone_or_object_ends_the_window_at_its_instant() -> None:
    index = AvailabilityIndex()
    at_nine = _slot(24)  # Tuesday 16:00 UTC
    at_nine.id = 1
    index.add(at_nine, ANA)
    deadline = at_nine.start.astimezone(LA)
    # The same object twice (the second answer from what the index remembered), an equal
    # instant in another object and zone, and a second earlier.
    assert index.earliest(_query(deadline)) is at_nine
    assert index.earliest(_query(deadline)) is at_nine
    assert index.earliest(_query(at_nine.start)) is at_nine
    assert index.earliest(_query(deadline - timedelta(seconds=1))) is None
    assert index.earliest(_query(deadline - timedelta(seconds=1))) is None


def test_the_index_answers_the_same_once_its_remembered_deadlines_are_cleared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(availability, "DEADLINES_KEPT", 3)
    index = AvailabilityIndex()
    slots = [_slot(24 * day) for day in range(1, 8)]
    for number, slot in enumerate(slots, start=1):
        slot.id = number
        index.add(slot, ANA)
    for _ in range(2):
        for slot in slots:
            # A window ending one second before this slot finds the slot before it.
            deadline = (slot.start - timedelta(seconds=1)).astimezone(LA)
            expected = next((s for s in slots if s.start <= deadline), None)
            assert index.earliest(_query(deadline)) is expected
    assert len(index._deadline_seconds) <= 3
