"""The in-memory unit of work: what the simulator and the unit tests run on.

It keeps the same contract as the SQL one: nothing is visible as committed until
`commit()`, and leaving the `with` block without committing undoes every addition and
every slot taken or released inside it (an undo log, newest first). Services validate
before they mutate live objects, so undoing additions and slot moves is enough.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields, is_dataclass, replace
from datetime import date, datetime
from functools import partial
from operator import attrgetter
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from parity.adapters.clock import SystemClock
from parity.adapters.memory_member_search import MemoryAuditReader, MemoryMemberSearch
from parity.adapters.memory_scope import (
    MemoryLoginAttempts,
    MemoryMemberScopes,
    MemoryRevokedTokens,
)
from parity.adapters.memory_stamps import MemoryStamps, Stamped
from parity.domain.audit import AuditEvent, AuditSearch, write_pending
from parity.domain.availability import AvailabilityIndex, SlotQuery
from parity.domain.care import Appointment, CareRequest, ClinicalException, Course, Offer, Referral
from parity.domain.corrective import Action, Finding
from parity.domain.errors import InvalidInput, NotFound, SlotUnavailable
from parity.domain.holds import Hold
from parity.domain.members import Member
from parity.domain.messages import Message
from parity.domain.ports import Clock
from parity.domain.revocation import check_token
from parity.domain.schedule import (
    AvailabilityException,
    IpcWeek,
    ProtectedTime,
    Slot,
    SlotStatus,
    WeeklyTemplate,
)
from parity.domain.users import User
from parity.domain.waitlist import WaitlistEntry
from parity.domain.workforce import Clinic, Clinician

T = TypeVar("T")
Undo = Callable[[], None]


class UndoLog:
    """Undo entries, newest first, plus first-touch snapshots of mutable records; and the
    clock that dates each record's changes (`RecordStamp`, docs/adr/0015)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        self.entries: list[Undo] = []
        self.active = False
        self._touched: set[int] = set()

    def push(self, undo: Undo) -> None:
        self.entries.append(undo)

    def added(self, item: object, undo: Undo) -> None:
        """Log a record's addition; it needs no snapshot, as a rollback removes it."""
        self.entries.append(undo)
        self._touched.add(id(item))

    def touch(self, item: object) -> None:
        """Remember a mutable record's fields the first time a transaction reads it, so a
        rollback restores changes made to the live object as well as additions."""
        if not self.active or id(item) in self._touched:
            return
        read = _field_reader(type(item))
        if read is not None:
            self._touched.add(id(item))
            self.entries.append(partial(_restore, item, read.names, read(item)))

    def begin(self) -> None:
        self.clear()
        self.active = True

    def unwind(self) -> None:
        while self.entries:
            self.entries.pop()()
        self.clear()

    def clear(self) -> None:
        self.entries.clear()
        self._touched.clear()
        self.active = False


