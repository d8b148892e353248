"""The availability index's lists by slot id (a free flag, the slot, its feed) answer like a
plain scan whatever ids are laid: sparse, large, laid in any order, growing the lists in
the middle of a run (docs/adr/0014, eighth pass)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_availability_index import (
    CLINICIANS,
    KINDS,
    MONDAY,
    brute_force_earliest,
    random_queries,
)

from parity.adapters.memory_schedule import MemorySlots
from parity.adapters.memory_undo import UndoLog
from parity.domain.availability import ID_MASK, AvailabilityIndex, SlotQuery
from parity.domain.errors import NotFound
from parity.domain.schedule import Slot, SlotStatus

# Clusters of ids that grow the lists by a little and by a lot (the largest id the index
# takes is tried once, below: its lists of 2**24 entries take a while to make).
IDS = st.one_of(st.integers(1, 60), st.integers(1, 5_000), st.integers(60_000, 60_050))


@st.composite
def sparse_slots(draw: st.DrawFn) -> list[Slot]:
    ids = draw(st.lists(IDS, max_size=30, unique=True))
    found = []
    for slot_id in ids:
        who = CLINICIANS[draw(st.sampled_from(sorted(CLINICIANS)))]
        clinic = draw(st.sampled_from(who.clinic_ids))
        start = MONDAY + timedelta(minutes=draw(st.integers(0, 14 * 24 * 4)) * 15)
        kind = draw(st.sampled_from(KINDS))
        found.append(Slot(who.id, clinic, start, start + timedelta(minutes=50), kind, id=slot_id))
    return found


def _agrees(index: AvailabilityIndex, laid: dict[int, Slot], free: set[int], q: SlotQuery) -> None:
    assert index.free_ids() == sorted(free)
    assert len(index) == len(free)
    for slot_id in laid:
        assert (slot_id in index) is (slot_id in free)
    found = index.earliest(q)
    expected = brute_force_earliest([laid[i] for i in free], q)
    assert (found.id if found else None) == (expected.id if expected else None)


@settings(max_examples=150, deadline=None)
@given(
    slots=sparse_slots(),
    batches=st.integers(1, 4),
    moves=st.lists(st.tuples(st.sampled_from(["take", "release", "forget"]), st.integers(0, 29))),
    queries=st.lists(random_queries(), min_size=1, max_size=3),
)
def test_sparse_ids_laid_in_batches_agree_with_a_scan(
    slots: list[Slot],
    batches: int,
    moves: list[tuple[str, int]],
    queries: list[SlotQuery],
) -> None:
    index = AvailabilityIndex()
    laid: dict[int, Slot] = {}
    free: set[int] = set()
    for n in range(batches):  # each batch may grow the lists, after reads of the last
        batch = slots[n::batches]
        for who in CLINICIANS.values():
            index.add_many([s for s in batch if s.clinician_id == who.id], who)
        laid.update((s.id, s) for s in batch)
        free.update(s.id for s in batch)
        _agrees(index, laid, free, queries[n % len(queries)])
    for move, n in moves:
        if n >= len(slots):
            continue
        slot_id = slots[n].id
        if slot_id not in laid:
            continue
        if move == "take":
            index.take(slot_id)
            free.discard(slot_id)
        elif move == "release":
            index.release(slot_id)
            free.add(slot_id)
        else:
            index.forget(slot_id)
            del laid[slot_id]
            free.discard(slot_id)
    for q in queries:
        _agrees(index, laid, free, q)


def test_ids_never_laid_are_not_free_and_cannot_be_released() -> None:
    index = AvailabilityIndex()
    ana = CLINICIANS["ana"]
    laid = Slot(ana.id, "north", MONDAY, MONDAY + timedelta(minutes=50), KINDS[0], id=3)
    index.add(laid, ana)
    for never in (-3, -1, 0, 1, 2, 4, 1_000, ID_MASK):
        assert never not in index
        index.take(never)  # taking what is not there changes nothing
        with pytest.raises(KeyError):
            index.release(never)
        assert never not in index  # a failed release marks nothing free
    assert index.free_ids() == [3]
    index.forget(3)
    index.forget(3)  # twice, and ids never laid: nothing to drop
    index.forget(ID_MASK)
    assert index.free_ids() == []
    assert len(index) == 0
    with pytest.raises(KeyError):
        index.release(3)  # forgotten: no longer laid


def test_slots_forgotten_before_an_instant_leave_the_rest_as_they_were() -> None:
    ana = CLINICIANS["ana"]
    slots = [
        Slot(
            ana.id,
            "north",
            MONDAY + timedelta(hours=6 * n),
            MONDAY + timedelta(hours=6 * n, minutes=50),
            KINDS[0],
            id=slot_id,
        )
        for n, slot_id in enumerate((9, 2, 700, 5, 41, 3_000))
    ]
    index = AvailabilityIndex()
    index.add_many(slots, ana)
    index.take(5)
    cut = slots[3].start  # the first three start before it
    index.forget_before([9, 2, 700], int(slots[0].start.timestamp()), int(cut.timestamp()))
    assert index.free_ids() == [41, 3_000]
    assert 9 not in index
    assert 5 not in index
    with pytest.raises(KeyError):
        index.release(700)
    index.release(5)
    assert index.free_ids() == [5, 41, 3_000]


@settings(max_examples=60, deadline=None)
@given(
    weeks=st.lists(st.lists(st.integers(0, 24 * 7 * 3), min_size=1, max_size=12), max_size=4),
    taken=st.sets(st.integers(1, 48)),
    cut_hours=st.integers(0, 24 * 7 * 3),
    undone=st.booleans(),
)
def test_the_slot_store_reads_its_slots_from_the_index_like_a_dict_would(
    weeks: list[list[int]], taken: set[int], cut_hours: int, undone: bool
) -> None:
    log = UndoLog()
    store = MemorySlots(log)
    ana = CLINICIANS["ana"]
    kept: dict[int, Slot] = {}  # what a dict of slots by id would hold
    for hours in weeks:
        batch = [
            Slot(
                ana.id,
                "north",
                MONDAY + timedelta(hours=h),
                MONDAY + timedelta(hours=h, minutes=50),
                KINDS[0],
            )
            for h in hours
        ]
        store.add_many(batch, ana)
        kept.update((s.id, s) for s in batch)
    if undone:  # a laying rolled back leaves no slot behind
        log.begin()
        store.add_many(
            [Slot(ana.id, "north", MONDAY, MONDAY + timedelta(minutes=50), KINDS[1])], ana
        )
        log.unwind()
    for slot_id in sorted(taken & kept.keys()):
        store.take(slot_id)
    cut = MONDAY + timedelta(hours=cut_hours)
    assert store.forget_before(cut) == sum(s.start < cut for s in kept.values())
    kept = {i: s for i, s in kept.items() if s.start >= cut}
    assert store.count() == len(kept)
    for slot_id in range(1, 52):
        if slot_id in kept:
            assert store.get(slot_id) is kept[slot_id]
        else:
            with pytest.raises(NotFound):
                store.get(slot_id)
    end = MONDAY + timedelta(weeks=4)
    expected = sorted(
        (s for s in kept.values() if s.status is SlotStatus.FREE), key=lambda s: (s.start, s.id)
    )
    assert [s.id for s in store.free_between(MONDAY, end)] == [s.id for s in expected]
    assert [s.id for s in store.for_clinician(ana.id, MONDAY, end)] == [
        s.id for s in sorted(kept.values(), key=lambda s: (s.start, s.id))
    ]
