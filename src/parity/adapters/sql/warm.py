"""The scheduling calls' statements compiled before a worker serves.

`direct.prepared` compiles a prebuilt statement the first time a process runs it with a
set of parameter names (its SQL text and conversions, ~0.3–2 ms of CPU each, the slot
search's the largest): a fresh API worker's first `$find`, `$hold`, `$book` and `$cancel`
paid for some twenty of them, on a caller's time (docs/adr/0017-booking-api-speed.md,
thirteenth and fourteenth rounds). `compile_hot_statements` does that work at start-up,
for the statements and parameter names those calls run, taken from the same builders and
the same name sources the repositories use. Nothing is executed and nothing is read: only
the statements' text and conversions are kept, as the first call would have kept them.
Only PostgreSQL compiles ahead (`direct`'s cursor path); SQLite runs everything through
SQLAlchemy's `execute`, which compiles as it goes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BindParameter, Connection, Executable
from sqlalchemy.sql import ClauseElement, visitors

from parity.adapters.sql import (
    after_move,
    direct,
    guarded_insert,
    mapping,
    read_ahead,
    security,
    slots,
)
from parity.adapters.sql.mapping import RecordMapping
from parity.adapters.sql.own_repositories import OVERLAPPING
from parity.adapters.sql.record_layout import (
    KEY,
    READ,
    search_statement,
    searched_names,
    writes_of,
)
from parity.adapters.sql.unit_of_work import SqlUnitOfWork
from parity.domain.availability import SlotQuery
from parity.domain.care import Appointment, CareRequest, Offer
from parity.domain.holds import Hold
from parity.domain.schedule import BlockKind, SlotStatus
from parity.domain.workforce import Modality, ProviderClass

Hot = tuple[Executable, tuple[str, ...]]
# The records the scheduling calls insert, with the dataclass their rows are made from.
INSERTED: tuple[tuple[RecordMapping[Any], type], ...] = (
    (mapping.REQUESTS, CareRequest),  # $find opens the member's request
    (mapping.HOLDS, Hold),  # $hold
    (mapping.OFFERS, Offer),  # $book records the offer it accepts
    (mapping.APPOINTMENTS, Appointment),  # $book
)
# The columns the scheduling calls change in a record they read (`SqlRepository.save`
# writes only those): $book's request and hold (booked, converted), $cancel's visit.
SAVED: tuple[tuple[RecordMapping[Any], tuple[str, ...]], ...] = (
    (mapping.REQUESTS, ("status",)),
    (mapping.HOLDS, ("status",)),
    (mapping.APPOINTMENTS, ("status", "cancelled_by", "cancelled_at", "cancel_reason")),
)
# The writes that carry the move of a slot before them, in one statement (`after_move`):
# $hold's hold after its take, $book's offer after its take or confirm; $cancel's request
# saved (withdrawn) after its slot's release.
INSERTED_AFTER_MOVE: tuple[tuple[RecordMapping[Any], type], ...] = (
    (mapping.HOLDS, Hold),
    (mapping.OFFERS, Offer),
)
SAVED_AFTER_RELEASE: tuple[tuple[RecordMapping[Any], tuple[str, ...]], ...] = (
    (mapping.REQUESTS, ("status",)),
)
# The saves $book of a hold sends together (`held_saves.HeldSaves`): the request booked,
# then the hold converted.
SAVED_TOGETHER = ((mapping.REQUESTS, ("status",)), (mapping.HOLDS, ("status",)))
# The searches they run by columns: $hold expires its stale holds, $cancel offers the freed
# slot to the waitlist.
SEARCHED: tuple[tuple[RecordMapping[Any], str | None, tuple[str, ...]], ...] = (
    (mapping.HOLDS, "expires_at", ("status",)),
    (mapping.WAITLIST, None, ("status",)),
)
# A search of each shape PostgreSQL runs (`slots.shape_of`: remote, in person, both; for a
# pool and for a named clinician).
MODALITIES = ((Modality.VIDEO,), (Modality.IN_PERSON,), (Modality.VIDEO, Modality.IN_PERSON))
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # a search's window: only the names are used


def compile_hot_statements(connection: Connection) -> int:
    """Compile the scheduling calls' statements for `connection`'s dialect, as their first
    runs would; how many were compiled for the cursor path (none on SQLite)."""
    if not direct.takes_cursor_path(connection):
        return 0
    compiled = 0
    uow = SqlUnitOfWork(connection.engine)
    for statement, names in hot_statements(uow, connection.dialect.name):
        if direct.prepared(connection, statement, dict.fromkeys(names)) is not None:
            compiled += 1
    return compiled


def hot_statements(uow: SqlUnitOfWork, dialect: str) -> Iterator[Hot]:
    """Each statement a `$find`, `$hold`, `$book` or `$cancel` runs on PostgreSQL, with
    its parameter names (`uow` only names its repositories' columns; it opens nothing)."""
    yield from _read_aheads(uow)
    yield from _searches()
    yield from _inserts(dialect)
    yield from _saves()
    yield from _after_moves()
    for record, due, equal in SEARCHED:
        yield search_statement(record, due, equal), searched_names(due, equal)
    # Statements called with exactly their own parameters: their names are read from them.
    # (A refused move reads the slot by id to say why.)
    for statement in (slots.MOVE, slots.RELEASE, slots.BY_ID, OVERLAPPING):
        yield statement, bound_names(statement)
    yield security.APPEND_WITH_MEMBERS, (*security.EVENT_COLUMNS, "members")


def bound_names(statement: ClauseElement) -> tuple[str, ...]:
    """The names of the parameters a prebuilt statement declares (`bindparam`); a value
    written into it (an anonymous parameter) is not one."""
    found = (
        e.key
        for e in visitors.iterate(statement)
        if isinstance(e, BindParameter) and not e.unique  # not a literal value's
    )
    return tuple(dict.fromkeys(found))


def _read_aheads(uow: SqlUnitOfWork) -> Iterator[Hot]:
    """Each call's read-ahead, its first statement, which also asks the deny list."""
    for kind in read_ahead.PARTS:
        statement = read_ahead.shape(kind, True, uow.read_columns).statement
        yield statement, tuple(read_ahead.values(kind, 0, 0, ""))


def _searches() -> Iterator[Hot]:
    for modalities in MODALITIES:
        for clinician in (None, ""):
            query = SlotQuery(
                (BlockKind.INTAKE,),
                ProviderClass.THERAPIST,
                "",
                modalities,
                "",
                EPOCH,
                EPOCH,
                clinician_id=clinician,
            )
            statement = slots.search_statement(slots.shape_of(query, None), True)
            yield statement, tuple(slots.search_values(query, None, 0))


def _inserts(dialect: str) -> Iterator[Hot]:
    for record, kind in INSERTED:
        columns = tuple(n for n in mapping.field_names(kind) if n != record.key)
        yield writes_of(record).insert, columns
        if record.table.name in guarded_insert.COVERED:
            statement = guarded_insert.unrefused_insert(dialect, record.table, columns)
            yield statement, (*columns, guarded_insert.FROM)


def _saves() -> Iterator[Hot]:
    for record, changed in SAVED:
        yield writes_of(record).update_read, (*changed, KEY, READ)


def _after_moves() -> Iterator[Hot]:
    take = after_move.move_values(after_move.TAKE, 0, None, SlotStatus.FREE)
    release = after_move.move_values(after_move.RELEASE, 0, None, SlotStatus.FREE)
    for record, kind in INSERTED_AFTER_MOVE:
        columns = tuple(n for n in mapping.field_names(kind) if n != record.key)
        table, key = record.table, record.key
        statement = after_move.insert_after(after_move.TAKE, table, key, columns)
        row = dict.fromkeys(columns)
        yield statement, (*after_move.insert_values(table, row), *take)
    for record, changed in SAVED_AFTER_RELEASE:
        table, key = record.table, record.key
        statement = after_move.update_after(after_move.RELEASE, table, key, changed, True)
        values = after_move.update_values(table, 0, 0, dict.fromkeys(changed))
        yield statement, (*values, *release)
    (first, first_changed), (then, then_changed) = SAVED_TOGETHER
    shapes = [(r.table, r.key, changed, True) for r, changed in SAVED_TOGETHER]
    names = (
        *after_move.update_values(
            first.table, 0, 0, dict.fromkeys(first_changed), after_move.FIRST
        ),
        *after_move.update_values(then.table, 0, 0, dict.fromkeys(then_changed)),
    )
    yield after_move.update_after_update(shapes[0], shapes[1]), names
