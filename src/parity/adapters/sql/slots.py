"""Slots in SQL: bulk materialisation, the availability search, and race-safe taking.

`earliest` and `candidates` answer exactly what the in-memory `AvailabilityIndex` answers
(domain/availability.py): free slots of the query's kinds starting in its window, of a
clinician of the request's provider class who speaks its language and offers one of its
modalities, where in-person visits stay at the member's clinic and video and phone are
region-wide; a `clinician_id` narrows to that clinician by kind, modality and area only.
The index compares whole seconds (epoch keys), so the window is widened to whole seconds
the same way. Results come in (start, id) order, the index's key order. A search reads
the found slots' clinicians in the same statement, each once, and hands them to the
clinicians' repository for the transaction (`_with_clinicians`): every caller renders or
checks a found slot with its clinician (docs/adr/0017-booking-api-speed.md, twelfth round).

Taking a slot is one conditional UPDATE (`... WHERE status = 'free'`): of two transactions
racing for a slot, PostgreSQL makes the second wait on the row lock and then re-check the
condition, which no longer holds; SQLite runs writers one at a time (BEGIN IMMEDIATE). The
loser gets `SlotUnavailable`, never a second booking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    Executable,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.sql import Subquery
from sqlalchemy.sql.elements import ColumnElement

from parity.adapters.sql import after_move, direct, tables
from parity.adapters.sql.copies import shallow_copy
from parity.adapters.sql.errors import translated
from parity.adapters.sql.mapping import CLINICIAN_QUERY, slot_to_domain, slot_to_row
from parity.adapters.sql.statements import advance_identity, allocate_ids, insert_many, one_of
from parity.adapters.sql.store import Link, Store
from parity.domain.availability import SlotQuery
from parity.domain.errors import NotFound, SlotUnavailable
from parity.domain.ports import RecordStamp
from parity.domain.schedule import Slot, SlotStatus
from parity.domain.workforce import REMOTE_MODALITIES, Clinician

SLOTS = tables.slots
ONE_SECOND = timedelta(seconds=1)
# Up to this many matching clinicians, a search reads their slots rather than all slots.
SMALL_POOL = 32
# Every statement here reads whole slot rows, in the table's column order; they are read as
# plain tuples, by position (mapping.to_domain_by_position, docs/adr/0017).
_ID, _VERSION, _LAST_UPDATED = (SLOTS.c.keys().index(n) for n in ("id", "version", "last_updated"))
# A search's rows carry the slot's clinician after the slot's columns (`_with_clinicians`).
_CLINICIAN = len(SLOTS.c)


def _whole_second(instant: datetime) -> datetime:
    return instant.replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class Shape:
    """What a search's WHERE clause looks like; its values travel as bound parameters.

    One statement per shape is built and kept (`search_statement`): building a statement
    of this size and computing its cache key cost more server CPU per `$find` than the
    database's answer (docs/adr/0017-booking-api-speed.md)."""

    named: bool  # one clinician asked for
    among: bool  # the few matching clinicians, listed (SQLite; see `_small_pool`)
    remote: bool  # video or phone acceptable: region-wide
    local: bool  # in person acceptable: at the member's clinic only


def shape_of(query: SlotQuery, among: list[str] | None) -> Shape:
    return Shape(
        query.clinician_id is not None,
        query.clinician_id is None and among is not None,
        any(m in REMOTE_MODALITIES for m in query.modalities),
        any(m not in REMOTE_MODALITIES for m in query.modalities),
    )


def _reachable(shape: Shape, arrays: bool) -> ColumnElement[bool]:
    """The clinician offers one of the query's modalities, and in-person slots are at the
    member's clinic."""
    offered = tables.clinician_modalities
    options: list[ColumnElement[bool]] = []
    if shape.remote:
        options.append(one_of(offered.c.modality, "remote", arrays))
    if shape.local:
        options.append(
            and_(
                one_of(offered.c.modality, "local", arrays),
                SLOTS.c.clinic_id == bindparam("clinic_id"),
            )
        )
    return exists().where(offered.c.clinician_id == SLOTS.c.clinician_id, or_(*options))


