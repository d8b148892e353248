"""The in-memory schedule: slots, protected time and the weekly IPC ledger."""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime

from parity.adapters.memory_laid_later import Reserved, ReservedWeeks
from parity.adapters.memory_stamps import Stamped
from parity.adapters.memory_undo import UndoLog
from parity.domain.availability import AvailabilityIndex, SlotQuery
from parity.domain.calendar import LATEST
from parity.domain.errors import NotFound, SlotUnavailable
from parity.domain.schedule import (
    IpcWeek,
    ProtectedTime,
    Slot,
    SlotStatus,
)
from parity.domain.week_plan import ShapedSlots
from parity.domain.workforce import Clinician


class MemorySlots(Stamped):
    def __init__(self, log: UndoLog) -> None:
        super().__init__(log)
        self._log = log
        # The laid slots by id are the index's (`AvailabilityIndex.slot`): a dict of them
        # here as well held a second entry for every slot in the horizon (docs/adr/0014,
        # eighth pass).
        self._by_clinician: defaultdict[str, list[tuple[datetime, int]]] = defaultdict(list)
        self.index = AvailabilityIndex()
        self._next_id = 1
        self._later: ReservedWeeks | None = None  # see `make_later`

    def make_later(self) -> None:
        """From now on, give a week laid from a remembered shape its ids at once and make
        its slots when something first reaches it (memory_laid_later.py). For a store
        without stamps (a simulation's own): a slot's stamp is the moment it was laid."""
        if self._stamped:
            raise ValueError("a store that stamps its records lays every slot at once")
        if self._later is None:
            self._later = ReservedWeeks()

    @property
    def next_id(self) -> int:
        """The id the next slot laid will get: every slot laid so far has a smaller one."""
        return self._next_id

    def add_many(self, slots: Iterable[Slot], clinician: Clinician) -> None:
        later = self._later
        if later is not None and type(slots) is ShapedSlots and not slots.made:
            if not slots:
                return  # a week with nothing bookable (whole-week leave): nothing to file
            held = later.reserve(slots, clinician, self._next_id)
            self._next_id += held.count
            self._log.push((self._unreserve, held))
            return
        batch = list(slots)
        next_id = self._next_id
        for slot in batch:  # once per slot laid: locals, no calls
            slot_id = slot.id
            if not slot_id:
                slot_id = slot.id = next_id
            if slot_id >= next_id:
                next_id = slot_id + 1
        self._next_id = next_id
        if self._stamped:  # one write per slot, as in SQL (memory_stamps.py)
            self._stamps.update(dict.fromkeys([slot.id for slot in batch], self._log.clock.now()))
        self._file_by_clinician(batch)
        self.index.add_many(batch, clinician)
        self._log.push((self._drop_many, batch))

    def _file_by_clinician(self, batch: list[Slot]) -> None:
        clinicians = {slot.clinician_id for slot in batch}
        for clinician_id in clinicians:
            entries = self._by_clinician[clinician_id]
            if len(clinicians) == 1:  # the usual batch: one clinician's week
                new = sorted([(s.start, s.id) for s in batch])
            else:
                new = sorted((s.start, s.id) for s in batch if s.clinician_id == clinician_id)
            if not entries or entries[-1] < new[0]:  # a later week: append in order
                entries.extend(new)
            elif len(new) * 16 < len(entries):
                # A few among many (a released urgent hold laid as a new slot): one move each,
                # where sorting the clinician's whole horizon again costs ~700 comparisons of
                # instants (docs/adr/0014, seventh pass).
                for entry in new:
                    insort(entries, entry)
            else:
                entries.extend(new)
                entries.sort()

    def _make(self, held: Reserved) -> None:
        """Make and file a reserved week, with the ids it was given: nothing to undo, as
        the week was laid already (a rollback of its laying drops it in `_unreserve`)."""
        assert held.slots is not None
        batch = held.slots.slots()
        held.slots = None
        for slot_id, slot in enumerate(batch, held.first_id):
            slot.id = slot_id
        self._file_by_clinician(batch)
        self.index.add_many(batch, held.clinician)

    def _reach(self, instant: datetime) -> None:
        """Make every reserved week that begins by `instant`, before a read that reaches it."""
        later = self._later
        if later is not None and instant >= later.reach:
            for held in later.due(instant):
                self._make(held)

    def _made(self, slot_id: int) -> Slot | None:
        """The slot with this id, its week made now if it was only reserved."""
        held = None if self._later is None else self._later.holding(slot_id)
        if held is None:
            return None
        self._make(held)
        return self.index.slot(slot_id)

    def _unreserve(self, held: Reserved) -> None:
        """Undo the laying of a reserved week, made since or not."""
        if held.slots is not None:
            held.slots = None
            return
        for slot_id in range(held.first_id + held.count - 1, held.first_id - 1, -1):
            slot = self.index.slot(slot_id)
            if slot is not None:
                self._drop(slot)

    def _drop_many(self, batch: list[Slot]) -> None:
        for slot in reversed(batch):
            self._drop(slot)

    def _drop(self, slot: Slot) -> None:
        self.index.forget(slot.id)
        self._stamps.pop(slot.id, None)  # its laying undone: no stamp of a slot not laid
        self._by_clinician[slot.clinician_id].remove((slot.start, slot.id))

    def get(self, slot_id: int) -> Slot:
        slot = self.index.slot(slot_id)
        if slot is None and (slot := self._made(slot_id)) is None:
            raise NotFound(f"slot {slot_id} not found", resource="Slot", id=slot_id)
        # No snapshot: a slot changes only through take/confirm/release, which log their own undo.
        return slot

    def earliest(self, query: SlotQuery) -> Slot | None:
        self._reach(query.not_after)
        return self.index.earliest(query)

    def candidates(self, query: SlotQuery, limit: int) -> list[Slot]:
        self._reach(query.not_after)
        found: list[Slot] = []
        for slot in self.index.iter_free(query, per_day=limit):
            found.append(slot)
            if len(found) >= limit:
                break
        return found

    def take(self, slot_id: int, status: SlotStatus = SlotStatus.BUSY) -> Slot:
        slot = self.get(slot_id)
        if slot_id not in self.index:
            raise SlotUnavailable(f"slot {slot_id} is not free ({slot.status})", slot=slot_id)
        self.index.take(slot_id)
        slot.status = status
        self._log.push((self._free, slot))
        if self._stamped:
            self.bump(slot_id)
        return slot

    def confirm(self, slot_id: int) -> Slot:
        slot = self.get(slot_id)
        if slot.status is not SlotStatus.HELD:
            raise SlotUnavailable(f"slot {slot_id} is not held ({slot.status})", slot=slot_id)
        slot.status = SlotStatus.BUSY
        self._log.push((setattr, slot, "status", SlotStatus.HELD))
        if self._stamped:
            self.bump(slot_id)
        return slot

    def _free(self, slot: Slot) -> None:
        slot.status = SlotStatus.FREE
        self.index.release(slot.id)

    def release(self, slot_id: int) -> None:
        slot = self.get(slot_id)
        if slot.status is SlotStatus.FREE:
            return
        previous = slot.status
        self._free(slot)
        self._log.push((self._retake, slot, previous))
        if self._stamped:
            self.bump(slot_id)

    def _retake(self, slot: Slot, status: SlotStatus) -> None:
        self.index.take(slot.id)
        slot.status = status

    def for_clinician(self, clinician_id: str, start: datetime, end: datetime) -> list[Slot]:
        self._reach(end)
        entries = self._by_clinician.get(clinician_id, [])
        # Both ends by bisection (slicing to the end would copy the whole horizon laid
        # ahead), in UTC like the starts filed: comparing instants of two zones asks each
        # for its offset.
        first = bisect_left(entries, (start.astimezone(UTC), 0))
        last = bisect_left(entries, (end.astimezone(UTC), 0), first)
        return self.index.slots_of([slot_id for _, slot_id in entries[first:last]])

    def free_between(self, start: datetime, end: datetime) -> list[Slot]:
        self._reach(end)
        found = [
            s for s in self.index.laid() if s.status is SlotStatus.FREE and start <= s.start < end
        ]
        return sorted(found, key=lambda s: (s.start, s.id))

    def count(self) -> int:
        self._reach(LATEST)
        return self.index.laid_count()

    def forget_before(self, instant: datetime) -> int:
        """Drop every slot that starts before `instant`, free or not, from the store and the
        index; returns how many. For long in-memory runs (the simulator), outside any
        transaction and only for a past nothing will book or read again: not undoable."""
        self._reach(instant)  # made to be forgotten: as the eager store did
        if self._later is not None:
            self._later.settle()
        gone: list[int] = []
        oldest: datetime | None = None
        for entries in self._by_clinician.values():
            cut = bisect_left(entries, (instant, 0))
            if cut and (oldest is None or entries[0][0] < oldest):
                oldest = entries[0][0]
            gone.extend(slot_id for _, slot_id in entries[:cut])
            del entries[:cut]
        if oldest is not None:
            self.index.forget_before(gone, int(oldest.timestamp()), int(instant.timestamp()))
        for slot_id in gone:
            self._stamps.pop(slot_id, None)  # a forgotten slot keeps no stamp either
        return len(gone)


