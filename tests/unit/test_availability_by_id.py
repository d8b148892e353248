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

from parity.domain.availability import ID_MASK, AvailabilityIndex, SlotQuery
from parity.domain.schedule import Slot

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