def _suitable(shape: Shape, arrays: bool) -> list[ColumnElement[bool]]:
    """Who may take the slot: the named clinician, the few clinicians already found to
    match (`among`), or anyone of the class and language."""
    if shape.named:
        return [SLOTS.c.clinician_id == bindparam("clinician_id")]
    if shape.among:
        return [one_of(SLOTS.c.clinician_id, "among", arrays)]
    clinicians, languages = tables.clinicians, tables.clinician_languages
    return [
        exists().where(
            clinicians.c.id == SLOTS.c.clinician_id,
            clinicians.c.provider_class == bindparam("provider_class"),
        ),
        exists().where(
            languages.c.clinician_id == SLOTS.c.clinician_id,
            languages.c.language == bindparam("language"),
        ),
    ]


@cache
def search_statement(shape: Shape, arrays: bool = False) -> Select[Any]:
    """The earliest free slots of a search of this shape, `limit` of them; its lists bound
    as arrays with `arrays` (PostgreSQL; `statements.one_of`)."""
    clauses = [
        SLOTS.c.status == SlotStatus.FREE,
        one_of(SLOTS.c.kind, "kinds", arrays),
        SLOTS.c.start >= bindparam("not_before"),
        SLOTS.c.start < bindparam("not_after"),
        *_suitable(shape, arrays),
        _reachable(shape, arrays),
    ]
    if not shape.remote:
        # Implied by _reachable, but stated at the top so the free-slots-by-clinic index
        # serves in-person searches.
        clauses.append(SLOTS.c.clinic_id == bindparam("clinic_id"))
    found = (
        select(SLOTS)
        .where(and_(*clauses))
        .order_by(SLOTS.c.start, SLOTS.c.id)
        .limit(bindparam("limit", type_=Integer))
        .subquery("found")
    )
    return _with_clinicians(found)


def _with_clinicians(found: Subquery) -> Select[Any]:
    """The slots `found`, in (start, id) order, each row followed by its clinician's
    columns (`mapping.CLINICIANS`' query) on the first row of each clinician and NULLs on
    the others: the caller renders the slots with their clinicians, who are then read in
    the same statement, and each once (docs/adr/0017-booking-api-speed.md, twelfth round).
    The window numbers only the rows the LIMIT kept, so the search's plan is unchanged."""
    first = func.row_number().over(
        partition_by=found.c.clinician_id, order_by=(found.c.start, found.c.id)
    )
    numbered = select(found, first.label("nth")).subquery("numbered")
    clinicians = tables.clinicians
    joined = numbered.outerjoin(
        clinicians, and_(clinicians.c.id == numbered.c.clinician_id, numbered.c.nth == 1)
    )
    return (
        select(*(numbered.c[c.key] for c in SLOTS.c), *CLINICIAN_QUERY.selected_columns)
        .select_from(joined)
        .order_by(numbered.c.start, numbered.c.id)
    )


def search_values(query: SlotQuery, among: list[str] | None, limit: int) -> dict[str, Any]:
    """The bound values of `search_statement(shape_of(query, among))`."""
    return {
        "kinds": list(query.kinds),
        "not_before": _whole_second(query.not_before),
        "not_after": _whole_second(query.not_after) + ONE_SECOND,
        "clinician_id": query.clinician_id,
        "among": among or [],
        "provider_class": query.provider_class,
        "language": query.language,
        "remote": [m for m in query.modalities if m in REMOTE_MODALITIES],
        "local": [m for m in query.modalities if m not in REMOTE_MODALITIES],
        "clinic_id": query.clinic_id,
        "limit": limit,
    }


def _pool_statement() -> Select[tuple[str]]:
    """Clinicians of the query's class and language offering one of its modalities."""
    clinicians = tables.clinicians
    languages, offered = tables.clinician_languages, tables.clinician_modalities
    return (
        select(clinicians.c.id)
        .where(
            clinicians.c.provider_class == bindparam("provider_class"),
            exists().where(
                languages.c.clinician_id == clinicians.c.id,
                languages.c.language == bindparam("language"),
            ),
            exists().where(
                offered.c.clinician_id == clinicians.c.id,
                offered.c.modality.in_(bindparam("modalities", expanding=True)),
            ),
        )
        .limit(bindparam("limit", type_=Integer))
    )