class MemoryProtectedTime:
    """Protected blocks per clinician, sorted by start (blocks of one clinician never overlap,
    so their ends are sorted too). Each block's start and end are kept in lists of their own
    beside it: a booking's look-up compares instants in two short lists and touches a block
    only when one overlaps (docs/adr/0014, seventh pass)."""

    def __init__(self, log: UndoLog) -> None:
        self._log = log
        self._starts: defaultdict[str, list[datetime]] = defaultdict(list)
        self._ends: defaultdict[str, list[datetime]] = defaultdict(list)
        self._blocks: defaultdict[str, list[ProtectedTime]] = defaultdict(list)

    def add_many(self, blocks: Iterable[ProtectedTime]) -> None:
        for block in blocks:
            clinician_id = block.clinician_id
            position = bisect_right(self._starts[clinician_id], block.start)
            self._starts[clinician_id].insert(position, block.start)
            self._ends[clinician_id].insert(position, block.end)
            self._blocks[clinician_id].insert(position, block)
            self._log.push((self._remove, block))

    def _remove(self, block: ProtectedTime) -> None:
        position = self._blocks[block.clinician_id].index(block)
        del self._starts[block.clinician_id][position]
        del self._ends[block.clinician_id][position]
        del self._blocks[block.clinician_id][position]

    def forget_ended(self, instant: datetime, keep: Callable[[ProtectedTime], bool]) -> int:
        """Drop every block that ended by `instant`, unless `keep` says something may still
        ask about it; returns how many went. For long in-memory runs (the simulator), as
        `MemorySlots.forget_before`: outside any transaction, not undoable."""
        gone = 0
        for clinician_id, blocks in self._blocks.items():
            ended = 0  # one clinician's blocks never overlap: by start is also by end
            while ended < len(blocks) and blocks[ended].end <= instant:
                ended += 1
            if not ended:
                continue
            kept = [block for block in blocks[:ended] if keep(block)]
            gone += ended - len(kept)
            blocks[:ended] = kept
            self._starts[clinician_id][:ended] = [block.start for block in kept]
            self._ends[clinician_id][:ended] = [block.end for block in kept]
        return gone

    def overlapping(self, clinician_id: str, start: datetime, end: datetime) -> list[ProtectedTime]:
        starts = self._starts.get(clinician_id)
        if not starts:
            return []
        position = bisect_left(starts, end) - 1
        ends = self._ends[clinician_id]
        if position < 0 or ends[position] <= start:
            return []  # the usual answer: the last block starting before `end` is over by `start`
        blocks = self._blocks[clinician_id]
        found: list[ProtectedTime] = []
        while position >= 0 and ends[position] > start:
            found.append(blocks[position])
            position -= 1
        return found[::-1]


class MemoryIpcLedger:
    def __init__(self, log: UndoLog) -> None:
        self._log = log
        self._weeks: dict[tuple[str, date], IpcWeek] = {}

    def record(self, week: IpcWeek) -> None:
        key = (week.clinician_id, week.week_start)
        prior = self._weeks.get(key)
        self._weeks[key] = week
        self._log.push((self._restore, key, prior))

    def _restore(self, key: tuple[str, date], prior: IpcWeek | None) -> None:
        """Undo `record`: the week's line before it, or none (a line recorded again is
        put back as it was, not dropped)."""
        if prior is None:
            self._weeks.pop(key, None)
        else:
            self._weeks[key] = prior

    def weeks(self, start: date | None = None, end: date | None = None) -> list[IpcWeek]:
        return [
            w
            for w in self._weeks.values()
            if (start is None or w.week_start >= start) and (end is None or w.week_start < end)
        ]

    def has(self, clinician_id: str, week_start: date) -> bool:
        return (clinician_id, week_start) in self._weeks