class _FieldReader:
    """Reads a mutable dataclass's fields in one C call (`attrgetter`), for snapshots."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self._get = attrgetter(*names, names[0])  # two names at least: always a tuple

    def __call__(self, item: object) -> tuple[Any, ...]:
        values: tuple[Any, ...] = self._get(item)
        return values


_READERS: dict[type, _FieldReader | None] = {}


def _field_reader(kind: type) -> _FieldReader | None:
    """The snapshot reader of a mutable dataclass; None for frozen dataclasses and others."""
    try:
        return _READERS[kind]
    except KeyError:
        params = getattr(kind, "__dataclass_params__", None)
        mutable = params is not None and not params.frozen and is_dataclass(kind)
        names = tuple(f.name for f in fields(kind)) if mutable else ()
        reader = _READERS[kind] = _FieldReader(names) if names else None
        return reader


def _restore(item: object, names: tuple[str, ...], saved: tuple[Any, ...]) -> None:
    for name, value in zip(names, saved, strict=False):  # `saved` repeats the first field
        setattr(item, name, value)


class MemoryRepository(Stamped, Generic[T]):
    """A dict of items by key with equality indexes on chosen attributes."""

    def __init__(
        self, log: UndoLog, name: str, key: str = "id", indexed: Iterable[str] = ()
    ) -> None:
        super().__init__(log)
        self._log = log
        self._name = name
        self._key = key
        self._items: dict[Any, T] = {}
        self._next_id = 1
        self._indexes: dict[str, defaultdict[Any, list[T]]] = {
            f: defaultdict(list) for f in indexed
        }

    def add(self, item: T) -> T:
        key = getattr(item, self._key)
        if key in (0, None):
            key = self._next_id
            setattr(item, self._key, key)
        if isinstance(key, int):
            self._next_id = max(self._next_id, key + 1)
        self._items[key] = item
        for field, index in self._indexes.items():
            index[getattr(item, field)].append(item)
        self._log.added(item, partial(self._remove, key, item))
        self.bump(key)
        return item

    def _remove(self, key: Any, item: T) -> None:
        self._items.pop(key, None)
        for field, index in self._indexes.items():
            index[getattr(item, field)].remove(item)

    def get(self, key: Any) -> T:
        try:
            item = self._items[key]
        except KeyError:
            raise NotFound(f"{self._name} {key} not found", resource=self._name, id=key) from None
        if self._log.active:  # outside a transaction (a live read) there is nothing to undo
            self._log.touch(item)
        return item

    def list(self) -> Sequence[T]:
        return list(self._items.values())

    def many(self, keys: Iterable[Any]) -> dict[Any, T]:
        found: dict[Any, T] = {}
        for key in set(keys):
            try:
                found[key] = self.get(key)
            except NotFound:
                continue
        return found

    def where(self, **criteria: Any) -> Sequence[T]:
        indexed = [f for f in criteria if f in self._indexes]
        pool: Iterable[T]
        if self._key in criteria:  # the key itself: one dict lookup, not a scan
            found_by_key = self._items.get(criteria[self._key])
            pool = [] if found_by_key is None else [found_by_key]
        elif indexed:
            pool = self._indexes[indexed[0]].get(criteria[indexed[0]], [])
        else:
            pool = self._items.values()
        found = [i for i in pool if all(getattr(i, f) == v for f, v in criteria.items())]
        for item in found:
            self._log.touch(item)
        return found

    def due(self, field: str, moment: Any, **criteria: Any) -> Sequence[T]:
        return [item for item in self.where(**criteria) if getattr(item, field) <= moment]

    def save(self, item: T) -> None:
        """Live objects need nothing written; a frozen record's changed copy replaces the
        stored one (undone on rollback)."""
        key = getattr(item, self._key)
        stored = self._items.get(key)
        if stored is None:
            return
        self.bump(key)
        if stored is item:
            return
        self._swap(key, stored, item)
        self._log.push(partial(self._swap, key, item, stored))

    def _swap(self, key: Any, old: T, new: T) -> None:
        self._items[key] = new
        for field, index in self._indexes.items():
            index[getattr(old, field)].remove(old)
            index[getattr(new, field)].append(new)


class MemorySlots(Stamped):
    def __init__(self, log: UndoLog) -> None:
        super().__init__(log)
        self._log = log
        self._slots: dict[int, Slot] = {}
        self._by_clinician: defaultdict[str, list[tuple[datetime, int]]] = defaultdict(list)
        self.index = AvailabilityIndex()
        self._next_id = 1

    def add_many(self, slots: Iterable[Slot], clinician: Clinician) -> None:
        batch = list(slots)
        added = (1, self._log.clock.now())  # one write per slot, as in SQL
        for slot in batch:
            slot.id = slot.id or self._next_id
            self._next_id = max(self._next_id, slot.id + 1)
            self._slots[slot.id] = slot
            self._stamps[slot.id] = added
        self._file_by_clinician(batch)
        self.index.add_many(batch, clinician)
        self._log.push(partial(self._drop_many, batch))

    def _file_by_clinician(self, batch: list[Slot]) -> None:
        for clinician_id in {slot.clinician_id for slot in batch}:
            entries = self._by_clinician[clinician_id]
            new = sorted((s.start, s.id) for s in batch if s.clinician_id == clinician_id)
            ordered = not entries or entries[-1] < new[0]  # a later week: append in order
            entries.extend(new)
            if not ordered:
                entries.sort()

    def _drop_many(self, batch: list[Slot]) -> None:
        for slot in reversed(batch):
            self._drop(slot)

    def _drop(self, slot: Slot) -> None:
        self.index.forget(slot.id)
        self._slots.pop(slot.id, None)
        self._by_clinician[slot.clinician_id].remove((slot.start, slot.id))

    def get(self, slot_id: int) -> Slot:
        try:
            slot = self._slots[slot_id]
        except KeyError:
            raise NotFound(f"slot {slot_id} not found", resource="Slot", id=slot_id) from None
        # No snapshot: a slot changes only through take/confirm/release, which log their own undo.
        return slot

    def earliest(self, query: SlotQuery) -> Slot | None:
        return self.index.earliest(query)

    def candidates(self, query: SlotQuery, limit: int) -> list[Slot]:
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
        self._log.push(partial(self._free, slot))
        self.bump(slot_id)
        return slot

    def confirm(self, slot_id: int) -> Slot:
        slot = self.get(slot_id)
        if slot.status is not SlotStatus.HELD:
            raise SlotUnavailable(f"slot {slot_id} is not held ({slot.status})", slot=slot_id)
        slot.status = SlotStatus.BUSY
        self._log.push(partial(setattr, slot, "status", SlotStatus.HELD))
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
        self._log.push(partial(self._retake, slot, previous))
        self.bump(slot_id)

    def _retake(self, slot: Slot, status: SlotStatus) -> None:
        self.index.take(slot.id)
        slot.status = status

    def for_clinician(self, clinician_id: str, start: datetime, end: datetime) -> list[Slot]:
        entries = self._by_clinician.get(clinician_id, [])
        first = bisect_left(entries, (start, 0))
        found: list[Slot] = []
        for slot_start, slot_id in entries[first:]:
            if slot_start >= end:
                break
            found.append(self._slots[slot_id])
        return found

    def free_between(self, start: datetime, end: datetime) -> list[Slot]:
        found = [
            s
            for s in self._slots.values()
            if s.status is SlotStatus.FREE and start <= s.start < end
        ]
        return sorted(found, key=lambda s: (s.start, s.id))

    def count(self) -> int:
        return len(self._slots)


class MemoryProtectedTime:
    """Protected blocks per clinician, sorted by start (blocks of one clinician never overlap)."""

    def __init__(self, log: UndoLog) -> None:
        self._log = log
        self._starts: defaultdict[str, list[datetime]] = defaultdict(list)
        self._blocks: defaultdict[str, list[ProtectedTime]] = defaultdict(list)

    def add_many(self, blocks: Iterable[ProtectedTime]) -> None:
        for block in blocks:
            position = bisect_right(self._starts[block.clinician_id], block.start)
            self._starts[block.clinician_id].insert(position, block.start)
            self._blocks[block.clinician_id].insert(position, block)
            self._log.push(partial(self._remove, block))

    def _remove(self, block: ProtectedTime) -> None:
        position = self._blocks[block.clinician_id].index(block)
        del self._starts[block.clinician_id][position]
        del self._blocks[block.clinician_id][position]

    def overlapping(self, clinician_id: str, start: datetime, end: datetime) -> list[ProtectedTime]:
        starts = self._starts.get(clinician_id)
        if not starts:
            return []
        blocks = self._blocks[clinician_id]
        position = bisect_left(starts, end) - 1
        found: list[ProtectedTime] = []
        while position >= 0 and blocks[position].end > start:
            found.append(blocks[position])
            position -= 1
        return found[::-1]


class MemoryIpcLedger:
    def __init__(self, log: UndoLog) -> None:
        self._log = log
        self._weeks: dict[tuple[str, date], IpcWeek] = {}

    def record(self, week: IpcWeek) -> None:
        key = (week.clinician_id, week.week_start)
        self._weeks[key] = week
        self._log.push(partial(self._forget, key))

    def _forget(self, key: tuple[str, date]) -> None:
        self._weeks.pop(key, None)

    def weeks(self, start: date | None = None, end: date | None = None) -> list[IpcWeek]:
        return [
            w
            for w in self._weeks.values()
            if (start is None or w.week_start >= start) and (end is None or w.week_start < end)
        ]

    def has(self, clinician_id: str, week_start: date) -> bool:
        return (clinician_id, week_start) in self._weeks


class MemoryUnitOfWork:
    """Holds the whole store in memory; each `with` block is one transaction."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._log = UndoLog(clock)
        log = self._log
        self.clinics = MemoryRepository[Clinic](log, "Clinic")
        self.clinicians = MemoryRepository[Clinician](log, "Clinician")
        self.members = MemoryRepository[Member](log, "Patient")
        self.holds = MemoryRepository[Hold](log, "Hold", indexed=("request_id", "slot_id"))
        self.templates = MemoryRepository[WeeklyTemplate](log, "Template", key="clinician_id")
        self.availability_exceptions = MemoryRepository[AvailabilityException](
            log, "AvailabilityException", indexed=("clinician_id",)
        )
        self.slots = MemorySlots(log)
        self.protected = MemoryProtectedTime(log)
        self.ipc_ledger = MemoryIpcLedger(log)
        self.requests = MemoryRepository[CareRequest](log, "ServiceRequest", indexed=("member_id",))
        self.offers = MemoryRepository[Offer](log, "Offer", indexed=("request_id",))
        self.appointments = MemoryRepository[Appointment](
            log, "Appointment", indexed=("request_id", "member_id", "slot_id")
        )
        self.referrals = MemoryRepository[Referral](log, "Referral", indexed=("request_id",))
        self.clinical_exceptions = MemoryRepository[ClinicalException](
            log, "ClinicalException", indexed=("request_id",)
        )
        self.courses = MemoryRepository[Course](log, "Course", indexed=("member_id",))
        self.findings = MemoryRepository[Finding](log, "Finding")
        self.actions = MemoryRepository[Action](log, "Action", indexed=("finding_id",))
        # users and the audit trail (ADR 0008)
        self.users = MemoryUsers(log)
        self.audit_events = MemoryAuditTrail(log)
        self.member_search = MemoryMemberSearch(self.members, self.appointments, self.courses)
        self.audit_reader = MemoryAuditReader(self.audit_events)
        self.commits = 0
        self._add_waitlist_and_messages(log)

    # -- the waitlist and the messages outbox (ADR 0009) --
    def _add_waitlist_and_messages(self, log: UndoLog) -> None:
        self.waitlist = MemoryRepository[WaitlistEntry](
            log, "WaitlistEntry", indexed=("request_id",)
        )
        self.messages = MemoryRepository[Message](log, "Message", indexed=("key",))
        self.member_scopes = MemoryMemberScopes(self)  # ADR 0012
        self.revoked_tokens = MemoryRevokedTokens()
        self.login_attempts = MemoryLoginAttempts()
        self.stamps = MemoryStamps(self)  # ADR 0015: versionId and lastUpdated

    def __enter__(self) -> Self:
        self._log.begin()
        try:
            check_token(self.revoked_tokens)  # a signed-out token reads and writes nothing
        except BaseException:
            self.rollback()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        write_pending(self.audit_events)  # a change and its audit event: one transaction
        self._log.clear()
        self.commits += 1

    def rollback(self) -> None:
        self._log.unwind()


