"""Repositories over one connection of the SQL unit of work.

Every record gets its integer id from the database (the domain uses 0 for "unsaved"); a
record added with its own key overwrites the row with that key, as in memory. `save`
writes the version of the row it read, so two transactions that change the same record
cannot silently lose one update: the second is refused with `InvalidTransition`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Generic, NoReturn, TypeVar

from sqlalchemy import Executable, Integer, Select, bindparam

from parity.adapters.sql import after_move, direct, guarded_insert
from parity.adapters.sql.copies import shallow_copy
from parity.adapters.sql.held_saves import HeldSaves, Moving, Save
from parity.adapters.sql.mapping import RecordMapping, is_frozen
from parity.adapters.sql.record_layout import (
    DUE,
    KEY,
    READ,
    layout_of,
    search_statement,
    searched_names,
)
from parity.adapters.sql.statements import advance_identity, one_of, upsert
from parity.adapters.sql.store import Link, Store
from parity.domain.errors import InvalidTransition, NotFound
from parity.domain.ports import RecordStamp

T = TypeVar("T")
_BY_KEY: dict[int, Select[Any]] = {}  # by id() of the RecordMapping (module constants)
_BY_KEYS: dict[tuple[int, bool], Select[Any]] = {}
# A search's records are kept for the transaction when it finds this few (a lookup by a
# unique column, e.g. a member by id for a message); a long list is not copied.
FEW = 4


def _keyed(item: T, key: str, value: Any) -> T:
    """The item carrying its new key (a copy when the dataclass is frozen)."""
    if is_frozen(type(item)):
        return replace(item, **{key: value})  # type: ignore[type-var]
    setattr(item, key, value)
    return item


class SqlRepository(Store, Generic[T]):
    """A table of records of one kind, keyed by `mapping.key`.

    A record read (or written) by key is kept until the transaction ends, so a unit of work
    that reads the same request or hold again (a `$book` checks, books, then answers) asks
    the database once (docs/adr/0017-booking-api-speed.md). It is what this transaction
    saw or wrote: a `save` still names the version it was read at, so a change another
    transaction committed meanwhile is refused, never overwritten. Callers get a copy of a
    mutable record, so a change they do not save is not kept."""

    def __init__(
        self,
        link: Link,
        mapping: RecordMapping[T],
        moving: Callable[[], Moving | None] | None = None,
        saves: HeldSaves | None = None,
    ) -> None:
        super().__init__(link)
        self._mapping = mapping
        # The unit of work's held save, which this repository's saves take part in
        # (`HeldSaves`; docs/adr/0017-booking-api-speed.md, sixteenth round).
        self._saves = saves
        # The slots' repository, which may hold a slot's move for this repository's next
        # write to carry (`Moving`): for the records a scheduling call writes after moving
        # its slot (docs/adr/0017-booking-api-speed.md, sixteenth round).
        self._moving = moving
        self._table = mapping.table
        self._versions: dict[Any, int] = {}
        self._kept: dict[Any, T] = {}
        self._stamps: dict[Any, RecordStamp] = {}
        # (column, value) -> the key of the only row holding that value, known from this
        # transaction's INSERT of it (`guarded_insert.ALONE_BY`) until it writes again.
        self._alone: dict[tuple[str, Any], Any] = {}
        # What the mapping decides, worked out once per mapping: a unit of work builds its
        # repositories afresh, one per request (docs/adr/0017, eleventh round).
        layout = layout_of(mapping)
        self._key, self._statements, self._build = layout.key, layout.statements, layout.build
        self._guard, self._refusable_when = layout.guard, layout.refusable_when
        self._asks_first, self._alone_by = layout.asks_first, layout.alone_by
        self._compares, self._columns = layout.compares, layout.columns
        self._at_key, self._at_version = layout.at_key, layout.at_version
        self._at_stamp = layout.at_stamp

    def _refusable(self, row: dict[str, Any]) -> bool:
        """Whether the schema may refuse writing `row` (`GUARDED`, `REFUSABLE_WHEN`)."""
        if not self._guard:
            return False
        when = self._refusable_when
        return when is None or row.get(when[0]) == when[1]

    def _write(
        self, row: dict[str, Any], statement: Executable, parameters: Any = None
    ) -> list[Any]:
        """Write `row` by `statement`, its RETURNING rows as plain tuples: in a savepoint
        when the schema may refuse it (`Store._guarded`), else as any statement."""
        if self._refusable(row):
            return self._guarded(statement, parameters)
        return self._rows(statement, parameters)

    def forget(self) -> None:
        """Drop the versions and records read so far (a new transaction starts)."""
        self._versions.clear()
        self._kept.clear()
        self._stamps.clear()
        self._alone.clear()

    def _search(self, due: str | None, criteria: Mapping[str, Any]) -> list[T]:
        """The records whose columns equal `criteria` (and whose `due` column is at or
        before `criteria[DUE]`), by key, through one prebuilt statement per shape on
        `direct.rows` (docs/adr/0017-booking-api-speed.md, ninth round). A None asked for
        means IS NULL, which a bound `=` would never match: such a column is its own part
        of the shape."""
        equal = tuple(name for name in criteria if name != DUE and criteria[name] is not None)
        null = tuple(name for name in criteria if name != DUE and criteria[name] is None)
        statement = search_statement(self._mapping, due, equal, null)
        picked = equal if due is None else (*equal, DUE)
        names = searched_names(due, equal)
        values = {name: criteria[key] for name, key in zip(names, picked, strict=True)}
        return self._found(self._rows(statement, values))

    def _found(self, rows: Sequence[Any]) -> list[T]:
        """The records of plain rows of the mapping's query, read afresh: noted, and kept
        when few (`FEW`)."""
        found = []
        for row in rows:
            key = row[self._at_key]
            self._read_at(key, row)
            found.append(item := self._build(row))
            if len(rows) <= FEW:
                self._keep(key, item)
        return found

    def _read_at(self, key: Any, row: Any) -> None:
        """The row of `key` (a plain row of the mapping's query) was read afresh: its version
        and stamp are noted, and a kept copy of an older state goes."""
        version = self._versions[key] = row[self._at_version]
        updated = None if self._at_stamp is None else row[self._at_stamp]
        self._stamps[key] = RecordStamp(version, updated)
        if not self._mapping.immutable:
            self._kept.pop(key, None)

    def read_columns(self) -> list[Any]:
        """The columns of a row `note_read` takes, in order: the mapping's query's."""
        return list(self._mapping.query.selected_columns)

    def note_read(self, values: Sequence[Any]) -> None:
        """A row of this repository's query read by another statement of this transaction
        (`SqlUnitOfWork.read_ahead`): noted and kept as if `get` had read it; nothing when
        its key is NULL (an outer join found no record)."""
        key = values[self._at_key]
        if key is None:
            return
        self._read_at(key, values)
        if self._mapping.from_tuple is not None:
            item = self._mapping.from_tuple(values)
        else:
            named: Any = dict(zip(self._columns, values, strict=True))
            item = self._mapping.to_domain(named)
        # Built here and held by no caller: kept as it is, not copied (the copy `_keep`
        # makes is for records a caller also holds; docs/adr/0017, fifteenth round).
        self._kept[key] = item

    def known_stamps(self, keys: Iterable[Any]) -> dict[Any, RecordStamp]:
        """The stamps of the records of `keys` this transaction read or wrote, as it last
        saw them: the answer a stamp query would give for them (their rendered content is
        what was read), without the query (docs/adr/0017-booking-api-speed.md). A save
        held is sent first (`HeldSaves`)."""
        if self._saves is not None:
            self._saves.flush()
        return {key: self._stamps[key] for key in keys if key in self._stamps}

    def _wrote(self, key: Any, written: Mapping[str, Any]) -> None:
        self._versions[key] = written["version"]
        self._stamps[key] = RecordStamp(written["version"], written.get("last_updated"))

    def _keep(self, key: Any, item: T) -> None:
        self._kept[key] = item if self._mapping.immutable else shallow_copy(item)

    def _load_by_key(self, key: Any) -> list[T]:
        """The records of one key, through one prebuilt statement per table: building the
        statement and its cache key on every read cost more CPU than the read itself
        (docs/adr/0017-booking-api-speed.md)."""
        statement = _BY_KEY.get(id(self._mapping))
        if statement is None:
            by_key = self._key == bindparam("key")
            statement = _BY_KEY[id(self._mapping)] = self._mapping.query.where(by_key)
        rows = self._rows(statement, {"key": key})
        for row in rows:
            self._read_at(row[self._at_key], row)
        return [self._build(row) for row in rows]

    def add(self, item: T) -> T:
        row = self._mapping.to_row(item)
        key = row[self._key.name]
        self._kept.pop(key, None)
        self._alone.clear()
        if key in (0, None):
            del row[self._key.name]
            returned = self._insert(row)
            inserted = dict(zip(self._statements.inserted, returned, strict=True))
            key = inserted[self._key.name]
            item = _keyed(item, self._key.name, key)
            self._wrote(key, inserted)
        else:
            link = self._link()
            upserted = upsert(link.dialect.name, self._table, tuple(row), (self._key.name,))
            ((self._versions[key],),) = self._write(row, upserted, row)
            self._stamps.pop(key, None)
            if isinstance(key, int):
                advance_identity(self._link(), self._table, key)
        self._write_children(item)
        self._keep(key, item)
        return item

    def _insert(self, row: dict[str, Any]) -> Any:
        """Insert `row`, its RETURNING row. A row the schema may refuse, of a table whose
        refusals one statement can ask about (`guarded_insert`), is first offered in that
        statement, without a savepoint; only when it writes nothing does the INSERT run
        in its savepoint, to raise the refusal as ever."""
        if self._asks_first and self._refusable(row):
            dialect = self._link().dialect.name
            statement = guarded_insert.unrefused_insert(dialect, self._table, tuple(row))
            written = self._rows(statement, guarded_insert.parameters(row))
            if written:
                return self._note_alone(row, written[0])
        else:
            moving = self._held_move(row)
            if moving is not None:
                table, key, columns = self._table, self._key.name, tuple(row)
                moved = moving.joined(
                    lambda kind: after_move.insert_after(kind, table, key, columns),
                    after_move.insert_values(table, row),
                )
                if moved:  # a row is always inserted when the move was made
                    return moved[0]
        (returned,) = self._write(row, self._statements.insert, row)
        return returned

    def _held_move(self, row: dict[str, Any]) -> Moving | None:
        """What holds a slot's move for this write of `row` to carry in one statement
        (`Moving.joined`), if a move is held and the schema cannot refuse the row (a
        refusable write keeps its savepoint, and the move goes on its own before it)."""
        moving = None if self._moving is None else self._moving()
        if moving is None or not moving.pending() or self._refusable(row):
            return None
        return moving

    def _note_alone(self, row: Mapping[str, Any], returned: Sequence[Any]) -> Sequence[Any]:
        """The RETURNING row as `Writes.insert` gives it; when it also says that no earlier
        row shared the row's `ALONE_BY` value, the new row is noted as the only one."""
        inserted = len(self._statements.inserted)
        if self._alone_by is not None and len(returned) > inserted and not returned[inserted]:
            self._alone[(self._alone_by, row[self._alone_by])] = returned[0]
        return returned[:inserted]

    def get(self, key: Any) -> T:
        kept = self._kept.get(key)
        if kept is not None:
            return kept if self._mapping.immutable else shallow_copy(kept)
        if isinstance(self._key.type, Integer) and not isinstance(key, int):
            found = []
        else:
            found = self._load_by_key(key)
        if not found:
            name = self._mapping.name
            raise NotFound(f"{name} {key} not found", resource=name, id=key)
        self._keep(key, found[0])
        return found[0]

    def list(self) -> Sequence[T]:
        return self._search(None, {})

    def many(self, keys: Iterable[Any]) -> dict[Any, T]:
        """The records of `keys` in one query (those read before in this transaction from
        memory): a `$find` names up to twenty proposals' clinicians
        (docs/adr/0017-booking-api-speed.md)."""
        wanted = set(keys)
        found = {key: self.get(key) for key in wanted if key in self._kept}
        missing = sorted(wanted - found.keys(), key=str)
        if isinstance(self._key.type, Integer):
            missing = [key for key in missing if isinstance(key, int)]
        if missing:
            arrays = direct.takes_cursor_path(self._link())
            statement = _BY_KEYS.get((id(self._mapping), arrays))
            if statement is None:
                by_keys = one_of(self._key, "keys", arrays)
                statement = self._mapping.query.where(by_keys)
                _BY_KEYS[(id(self._mapping), arrays)] = statement
            for row in self._rows(statement, {"keys": missing}):
                key = row[self._at_key]
                self._read_at(key, row)
                item = found[key] = self._build(row)
                self._keep(key, item)
        return found

    def _searchable(self, names: Iterable[str]) -> None:
        unknown = sorted(set(names) - set(self._table.c.keys()))
        if unknown:
            raise ValueError(f"{self._mapping.name} cannot be searched by {', '.join(unknown)}")

    def where(self, **criteria: Any) -> Sequence[T]:
        self._searchable(criteria)
        if len(criteria) == 1:
            ((name, value),) = criteria.items()
            if name == self._key.name and value in self._kept:
                return [self.get(value)]
            if name == self._alone_by and (name, value) in self._alone:
                # Nothing held it before this transaction's INSERT, which is the last
                # write here: the answer the search would give, without it.
                return [self.get(self._alone[(name, value)])]
        return self._search(None, criteria)

    def due(self, field: str, moment: Any, **criteria: Any) -> Sequence[T]:
        self._searchable([field, *criteria])
        return self._search(field, {**criteria, DUE: moment})

    def save(self, item: T) -> None:
        row = self._mapping.to_row(item)
        key = row.pop(self._key.name)
        kept = self._kept.pop(key, None)
        self._alone.clear()
        read = self._versions.get(key)
        changed = self._changed(row, kept)
        returned = None
        moving = self._held_move(row)
        if moving is not None:
            table, name, columns = self._table, self._key.name, tuple(changed)
            returned = moving.joined(
                lambda kind: after_move.update_after(kind, table, name, columns, read is not None),
                after_move.update_values(table, key, read, changed),
            )
        elif self._saves is not None and self._saves.defers and not self._refusable(row):
            self._keep(key, item)  # what `get` answers: the record as saved
            self._save_held(Save(self, key, read, changed))
            return
        if returned is None:
            values = {**changed, KEY: key}
            if read is None:
                statement = self._statements.update
            else:
                statement, values[READ] = self._statements.update_read, read
            returned = self._write(row, statement, values)
        if not returned:
            self._refuse_save(key)
        written = dict(zip(self._statements.updated, returned[0], strict=True))
        self._wrote(key, written)
        self._write_children(item)
        self._keep(key, item)

    def _save_held(self, save: Save) -> None:
        """Hold `save` for the next save to carry, or send it with the save held before it
        (`HeldSaves`); a save held of the same record goes first, on its own."""
        saves = self._saves
        assert saves is not None
        held = saves.take()
        if held is not None and held.repository is self and held.key == save.key:
            self.send(held)
            held = None
        if held is None:
            saves.hold(save)
            return
        first, then = held.repository, self
        statement = after_move.update_after_update(first.saved_shape(held), then.saved_shape(save))
        values = {
            **after_move.update_values(
                first._table, held.key, held.read, held.changed, after_move.FIRST
            ),
            **after_move.update_values(then._table, save.key, save.read, save.changed),
        }
        found = self._rows(statement, values)
        width = len(first._statements.updated)
        try:
            first.settle(held, found[0][:width] if found else None)
        except BaseException:
            self._kept.pop(save.key, None)  # not written either: its copy goes
            raise
        written = found[0][width:]
        then.settle(save, None if written[0] is None else written)

    def saved_shape(self, save: Save) -> after_move.Saved:
        """What `after_move.update_after_update` builds `save`'s UPDATE from."""
        return (self._table, self._key.name, tuple(save.changed), save.read is not None)

    def send(self, save: Save) -> None:
        """Send a held save on its own (the statement `save` runs unheld)."""
        values = {**save.changed, KEY: save.key}
        if save.read is None:
            statement = self._statements.update
        else:
            statement, values[READ] = self._statements.update_read, save.read
        found = self._rows(statement, values)
        self.settle(save, found[0] if found else None)

    def settle(self, save: Save, returned: Sequence[Any] | None) -> None:
        """A held save's stamp as written, or its refusal (None: it matched no row)."""
        if returned is None:
            self._kept.pop(save.key, None)
            self._refuse_save(save.key)
        self._wrote(save.key, dict(zip(self._statements.updated, returned, strict=True)))

    def _changed(self, row: dict[str, Any], kept: T | None) -> dict[str, Any]:
        """The columns of `row` to write: those that differ from the copy of the record
        this transaction read or wrote last (`kept`), or all of them when there is none or
        its values could have been changed in place (`VALUE_TYPES`). Fewer values to
        convert and send (docs/adr/0017-booking-api-speed.md, eleventh round); the UPDATE
        still names the version it read, so what it leaves alone is what it read."""
        if kept is None or not self._compares:
            return row
        before = self._mapping.to_row(kept)
        return {name: value for name, value in row.items() if before.get(name) != value}

    def _refuse_save(self, key: Any) -> NoReturn:
        name = self._mapping.name
        self._versions.pop(key, None)
        self._stamps.pop(key, None)
        self.get(key)  # NotFound if the row is gone
        raise InvalidTransition(
            f"{name} {key} was changed by another transaction since it was read; try again",
            resource=name,
            id=key,
        )

    def _write_children(self, item: T) -> None:
        """Rewrite rows in child tables (none for most records)."""
