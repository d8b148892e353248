"""A slot's move and the write that follows it, in one statement (PostgreSQL).

A `$hold` takes its slot and inserts the hold; a `$book` takes (or confirms) its slot and
inserts the accepted offer; a `$cancel` frees its slot and saves the request. Each move
was a statement of its own, whose answer nothing needed before the next write: one
statement, and its round trip, per call (docs/adr/0017-booking-api-speed.md, sixteenth
round). Here the move is a data-modifying `WITH` and the write reads from it:

    WITH moved AS (UPDATE slots SET status = :to ... WHERE id = :slot AND status = :from
                   RETURNING slots.*),
         written AS (INSERT INTO holds (...) SELECT :request_id, ... FROM moved
                     RETURNING id, version, last_updated)
    SELECT moved.*, written.* FROM moved LEFT OUTER JOIN written ON true

The write happens only when the move did (it reads the move's row: an INSERT selects from
it, an UPDATE asks that it exists), so a refused move writes nothing, as when the move
went first and refused: no row comes back. A moved slot comes back with the write's
RETURNING columns, NULL when the write matched nothing (an UPDATE of a version another
transaction changed). The move is the same conditional UPDATE as `slots.MOVE` and
`slots.RELEASE`: of two transactions racing for a slot the second waits on the row lock
and re-checks the status. Values the client computes for a plain write (`last_updated`,
and the version counted up) are written out here, since a write inside `WITH` is not
given them.

Two saves go together the same way (`update_after_update`, for `held_saves.HeldSaves`):
`$book`'s request booked and hold converted, the second made only when the first was.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Select, Table, bindparam, insert, select, true, update

from parity.adapters.sql import tables
from parity.domain.schedule import SlotStatus

SLOTS = tables.slots
# A take or confirm (from one status to another), or a release (from any status but free).
TAKE, RELEASE = "take", "release"
# The move's bound names, and the prefix of the write's own (apart from any column's).
MOVED_SLOT, MOVED_FROM, MOVED_TO, MOVED_AT = "moved_slot", "moved_from", "moved_to", "moved_at"
WRITTEN, FIRST = "written_", "first_"
# The column every record table stamps with the time of its last write (tables.common).
STAMPED = "last_updated"


def _moved(kind: str) -> Any:
    """The move as a `WITH` part: `slots.MOVE` (a take) or `slots.RELEASE`."""
    if kind == TAKE:
        moving = SLOTS.c.status == bindparam(MOVED_FROM, type_=SLOTS.c.status.type)
    else:
        moving = SLOTS.c.status != SlotStatus.FREE
    return (
        update(SLOTS)
        .where(SLOTS.c.id == bindparam(MOVED_SLOT), moving)
        .values(
            status=bindparam(MOVED_TO, type_=SLOTS.c.status.type),
            version=SLOTS.c.version + 1,
            last_updated=bindparam(MOVED_AT, type_=SLOTS.c.last_updated.type),
        )
        .returning(*SLOTS.c)
        .cte("moved")
    )


def _stamp(table: Table) -> list[Any]:
    return [table.c.version, table.c[STAMPED]] if STAMPED in table.c else [table.c.version]


def _joined(moved: Any, written: Any) -> Select[Any]:
    return select(*moved.c, *written.c).select_from(moved.outerjoin(written, true()))


@cache
def insert_after(kind: str, table: Table, key: str, columns: tuple[str, ...]) -> Select[Any]:
    """The move of `kind`, then a row of `columns` (bound as `WRITTEN` + name, with the
    stamp's time) inserted into `table`, returning its key and stamp as `Writes.insert`."""
    moved = _moved(kind)
    named = (*columns, STAMPED) if STAMPED in table.c and STAMPED not in columns else columns
    given = [bindparam(WRITTEN + name, type_=table.c[name].type) for name in named]
    written = (
        insert(table)
        .from_select(list(named), select(*given).select_from(moved))
        .returning(table.c[key], *_stamp(table))
        .cte("written")
    )
    return _joined(moved, written)


def _update(
    table: Table, key: str, columns: tuple[str, ...], read: bool, prefix: str, after: Any
) -> Any:
    """`table`'s row of the bound key updated (at the version it was read at, with `read`)
    with `columns`, its version counted up and its stamp's time set, returning its stamp
    as `Writes.update`; its names bound as `prefix` + name; with `after`, a `WITH` part,
    only when that part returned a row."""
    values: dict[str, Any] = {
        name: bindparam(prefix + name, type_=table.c[name].type) for name in columns
    }
    values["version"] = table.c.version + 1
    if STAMPED in table.c and STAMPED not in columns:
        values[STAMPED] = bindparam(prefix + STAMPED, type_=table.c[STAMPED].type)
    statement = update(table).where(
        table.c[key] == bindparam(prefix + "key", type_=table.c[key].type)
    )
    if after is not None:
        statement = statement.where(select(next(iter(after.c))).exists())
    if read:
        version = bindparam(prefix + "read", type_=table.c.version.type)
        statement = statement.where(table.c.version == version)
    return statement.values(values).returning(*_stamp(table))


@cache
def update_after(
    kind: str, table: Table, key: str, columns: tuple[str, ...], read: bool
) -> Select[Any]:
    """The move of `kind`, then `table`'s row of the bound key updated (`_update`, names
    bound as `WRITTEN` + name)."""
    moved = _moved(kind)
    written = _update(table, key, columns, read, WRITTEN, moved).cte("written")
    return _joined(moved, written)


Saved = tuple[Table, str, tuple[str, ...], bool]  # a save's table, key, columns, and `read`


@cache
def update_after_update(first: Saved, then: Saved) -> Select[Any]:
    """Two saves in one statement (`_update` each): the first's names bound as `FIRST` +
    name, the second's as `WRITTEN` + name, the second made only when the first was; the
    first's stamp, then the second's (NULL when it matched nothing), or no row when the
    first matched nothing."""
    saved = _update(*first, FIRST, None).cte("first")
    written = _update(*then, WRITTEN, saved).cte("written")
    return _joined(saved, written)


def stamped_now(table: Table) -> Any:
    """The time a plain write of `table` stamps its row with (the column's own default)."""
    default: Any = table.c[STAMPED].default  # a callable's: `tables.common._last_updated`
    return default.arg(None)


def insert_values(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    """The bound values of `insert_after` for `row`."""
    values = {WRITTEN + name: value for name, value in row.items()}
    if STAMPED in table.c and STAMPED not in row:
        values[WRITTEN + STAMPED] = stamped_now(table)
    return values


def update_values(
    table: Table,
    key: Any,
    read: int | None,
    changed: Mapping[str, Any],
    prefix: str = WRITTEN,
) -> dict[str, Any]:
    """The bound values of `_update` for the row of `key` read at `read` (or None)."""
    values = {prefix + name: value for name, value in changed.items()}
    values[prefix + "key"] = key
    if read is not None:
        values[prefix + "read"] = read
    if STAMPED in table.c and STAMPED not in changed:
        values[prefix + STAMPED] = stamped_now(table)
    return values


def move_values(kind: str, slot_id: int, old: SlotStatus | None, new: SlotStatus) -> dict[str, Any]:
    """The bound values of the move of `kind` (a release names no status it moves from)."""
    values: dict[str, Any] = {MOVED_SLOT: slot_id, MOVED_TO: new, MOVED_AT: stamped_now(SLOTS)}
    if kind == TAKE:
        values[MOVED_FROM] = old
    return values
