"""What a repository takes from its record mapping, built once per mapping: the table's
INSERT and UPDATEs, the searches by equal columns, which writes the schema may refuse,
and where a plain row holds the key, version and stamp (docs/adr/0017-booking-api-speed.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Executable,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    insert,
    update,
)

from parity.adapters.sql import guarded_insert
from parity.adapters.sql.column_types import ModalityTuple, TextTuple, UtcDateTime
from parity.adapters.sql.mapping import RecordMapping

# Tables whose writes the schema may refuse (one live booking per slot and request, nothing
# booked in protected time); see migrations/versions/r0002.
GUARDED = frozenset({"appointments", "slots", "protected_times"})
# The rows of a guarded table the schema can refuse, when not all: an appointment only
# when it is written `booked` (the unique indexes are partial on status = 'booked' and the
# protected-time trigger fires WHEN NEW.status = 'booked'). Writing any other row needs no
# savepoint: nothing can refuse it (docs/adr/0017-booking-api-speed.md, seventh round).
REFUSABLE_WHEN: dict[str, tuple[str, str]] = {"appointments": ("status", "booked")}
# Searches by equal columns (and a due column), one statement per mapping and shape; their
# bound names carry a prefix, apart from any column's, and the due moment has its own.
_SEARCHES: dict[tuple[int, str | None, tuple[str, ...], tuple[str, ...]], Select[Any]] = {}
SEARCHED, DUE = "searched_", "due_moment"
# Column types whose values are immutable (an enum is a String): a record of a table of
# only these has nothing its caller could have changed in place on the copy kept for it,
# so `save` compares the record with that copy and writes only the columns that differ.
VALUE_TYPES = (Integer, String, Boolean, Date, UtcDateTime, ModalityTuple, TextTuple)


# Bound-parameter names of a record's key and the version it was read at (not column names:
# SQLAlchemy keeps those for the SET clause).
KEY, READ = "record_key", "read_version"


@dataclass(frozen=True, slots=True)
class Writes:
    """A table's INSERT and UPDATEs, built once: the columns come from the parameters at
    execution, so SQLAlchemy compiles each shape once instead of building and hashing a
    statement holding the values on every write (docs/adr/0017-booking-api-speed.md)."""

    insert: Executable
    update: Executable
    update_read: Executable
    inserted: tuple[str, ...]  # the names of the INSERT's RETURNING columns
    updated: tuple[str, ...]  # the UPDATEs'


_WRITES: dict[str, Writes] = {}


def _writes(table: Table, key_name: str) -> Writes:
    found = _WRITES.get(table.name)
    if found is None:
        key, version = table.c[key_name], table.c.version
        stamp = [version, table.c.last_updated] if "last_updated" in table.c else [version]
        update_any = (
            update(table)
            .where(key == bindparam(KEY, type_=key.type))
            .values(version=version + 1)
            .returning(*stamp)
        )
        found = _WRITES[table.name] = Writes(
            insert(table).returning(key, *stamp),
            update_any,
            update_any.where(version == bindparam(READ, type_=version.type)),
            (key.name, *(c.name for c in stamp)),
            tuple(c.name for c in stamp),
        )
    return found


@dataclass(frozen=True, slots=True)
class Layout:
    """What a repository takes from its mapping, the same for every unit of work."""

    mapping: RecordMapping[Any]  # held so that its id() is not reused while this is kept
    key: Any  # the key column
    statements: Writes
    build: Callable[[Any], Any]  # the record from a plain row of the mapping's query
    guard: bool  # `GUARDED`
    refusable_when: tuple[str, str] | None  # `REFUSABLE_WHEN`
    asks_first: bool  # `guarded_insert.COVERED`
    alone_by: str | None  # `guarded_insert.ALONE_BY`
    compares: bool  # every column of `VALUE_TYPES`
    columns: list[str]  # the mapping's query's, in order
    at_key: int
    at_version: int
    at_stamp: int | None


_LAYOUTS: dict[int, Layout] = {}  # by id() of the RecordMapping (module constants)


def layout_of(mapping: RecordMapping[Any]) -> Layout:
    found = _LAYOUTS.get(id(mapping))
    if found is not None and found.mapping is mapping:
        return found
    table, columns = mapping.table, list(mapping.query.selected_columns.keys())
    found = _LAYOUTS[id(mapping)] = Layout(
        mapping,
        table.c[mapping.key],
        _writes(table, mapping.key),
        # Reads come back as plain rows (tuples), picked by position (docs/adr/0017).
        mapping.builder(),
        table.name in GUARDED,
        REFUSABLE_WHEN.get(table.name),
        table.name in guarded_insert.COVERED,
        guarded_insert.ALONE_BY.get(table.name),
        all(isinstance(c.type, VALUE_TYPES) for c in table.c),
        columns,
        columns.index(mapping.key),
        columns.index("version"),
        columns.index("last_updated") if "last_updated" in columns else None,
    )
    return found


def _search_statement(
    mapping: RecordMapping[Any],
    due: str | None,
    equal: tuple[str, ...],
    null: tuple[str, ...] = (),
) -> Select[Any]:
    """`mapping`'s query where each column of `equal` is bound, each of `null` IS NULL (a
    bound `=` never matches NULL), and `due` at or before the due moment, by key."""
    columns = mapping.table.c
    clauses = [columns[name] == bindparam(f"{SEARCHED}{name}") for name in equal]
    clauses += [columns[name].is_(None) for name in null]
    if due is not None:
        clauses.append(columns[due] <= bindparam(f"{SEARCHED}{DUE}", type_=columns[due].type))
    return mapping.query.where(*clauses).order_by(columns[mapping.key])


def search_statement(
    mapping: RecordMapping[Any],
    due: str | None,
    equal: tuple[str, ...],
    null: tuple[str, ...] = (),
) -> Select[Any]:
    """The prebuilt search of `mapping` by this shape (`_search_statement`), built once."""
    shape = (id(mapping), due, equal, null)
    statement = _SEARCHES.get(shape)
    if statement is None:
        statement = _SEARCHES[shape] = _search_statement(mapping, due, equal, null)
    return statement


def searched_names(due: str | None, equal: tuple[str, ...]) -> tuple[str, ...]:
    """The bound names of a search by `equal` columns (and a `due` column), in order: each
    column's value, then the due moment's."""
    names = tuple(f"{SEARCHED}{name}" for name in equal)
    return names if due is None else (*names, f"{SEARCHED}{DUE}")


def writes_of(mapping: RecordMapping[Any]) -> Writes:
    """The INSERT and UPDATEs of `mapping`'s table (`Writes`), built once."""
    return _writes(mapping.table, mapping.key)
