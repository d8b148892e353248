"""The availability index: "earliest free matching slot before the deadline", fast.

Free slots are filed in pools by what a request can ask for: (slot kind, provider class,
language, modality, area), where the area is the clinic for in-person visits and the whole
region for video and phone. Each pool is split into UTC-day buckets of sorted integer keys
(start second << 24 | slot id), so a query looks at most one bucket per pool per day of its
window and never scans clinicians. A per-clinician pool answers continuity-of-care queries
("the same therapist, if they have a timely slot").

Both the filing and the taking are lazy (docs/adr/0014, speed, fifth pass). A laid slot's
key goes once into its feed (one clinician's slots of one kind at one clinic, by day); a
pool's bucket for a day is made from its feeds the first time a query reads that day, as
most pool-days are never read. Taking a slot only marks it taken; a read skips a taken key
and drops it from the bucket it read, and freeing a slot puts its key back where a bucket
lost it. A query therefore finds exactly the free slots, as if every pool were kept exact.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, cast

from parity.domain.records import quick_init
from parity.domain.schedule import BlockKind, Slot, SlotStatus
from parity.domain.workforce import REMOTE_MODALITIES, Clinician, Modality, ProviderClass

ID_BITS = 24
ID_MASK = (1 << ID_BITS) - 1
DAY_SECONDS = 86_400
DEADLINES_KEPT = 4_096  # deadlines whose epoch seconds the index remembers at once
REGION = "*"

PoolKey = tuple[str, ...]


class _Feed:
    """The keys of one place's slots (a clinician's slots of one kind at one clinic), by
    UTC day, and the pools they are filed under: a pool reads a day's keys from its
    feeds when a query first reaches that day. A day with one key holds the bare key:
    most hold one or two, and an array each was more than half of the index's memory
    (docs/adr/0014, eighth pass)."""

    __slots__ = ("days", "pools")

    def __init__(self, pools: list[Pool]) -> None:
        self.pools = pools
        self.days: dict[int, int | array[int]] = {}


class Pool(dict[int, "array[int]"]):
    """One pool's keys by UTC day (days since the epoch), each array sorted: the days a
    query has read (taken keys it has not met yet among them); and the feeds the other
    days are read from."""

    __slots__ = ("feeds",)

    def __init__(self) -> None:
        super().__init__()
        self.feeds: list[_Feed] = []


@quick_init  # built once or more per booking decision (ADR 0014, sixth pass)
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


@quick_init  # built once or more per booking decision (ADR 0014, sixth pass)
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

    Each slot remembers its feed, and so its pools, so taking or releasing a slot hashes
    no pool key at all.
    """

    def __init__(self) -> None:
        self._buckets: dict[PoolKey, Pool] = {}
        # By slot id (the stores hand out small consecutive ids): a laid slot, its feed,
        # and whether it is free (1) or not (0). A query reads one byte a key it meets
        # where a set of free ids was a hashed table several times the size, read cold
        # (docs/adr/0014, eighth pass); None and 0 where no slot is laid.
        self._slots: list[Slot | None] = [None]
        self._feed: list[_Feed | None] = [None]
        self._free = bytearray(1)
        self._feeds: list[_Feed] = []
        # A query's pools by what defines them (the booking engine asks the same few again
        # and again); forgotten whenever a pool is first made.
        self._query_pools: dict[tuple[object, ...], list[Pool]] = {}
        # A clinician's feed for a kind of slot at a clinic, with the clinician record it
        # was worked out from (a changed record is a new object: worked out again, and the
        # feed of the same pools found by their keys). Laying a week and releasing holds
        # ask for the same ones every time.
        self._place_feeds: dict[tuple[str, BlockKind, str], tuple[Clinician, _Feed]] = {}
        self._feeds_by_pools: dict[
            tuple[tuple[str, BlockKind, str], tuple[PoolKey, ...]], _Feed
        ] = {}
        # Epoch seconds of the deadlines queries end at, by the instant's identity (with the
        # instant itself, so an id is never reused while it is kept): the rule file hands
        # out one deadline object per day and limit, and a zone-aware instant costs ~0.9 µs
        # to convert (docs/adr/0014, seventh pass).
        self._deadline_seconds: dict[int, tuple[datetime, int]] = {}

    def __len__(self) -> int:
        return self._free.count(1)

    def __contains__(self, slot_id: int) -> bool:
        return 0 < slot_id < len(self._free) and self._free[slot_id] == 1

    def slot(self, slot_id: int) -> Slot | None:
        """The laid slot with this id, free or not; None: no such slot is laid."""
        slots = self._slots
        return slots[slot_id] if 0 < slot_id < len(slots) else None

    def slots_of(self, slot_ids: Iterable[int]) -> list[Slot]:
        """The laid slots with these ids, in their order (each must be laid)."""
        slots = self._slots
        return cast("list[Slot]", [slots[slot_id] for slot_id in slot_ids])

    def laid(self) -> Iterator[Slot]:
        """Every laid slot, free or not, by id."""
        return (slot for slot in self._slots if slot is not None)

    def laid_count(self) -> int:
        return len(self._slots) - self._slots.count(None)

    def free_ids(self) -> list[int]:
        """The free slots' ids, in order."""
        return [slot_id for slot_id, free in enumerate(self._free) if free]

    def _room_for(self, slot_id: int) -> None:
        """Grow the by-id lists to hold `slot_id` (by half again, at least)."""
        size = len(self._free)
        if slot_id < size:
            return
        more = max(slot_id + 1 - size, size // 2)
        self._free.extend(bytes(more))
        self._slots.extend([None] * more)
        self._feed.extend([None] * more)

    def _feed_of(self, slot: Slot, clinician: Clinician) -> _Feed:
        place = (clinician.id, slot.kind, slot.clinic_id)
        kept = self._place_feeds.get(place)
        if kept is not None and kept[0] is clinician:  # the same record: the same pools
            return kept[1]
        keys = tuple(_pools_of(slot, clinician))
        feed = self._feeds_by_pools.get((place, keys))
        if feed is None:
            buckets = self._buckets
            known = len(buckets)
            pools = []
            for key in keys:
                pool = buckets.get(key)
                if pool is None:
                    pool = buckets[key] = Pool()
                pools.append(pool)
            if len(buckets) != known:
                self._query_pools.clear()  # a new pool: a query may now find it
            feed = self._feeds_by_pools[(place, keys)] = _Feed(pools)
            for pool in pools:
                pool.feeds.append(feed)
            self._feeds.append(feed)
        self._place_feeds[place] = (clinician, feed)
        return feed

    def add(self, slot: Slot, clinician: Clinician) -> None:
        """File a slot as free (its `id` must already be set and fit in 24 bits)."""
        self.add_many((slot,), clinician)
        self.release(slot.id)

    def add_many(self, slots: Iterable[Slot], clinician: Clinician) -> None:
        """File a batch of one clinician's slots (a laid week): every key goes into its
        feed, free or not (a later release only marks it free again); free slots are
        marked free. Only the pools that have already read a day the batch fills (a
        query reached it before it was laid) are given their keys now."""
        feeds_at: dict[tuple[BlockKind, str], _Feed] = {}
        filled: dict[int, tuple[_Feed, dict[int, list[int]]]] = {}
        batch = slots if isinstance(slots, (list, tuple)) else list(slots)
        top = 0
        for slot in batch:
            slot_id = slot.id
            if not 0 < slot_id <= ID_MASK:
                raise ValueError(f"slot id {slot_id} out of range for the index")
            if slot_id > top:
                top = slot_id
        self._room_for(top)
        # Locals: this loop runs once per slot laid, the bulk of laying a week.
        known, feed_of, free = self._slots, self._feed, self._free
        is_free = SlotStatus.FREE
        for slot in batch:
            slot_id = slot.id
            place = (slot.kind, slot.clinic_id)
            feed = feeds_at.get(place)
            if feed is None:
                feed = feeds_at[place] = self._feed_of(slot, clinician)
                filled[id(feed)] = (feed, {})
            known[slot_id] = slot
            feed_of[slot_id] = feed
            if slot.status is is_free:
                free[slot_id] = 1
            start = int(slot.start.timestamp())  # `_epoch`, inline in a hot loop
            day, key = start // DAY_SECONDS, (start << ID_BITS) | slot_id
            by_day = filled[id(feed)][1]
            keys = by_day.get(day)
            if keys is None:
                by_day[day] = [key]
            else:
                keys.append(key)
        for feed, by_day in filled.values():
            _feed(feed, by_day)

    def take(self, slot_id: int) -> None:
        """Mark a slot taken (booked, held or withdrawn): no query finds it until released."""
        if 0 < slot_id < len(self._free):
            self._free[slot_id] = 0

    def release(self, slot_id: int) -> None:
        """Free a slot again (a cancellation or an expired hold): its key goes back into
        any bucket a read dropped it from."""
        if slot_id in self:
            return
        key, day = self._key(slot_id)  # a KeyError for a slot never laid
        self._free[slot_id] = 1
        feed = self._feed[slot_id]
        assert feed is not None  # laid: it has a feed
        for pool in feed.pools:
            bucket = pool.get(day)
            if bucket is not None:
                index = bisect_left(bucket, key)
                if index == len(bucket) or bucket[index] != key:
                    bucket.insert(index, key)

    def forget(self, slot_id: int) -> None:
        """Drop a slot entirely (its laying undone): its key goes from its feed and from
        every bucket that holds it."""
        if not 0 < slot_id < len(self._free) or self._slots[slot_id] is None:
            return
        key, day = self._key(slot_id)
        feed = self._feed[slot_id]
        assert feed is not None  # laid: it has a feed
        self._free[slot_id] = 0
        self._feed[slot_id] = self._slots[slot_id] = None
        fed = feed.days.get(day)
        if isinstance(fed, int):
            if fed == key:
                del feed.days[day]
        elif fed is not None and key in fed:
            fed.remove(key)
        for pool in feed.pools:
            bucket = pool.get(day)
            if bucket:
                index = bisect_left(bucket, key)
                if index < len(bucket) and bucket[index] == key:
                    del bucket[index]

    def forget_before(self, slot_ids: Iterable[int], oldest: int, instant: int) -> None:
        """Drop slots that start before `instant` (epoch seconds; the oldest at `oldest`)
        and every bucket and feed of the UTC days wholly before it: the keys left on the
        day `instant` falls in are of slots no longer free, which reads skip."""
        free, known, feed_of, size = self._free, self._slots, self._feed, len(self._free)
        for slot_id in slot_ids:
            if 0 < slot_id < size:
                free[slot_id] = 0
                known[slot_id] = feed_of[slot_id] = None
        self.forget_days(oldest // DAY_SECONDS, instant // DAY_SECONDS)

    def forget_days(self, first_day: int, until_day: int) -> None:
        """Drop every pool's buckets and every feed's keys for UTC days `first_day` to
        `until_day` (exclusive): after their slots are forgotten, a long run keeps no past."""
        days = range(first_day, until_day)
        for pool in self._buckets.values():
            for day in days:
                pool.pop(day, None)
        for feed in self._feeds:
            for day in days:
                feed.days.pop(day, None)

    def _key(self, slot_id: int) -> tuple[int, int]:
        slot = self._slots[slot_id] if 0 < slot_id < len(self._slots) else None
        if slot is None:
            raise KeyError(slot_id)
        start = int(slot.start.timestamp())  # `_epoch`, inline
        return (start << ID_BITS) | slot_id, start // DAY_SECONDS

    def _query_days(self, query: SlotQuery) -> list[Pool]:
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
            pools = self._query_pools[defined] = [pool for pool in found if pool is not None]
        return pools

    def _until(self, instant: datetime) -> int:
        """`_epoch` of a query's last start, remembered for the same object."""
        kept = self._deadline_seconds.get(id(instant))
        if kept is not None and kept[0] is instant:
            return kept[1]
        seconds = int(instant.timestamp())
        if len(self._deadline_seconds) >= DEADLINES_KEPT:
            self._deadline_seconds.clear()  # a long run's past deadlines: start again
        self._deadline_seconds[id(instant)] = (instant, seconds)
        return seconds

    def earliest(self, query: SlotQuery) -> Slot | None:
        """The earliest free slot matching `query` that starts inside its window."""
        pools = self._query_days(query)
        low = _epoch(query.not_before)
        high = self._until(query.not_after)
        low_key = low << ID_BITS
        high_key = ((high + 1) << ID_BITS) - 1
        first = low // DAY_SECONDS
        free = self._free
        best = self._earliest_on(pools, first, low_key, high_key)
        for day in range(first + 1, high // DAY_SECONDS + 1):
            if best <= high_key:
                break
            # Every key of a later day is past `low`: a bucket's first free key is its earliest.
            for pool in pools:
                bucket = pool.get(day)
                if bucket is None:
                    bucket = _read(pool, day)
                while bucket and not free[bucket[0] & ID_MASK]:
                    del bucket[0]  # taken since filed: dropped as it is met
                if bucket and bucket[0] < best:
                    best = bucket[0]
        return self._slots[best & ID_MASK] if best <= high_key else None  # laid: not None

    def _earliest_on(self, pools: list[Pool], day: int, low_key: int, high_key: int) -> int:
        best = high_key + 1
        free = self._free
        for pool in pools:
            bucket = pool.get(day)
            if bucket is None:
                bucket = _read(pool, day)
            if bucket:
                index = bisect_left(bucket, low_key)
                while index < len(bucket):
                    key = bucket[index]
                    if free[key & ID_MASK]:
                        if key < best:
                            best = key
                        break
                    del bucket[index]  # taken since filed: dropped as it is met
        return best

    def iter_free(self, query: SlotQuery, per_day: int = 64) -> Iterator[Slot]:
        """Free matching slots in start order, each once; at most `per_day` per pool and day."""
        pools = self._query_days(query)
        low = _epoch(query.not_before)
        high = _epoch(query.not_after)
        low_key = low << ID_BITS
        high_key = ((high + 1) << ID_BITS) - 1
        free = self._free
        for day in range(low // DAY_SECONDS, high // DAY_SECONDS + 1):
            keys: set[int] = set()
            for pool in pools:
                bucket = pool.get(day)
                if bucket is None:
                    bucket = _read(pool, day)
                index, found = bisect_left(bucket, low_key), 0
                while index < len(bucket) and found < per_day:
                    key = bucket[index]
                    if not free[key & ID_MASK]:
                        del bucket[index]  # taken since filed: dropped as it is met
                        continue
                    if key <= high_key:
                        keys.add(key)
                    found += 1
                    index += 1
            for key in sorted(keys):
                slot = self._slots[key & ID_MASK]
                assert slot is not None  # free: laid
                yield slot


def _feed(feed: _Feed, by_day: dict[int, list[int]]) -> None:
    """Add a batch's keys to their feed; a pool that has already read one of their days
    takes them now."""
    days = feed.days
    for day, keys in by_day.items():
        fed = days.get(day)
        if fed is None:
            days[day] = keys[0] if len(keys) == 1 else array("q", keys)
        elif isinstance(fed, int):
            days[day] = array("q", [fed, *keys])
        else:
            fed.extend(keys)
        for pool in feed.pools:
            bucket = pool.get(day)
            if bucket is not None:
                _merge(pool, day, bucket, keys)


def _read(pool: Pool, day: int) -> array[int]:
    """A pool's bucket for a day no query has read: its feeds' keys of the day, sorted."""
    keys: list[int] = []
    for feed in pool.feeds:
        fed = feed.days.get(day)
        if fed is None:
            continue
        if isinstance(fed, int):
            keys.append(fed)
        else:
            keys.extend(fed)
    keys.sort()
    bucket = pool[day] = array("q", keys)
    return bucket


def _merge(pool: Pool, day: int, bucket: array[int], keys: list[int]) -> None:
    """Add keys laid after a read made the pool's bucket for the day."""
    keys = sorted(keys)
    if not bucket or bucket[-1] < keys[0]:
        bucket.extend(keys)  # later keys come after the rest
    elif len(keys) * 16 < len(bucket):
        for key in keys:  # a few among many (a day's released holds): one move each
            insort(bucket, key)
    else:
        pool[day] = array("q", sorted((*bucket, *keys)))