# -- users and the audit trail (ADR 0008) --------------------------------------------------------


class MemoryUsers:
    """Users by name; a taken name is refused, as the SQL table's unique index does."""

    def __init__(self, log: UndoLog) -> None:
        self._log = log
        self._by_name: dict[str, User] = {}

    def add(self, user: User) -> User:
        if user.username in self._by_name:
            raise InvalidInput(f"user {user.username!r} already exists")
        user.id = len(self._by_name) + 1
        self._by_name[user.username] = user
        self._log.push(partial(self._forget, user.username))
        return user

    def _forget(self, username: str) -> None:
        self._by_name.pop(username, None)

    def by_username(self, username: str) -> User | None:
        return self._by_name.get(username)

    def list(self) -> Sequence[User]:
        return sorted(self._by_name.values(), key=lambda u: u.username)


class MemoryAuditTrail:
    """Events in the order written; nothing here changes or removes one once committed."""

    def __init__(self, log: UndoLog) -> None:
        self._log = log
        self._events: list[AuditEvent] = []

    def append(self, event: AuditEvent) -> AuditEvent:
        stored = replace(event, id=len(self._events) + 1)
        self._events.append(stored)
        self._log.push(self._forget_last)
        return stored

    def _forget_last(self) -> None:
        self._events.pop()

    def search(self, search: AuditSearch, limit: int) -> list[AuditEvent]:
        return [e for e in reversed(self._events) if search.matches(e)][:limit]