POOL = _pool_statement()
BY_ID = select(SLOTS).where(SLOTS.c.id == bindparam("slot_id"))
MOVE = (
    update(SLOTS)
    .where(SLOTS.c.id == bindparam("slot_id"), SLOTS.c.status == bindparam("old"))
    .values(status=bindparam("new", type_=SLOTS.c.status.type))
    .returning(*SLOTS.c)
)
FOR_CLINICIAN = (
    select(SLOTS)
    .where(
        SLOTS.c.clinician_id == bindparam("clinician_id"),
        SLOTS.c.start >= bindparam("start", type_=SLOTS.c.start.type),
        SLOTS.c.start < bindparam("end", type_=SLOTS.c.start.type),
    )
    .order_by(SLOTS.c.start, SLOTS.c.id)
)
RELEASE = (
    update(SLOTS)
    .where(SLOTS.c.id == bindparam("slot_id"), SLOTS.c.status != SlotStatus.FREE)
    .values(status=SlotStatus.FREE)
    .returning(*SLOTS.c)
)


@dataclass(frozen=True, slots=True)
class Move:
    """A slot's move not sent yet (`SqlSlots.defers`): from `old` to `new`, or, with no
    `old`, a release (from any status but free); `wanted` names `old` in a refusal."""

    slot_id: int
    old: SlotStatus | None
    new: SlotStatus
    wanted: str = ""


