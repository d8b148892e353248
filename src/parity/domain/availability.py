"""The availability index: "earliest free matching slot before the deadline", fast.

Free slots are filed in pools by what a request can ask for: (slot kind, provider class,
language, modality, area), where the area is the clinic for in-person visits and the whole
region for video and phone. Each pool is split into UTC-day buckets of sorted integer keys
(start second << 24 | slot id), so a query looks at most one bucket per pool per day of its
window and never scans clinicians. A per-clinician pool answers continuity-of-care queries
("the same therapist, if they have a timely slot"). Taking a slot removes its keys; freeing
it puts them back, so the index holds exactly the free slots.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from parity.domain.schedule import BlockKind, Slot, SlotStatus
from parity.domain.workforce import REMOTE_MODALITIES, Clinician, Modality, ProviderClass

ID_BITS = 24
ID_MASK = (1 << ID_BITS) - 1
DAY_SECONDS = 86_400
REGION = "*"

PoolKey = tuple[str, ...]
# One pool's free keys, per UTC day (days since the epoch), each array sorted.
Days = dict[int, "array[int]"]


@dataclass(frozen=True, slots=True)
class SlotQuery:
    """What a request can accept, and the window its visit must start in."""

    kinds: tuple[BlockKind, ...]
    provider_class: ProviderClass
    language: str
    modalities: tuple[Modality, ...]
    clinic_id: str
    not_before: datetime
    not_after: datetime
    clinician_id: str | None = None

    def pools(self) -> list[PoolKey]:
        if self.clinician_id is not None:
            # The caller checks the clinician's class and language; modality and area still
            # narrow their slots (an in-person visit stays at the member's clinic).
            return [
                ("clinician", self.clinician_id, kind, modality, area_of(modality, self.clinic_id))
                for kind in self.kinds
                for modality in self.modalities
            ]
        return [
            (kind, self.provider_class, self.language, modality, area_of(modality, self.clinic_id))
            for kind in self.kinds
            for modality in self.modalities
        ]


class Wants(Protocol):
    """What a request accepts, as far as where and how a visit is held goes (a care
    request, a slot query, an optimizer request)."""

    @property
    def modalities(self) -> tuple[Modality, ...]: ...

    @property
    def clinic_id(self) -> str: ...


class Placed(Protocol):
    """Where a slot is: its clinic."""

    @property
    def clinic_id(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Serving:
    """How a slot serves a request: the visit's modality and the area it is held for
    (the member's clinic for in person, the whole region for video and phone)."""

    modality: Modality
    area: str


def area_of(modality: Modality, clinic_id: str) -> str:
    """The area a visit in `modality` at `clinic_id` counts for: in person only at that
    clinic, video and phone anywhere in the region."""
    return REGION if modality in REMOTE_MODALITIES else clinic_id


def serving(wants: Wants, slot: Placed, clinician: Clinician) -> Serving | None:
    """Whether `slot` (of `clinician`) can serve a request, and how: the first modality the
    member accepts that the clinician offers, in the same area for the member as for the
    slot. None: it cannot. The one statement of the modality and area rule: the index files
    a free slot under exactly the (modality, area) pairs this accepts, and the booking
    engine refuses a chosen slot it rejects."""
    for modality in wants.modalities:
        area = area_of(modality, wants.clinic_id)
        if modality in clinician.modalities and area_of(modality, slot.clinic_id) == area:
            return Serving(modality, area)
    return None


def _pools_of(slot: Slot, clinician: Clinician) -> list[PoolKey]:
    """Every pool a query finds `slot` in: one per (modality, area) `serving` accepts; the
    clinician's own pools first (one per modality), then the pools shared by clinicians."""
    own: list[PoolKey] = []
    shared: list[PoolKey] = []
    for modality in clinician.modalities:
        area = area_of(modality, slot.clinic_id)
        own.append(("clinician", clinician.id, slot.kind, modality, area))
        for language in clinician.languages:
            shared.append((slot.kind, clinician.provider_class, language, modality, area))
    return own + shared


def _epoch(instant: datetime) -> int:
    return int(instant.timestamp())


class AvailabilityIndex:
    """An in-memory index of free slots; pure data structure, no I/O.

    Buckets live in two levels, pool then UTC day, and each slot remembers its pools'
    day tables, so taking or releasing a slot hashes no pool key at all.
    """

    def __init__(self) -> None:
        self._buckets: dict[PoolKey, Days] = {}
        self._slots: dict[int, Slot] = {}
        self._pools: dict[int, list[Days]] = {}
        self._free: set[int] = set()
        # Keys filed by `add_many` and not yet merged into their buckets: per pool (by the
        # id of its day table), that table and its pending keys by day.
        self._pending: dict[int, tuple[Days, dict[int, list[int]]]] = {}
        # A query's pools by what defines them (the booking engine asks the same few again
        # and again); forgotten whenever a pool is first made.
        self._query_pools: dict[tuple[object, ...], list[Days]] = {}
        # A clinician's pools for a kind of slot at a clinic, with the clinician record
        # they were worked out from (a changed record is a new object: worked out again).
        # Laying a week and releasing holds ask for the same ones every time.
        self._place_pools: dict[tuple[str, BlockKind, str], tuple[Clinician, list[Days]]] = {}

    def __len__(self) -> int:
        return len(self._free)

    def __contains__(self, slot_id: int) -> bool:
        return slot_id in self._free

    def _days_of(self, slot: Slot, clinician: Clinician) -> list[Days]:
        place = (clinician.id, slot.kind, slot.clinic_id)
        kept = self._place_pools.get(place)
        if kept is not None and kept[0] is clinician:  # the same record: the same pools
            return kept[1]
        buckets = self._buckets
        known = len(buckets)
        found = [buckets.setdefault(pool, {}) for pool in _pools_of(slot, clinician)]
        if len(buckets) != known:
            self._query_pools.clear()  # a new pool: a query may now find it
        self._place_pools[place] = (clinician, found)
        return found

    def add(self, slot: Slot, clinician: Clinician) -> None:
        """File a free slot (its `id` must already be set and fit in 24 bits)."""
        if not 0 < slot.id <= ID_MASK:
            raise ValueError(f"slot id {slot.id} out of range for the index")
        self._slots[slot.id] = slot
        self._pools[slot.id] = self._days_of(slot, clinician)
        self.release(slot.id)

    def add_many(self, slots: Iterable[Slot], clinician: Clinician) -> None:
        """File a batch of one clinician's slots (a laid week): free ones go into their
        pools, others are only remembered so a later release can put them back.

        Equivalent to `add` then `take` per slot, but each slot's pools are computed once
        per (kind, clinic), and keys wait in a pending list until the next read or move
        files them all at once: laying a week for every clinician then sorts each regional
        bucket once instead of inserting into it key by key.
        """
        pools_at: dict[tuple[BlockKind, str], list[Days]] = {}
        owned = len(clinician.modalities)  # the first pools of each slot (`_pools_of`)
        fresh: dict[tuple[BlockKind, str], dict[int, list[int]]] = {}  # place, day: keys
        # Locals: this loop runs once per slot laid, the bulk of laying a week.
        known, pools_of, free = self._slots, self._pools, self._free
        is_free = SlotStatus.FREE
        for slot in slots:
            slot_id = slot.id
            if not 0 < slot_id <= ID_MASK:
                raise ValueError(f"slot id {slot_id} out of range for the index")
            place = (slot.kind, slot.clinic_id)
            pools = pools_at.get(place)
            if pools is None:
                pools = pools_at[place] = self._days_of(slot, clinician)
            known[slot_id] = slot
            pools_of[slot_id] = pools
            if slot.status is is_free and slot_id not in free:
                free.add(slot_id)
                start = int(slot.start.timestamp())  # `_epoch`, inline in a hot loop
                by_day = fresh.get(place)
                if by_day is None:
                    by_day = fresh[place] = {}
                filed = by_day.get(start // DAY_SECONDS)
                if filed is None:
                    by_day[start // DAY_SECONDS] = [(start << ID_BITS) | slot_id]
                else:
                    filed.append((start << ID_BITS) | slot_id)
        for place, by_day in fresh.items():
            self._file_pending(pools_at[place], by_day, owned)

    def _file_pending(self, pools: list[Days], by_day: dict[int, list[int]], owned: int) -> None:
        """File one place's fresh keys by day into its pools: the clinician's own pools
        (the first `owned`) at once when their day is new, each a copy of one sorted array
        (copying an array is a memory copy; building one converts each key); the rest wait
        in `_pending` for one sorted merge per bucket."""
        pending = self._pending
        ordered: dict[int, array[int]] = {}
        for n, days in enumerate(pools):
            waiting = pending.get(id(days))
            waiting_days = None if waiting is None else waiting[1]
            for day, keys in by_day.items():
                filed = None if waiting_days is None else waiting_days.get(day)
                if filed is not None:
                    filed.extend(keys)
                elif n < owned and day not in days:
                    own = ordered.get(day)
                    if own is None:
                        own = ordered[day] = array("q", sorted(keys))
                    days[day] = own[:]
                else:
                    if waiting_days is None:
                        waiting_days = {}
                        pending[id(days)] = (days, waiting_days)
                    waiting_days[day] = keys[:]

    def _settle(self) -> None:
        """File the keys `add_many` left pending, one sorted batch per bucket."""
        for days, waiting in self._pending.values():
            for day, keys in waiting.items():
                keys.sort()
                bucket = days.get(day)
                if bucket is None:
                    days[day] = array("q", keys)
                elif not bucket or bucket[-1] < keys[0]:
                    bucket.extend(keys)  # the usual case: a new week's keys come after the rest
                else:
                    days[day] = array("q", sorted((*bucket, *keys)))
        self._pending.clear()

    def take(self, slot_id: int) -> None:
        """Remove a slot from the free pools (booked, held or withdrawn)."""
        if self._pending:
            self._settle()
        free = self._free
        if slot_id not in free:
            return
        free.remove(slot_id)
        start = int(self._slots[slot_id].start.timestamp())  # `_key`, inline: once a booking
        key, day = (start << ID_BITS) | slot_id, start // DAY_SECONDS
        for days in self._pools[slot_id]:
            bucket = days[day]
            del bucket[bisect_left(bucket, key)]

    def release(self, slot_id: int) -> None:
        """Put a slot back into its pools (a cancellation or an expired hold)."""
        if self._pending:
            self._settle()
        if slot_id in self._free:
            return
        self._free.add(slot_id)
        key, day = self._key(slot_id)
        for days in self._pools[slot_id]:
            bucket = days.get(day)
            if bucket is None:
                days[day] = array("q", [key])
            else:
                insort(bucket, key)

    def forget(self, slot_id: int) -> None:
        """Drop a slot entirely (e.g. it lies in the past)."""
        self.take(slot_id)
        self._slots.pop(slot_id, None)
        self._pools.pop(slot_id, None)

    def forget_before(self, slot_ids: Iterable[int], oldest: int, instant: int) -> None:
        """Drop slots that start before `instant` (epoch seconds; the oldest at `oldest`)
        and every bucket of the UTC days wholly before it: only the keys of the day
        `instant` falls in are taken out one by one."""
        if self._pending:
            self._settle()
        cut_day = instant // DAY_SECONDS
        for slot_id in slot_ids:
            slot = self._slots.get(slot_id)
            if slot is not None and _epoch(slot.start) // DAY_SECONDS >= cut_day:
                self.take(slot_id)  # on the day `instant` falls in: its bucket stays
            self._free.discard(slot_id)
            self._slots.pop(slot_id, None)
            self._pools.pop(slot_id, None)
        self.forget_days(oldest // DAY_SECONDS, cut_day)

    def forget_days(self, first_day: int, until_day: int) -> None:
        """Drop every pool's buckets for UTC days `first_day` to `until_day` (exclusive):
        after their slots are forgotten, a long run keeps no empty past buckets."""
        for days in self._buckets.values():
            for day in range(first_day, until_day):
                days.pop(day, None)

    def _key(self, slot_id: int) -> tuple[int, int]:
        start = int(self._slots[slot_id].start.timestamp())  # `_epoch`, inline
        return (start << ID_BITS) | slot_id, start // DAY_SECONDS

    def _query_days(self, query: SlotQuery) -> list[Days]:
        if self._pending:
            self._settle()
        defined = (
            query.kinds,
            query.provider_class,
            query.language,
            query.modalities,
            query.clinic_id,
            query.clinician_id,
        )
        pools = self._query_pools.get(defined)
        if pools is None:
            found = [self._buckets.get(pool) for pool in query.pools()]
            pools = self._query_pools[defined] = [days for days in found if days is not None]
        return [days for days in pools if days]

    def earliest(self, query: SlotQuery) -> Slot | None:
        """The earliest free slot matching `query` that starts inside its window."""
        pools = self._query_days(query)
        low = _epoch(query.not_before)
        high = _epoch(query.not_after)
        low_key = low << ID_BITS
        high_key = ((high + 1) << ID_BITS) - 1
        first = low // DAY_SECONDS
        best = self._earliest_on(pools, first, low_key, high_key)
        for day in range(first + 1, high // DAY_SECONDS + 1):
            if best <= high_key:
                break
            # Every key of a later day is past `low`: a bucket's first key is its earliest.
            for days in pools:
                bucket = days.get(day)
                if bucket and bucket[0] < best:
                    best = bucket[0]
        return self._slots[best & ID_MASK] if best <= high_key else None

    @staticmethod
    def _earliest_on(pools: list[Days], day: int, low_key: int, high_key: int) -> int:
        best = high_key + 1
        for days in pools:
            bucket = days.get(day)
            if bucket:
                index = bisect_left(bucket, low_key)
                if index < len(bucket) and bucket[index] < best:
                    best = bucket[index]
        return best

    def iter_free(self, query: SlotQuery, per_day: int = 64) -> Iterator[Slot]:
        """Free matching slots in start order, each once; at most `per_day` per pool and day."""
        pools = self._query_days(query)
        low = _epoch(query.not_before)
        high = _epoch(query.not_after)
        low_key = low << ID_BITS
        high_key = ((high + 1) << ID_BITS) - 1
        for day in range(low // DAY_SECONDS, high // DAY_SECONDS + 1):
            keys: set[int] = set()
            for days in pools:
                bucket = days.get(day)
                if bucket:
                    index = bisect_left(bucket, low_key)
                    keys.update(k for k in bucket[index : index + per_day] if k <= high_key)
            for key in sorted(keys):
                yield self._slots[key & ID_MASK]