class SqlSlots(Store):
    """Slots. A slot read by id, or moved, is kept until the transaction ends, as the
    repositories keep their records (`SqlRepository`): a `$book` reads its slot once. Every
    move is still a conditional UPDATE, so a kept copy never books a slot taken meanwhile.

    When the transaction `defers` its moves (a scheduling call that read ahead, on
    PostgreSQL: `SqlUnitOfWork.read_ahead`), a move of a slot it read is held, not sent,
    and goes with the write that follows it in one statement (`joined`,
    `after_move`; docs/adr/0017-booking-api-speed.md, sixteenth round); anything else this
    transaction runs first sends it on its own (`flush`, which the unit of work calls
    before every other statement and before committing), so no statement ever reads around
    it. A refused move is then refused at that write or statement, in the same call: the
    write is not made, and the refusal (`SlotUnavailable`) is the same."""

    def __init__(self, link: Link, note_clinician: Callable[[Sequence[Any]], None]) -> None:
        super().__init__(link)
        # The clinicians' repository's `note_read`: a search hands it the clinicians it read
        # with the slots, which that repository keeps for the transaction as if it had read
        # them itself (docs/adr/0017-booking-api-speed.md, twelfth round).
        self._note_clinician = note_clinician
        self._kept: dict[int, Slot] = {}
        self._stamps: dict[int, RecordStamp] = {}
        self._pending: Move | None = None
        self.defers = False

    def forget(self) -> None:
        """Drop the slots and stamps kept so far, and a move not sent (a new transaction
        starts: the old one was rolled back or committed, which sends it first)."""
        self._kept.clear()
        self._stamps.clear()
        self._pending = None
        self.defers = False

    def drop(self) -> None:
        """Forget a move held, unsent (its transaction is rolled back)."""
        self._pending = None

    def pending(self) -> bool:
        """Whether a move waits for the next write (`joined`) or statement (`flush`)."""
        return self._pending is not None

    def flush(self) -> None:
        """Send the move held, if any, on its own, as it would have gone unheld."""
        move, self._pending = self._pending, None
        if move is None:
            return
        if move.old is None:
            self._release_now(move.slot_id)
        else:
            self._move_now(move.slot_id, move.old, move.new, move.wanted)

    def joined(
        self, write: Callable[[str], Executable], values: Mapping[str, Any]
    ) -> list[Any] | None:
        """Send the move held with the write `write(kind)` builds (`after_move`), bound
        with `values`: the write's RETURNING rows, [] when the write matched nothing, or
        None when it did not run because the move did not (a release of a free slot: the
        caller writes on its own). A take or confirm refused raises `SlotUnavailable`, as
        `take` would have, having written nothing."""
        move, self._pending = self._pending, None
        if move is None:
            raise RuntimeError("no move is held")
        kind = after_move.RELEASE if move.old is None else after_move.TAKE
        bound = {**values, **after_move.move_values(kind, move.slot_id, move.old, move.new)}
        found = self._rows(write(kind), bound)
        if not found:
            self._refused(move)
            return None
        row = found[0]
        self._note(self._seen(row))  # built here, held by no caller
        written = row[len(SLOTS.c) :]
        return [] if written[0] is None else [tuple(written)]

    def _refused(self, move: Move) -> None:
        """A move that matched no row: a take or confirm is refused; a release of a free
        slot is nothing (NotFound for an unknown slot), as `release` says."""
        if move.old is None:
            self._kept.pop(move.slot_id, None)
            self._fresh(move.slot_id)
            return
        current = self._fresh(move.slot_id)
        raise SlotUnavailable(
            f"slot {move.slot_id} is not {move.wanted} ({current.status})", slot=move.slot_id
        )

    def _held(self, move: Move) -> bool:
        """Hold `move` for the next write, when this transaction defers its moves and read
        the slot (sends any move held before it first)."""
        self._link()  # the unit of work sends a move held before this one
        if not self.defers or move.slot_id not in self._kept:
            return False
        self._pending = move
        return True

    def known_stamps(self, keys: Iterable[Any]) -> dict[Any, RecordStamp]:
        """The stamps of the slots this transaction read or moved, as it last saw them
        (`SqlRepository.known_stamps`)."""
        self.flush()
        return {key: self._stamps[key] for key in keys if key in self._stamps}

    def _seen(self, row: Any) -> Slot:
        self._stamps[row[_ID]] = RecordStamp(row[_VERSION], row[_LAST_UPDATED])
        return slot_to_domain(row)

    def add_many(self, slots: Iterable[Slot], clinician: Clinician) -> None:
        """Insert slots in bulk, giving each new one its id.

        Ids are drawn up front in one query, so the rows can go in by COPY on PostgreSQL
        and by one prepared INSERT on SQLite: for a region's hundreds of thousands of
        slots both are several times faster than INSERT ... RETURNING.
        """
        batch = list(slots)
        if not batch:
            return
        given = [slot_to_row(s) for s in batch if s.id]
        if given:
            self._insert_rows(given)
            advance_identity(self._link(), SLOTS, max(r["id"] for r in given))
        fresh = [s for s in batch if not s.id]
        ids = allocate_ids(self._link(), SLOTS, len(fresh))
        self._insert_rows(
            [{**slot_to_row(s), "id": new_id} for s, new_id in zip(fresh, ids, strict=True)]
        )
        for slot, new_id in zip(fresh, ids, strict=True):
            slot.id = new_id

    def _insert_rows(self, rows: list[dict[str, object]]) -> None:
        if not rows:
            return
        with translated(), self._link().begin_nested():
            insert_many(self._link(), SLOTS, rows)

    def get(self, slot_id: int) -> Slot:
        self.flush()
        kept = self._kept.get(slot_id)
        if kept is not None:
            return shallow_copy(kept)
        return self._fresh(slot_id)

    def _fresh(self, slot_id: int) -> Slot:
        row = next(iter(self._rows(BY_ID, {"slot_id": slot_id})), None)
        if row is None:
            self._kept.pop(slot_id, None)
            raise NotFound(f"slot {slot_id} not found", resource="Slot", id=slot_id)
        return self._keep(self._seen(row))

    def read_columns(self) -> list[Any]:
        """The columns of a row `note_read` takes, in order: the slots table's."""
        return list(SLOTS.c)

    def note_read(self, values: Sequence[Any]) -> None:
        """A slot row read by another statement of this transaction
        (`SqlUnitOfWork.read_ahead`), kept as if `get` had read it; nothing when its id is
        NULL (an outer join found no slot)."""
        if values[_ID] is not None:
            self._note(self._seen(values))

    def _keep(self, slot: Slot) -> Slot:
        """Keep a copy of `slot`, which the caller gets."""
        self._kept[slot.id] = shallow_copy(slot)
        return slot

    def _note(self, slot: Slot) -> None:
        """Keep `slot`, built here and held by no caller: not copied
        (docs/adr/0017-booking-api-speed.md, fifteenth round)."""
        self._kept[slot.id] = slot

    def earliest(self, query: SlotQuery) -> Slot | None:
        found = self.candidates(query, 1)
        return found[0] if found else None

    def candidates(self, query: SlotQuery, limit: int) -> list[Slot]:
        if not query.modalities:
            return []
        among = self._small_pool(query)
        if among == []:
            return []
        arrays = direct.takes_cursor_path(self._link())
        statement = search_statement(shape_of(query, among), arrays)
        found = self._rows(statement, search_values(query, among, limit))
        for row in found:
            if row[_CLINICIAN] is not None:  # the first slot of its clinician
                self._note_clinician(row[_CLINICIAN:])
        return self._fresh_rows(found)

    def _fresh_rows(self, rows: Iterable[Any]) -> list[Slot]:
        """Slots read afresh by a search: a kept copy of an older state of one goes."""
        slots = [self._seen(row) for row in rows]
        if self._kept:
            for slot in slots:
                self._kept.pop(slot.id, None)
        return slots

    def _small_pool(self, query: SlotQuery) -> list[str] | None:
        """On SQLite, the matching clinicians when they are few, else None.

        Walking free slots in start order finds a common match at once but reads the whole
        window when few clinicians match (a rare language, a narrow class); then reading
        only those clinicians' slots is far cheaper. PostgreSQL's planner weighs the two
        plans itself; SQLite's cannot see through the EXISTS clauses, so the choice is
        made here for it (a query for the pool first, up to SMALL_POOL + 1 rows).
        """
        if query.clinician_id is not None or self._link().dialect.name != "sqlite":
            return None
        values = {
            "provider_class": query.provider_class,
            "language": query.language,
            "modalities": list(query.modalities),
            "limit": SMALL_POOL + 1,
        }
        found = list(self._execute(POOL, values).scalars())
        return found if len(found) <= SMALL_POOL else None

    def take(self, slot_id: int, status: SlotStatus = SlotStatus.BUSY) -> Slot:
        return self._move(slot_id, SlotStatus.FREE, status, "free")

    def confirm(self, slot_id: int) -> Slot:
        return self._move(slot_id, SlotStatus.HELD, SlotStatus.BUSY, "held")

    def _move(self, slot_id: int, old: SlotStatus, new: SlotStatus, wanted: str) -> Slot:
        """Move a slot from `old` to `new` in one conditional UPDATE, or refuse; held for
        the next write when the transaction defers its moves (the slot as it will be)."""
        if self._held(Move(slot_id, old, new, wanted)):
            moved = shallow_copy(self._kept[slot_id])
            moved.status = new
            return moved
        return self._move_now(slot_id, old, new, wanted)

    def _move_now(self, slot_id: int, old: SlotStatus, new: SlotStatus, wanted: str) -> Slot:
        values = {"slot_id": slot_id, "old": old, "new": new}
        row = next(iter(self._rows(MOVE, values)), None)
        if row is None:
            current = self._fresh(slot_id)
            raise SlotUnavailable(
                f"slot {slot_id} is not {wanted} ({current.status})", slot=slot_id
            )
        return self._keep(self._seen(row))

    def release(self, slot_id: int) -> None:
        if not self._held(Move(slot_id, None, SlotStatus.FREE)):
            self._release_now(slot_id)

    def _release_now(self, slot_id: int) -> None:
        row = next(iter(self._rows(RELEASE, {"slot_id": slot_id})), None)
        if row is None:
            self._kept.pop(slot_id, None)
            self._fresh(slot_id)  # NotFound for an unknown slot; a free one stays free
        else:
            self._note(self._seen(row))

    def for_clinician(self, clinician_id: str, start: datetime, end: datetime) -> list[Slot]:
        values = {"clinician_id": clinician_id, "start": start, "end": end}
        return self._fresh_rows(self._rows(FOR_CLINICIAN, values))

    def free_between(self, start: datetime, end: datetime) -> list[Slot]:
        statement = (
            select(SLOTS)
            .where(SLOTS.c.status == SlotStatus.FREE, SLOTS.c.start >= start, SLOTS.c.start < end)
            .order_by(SLOTS.c.start, SLOTS.c.id)
        )
        return self._fresh_rows(self._execute(statement))

    def count(self) -> int:
        return int(self._execute(select(func.count()).select_from(SLOTS)).scalar_one())
