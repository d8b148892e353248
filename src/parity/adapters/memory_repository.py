"""The in-memory repository of one record kind, with its equality indexes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

from parity.adapters.memory_stamps import Stamp, Stamped, next_stamp, unstamp
from parity.adapters.memory_undo import UndoLog
from parity.domain.errors import NotFound

T = TypeVar("T")


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
        # Value -> the one item with it, or a list once there are several: most indexed
        # values (a request's id, a slot's) name one record, and a list each would be most
        # of a long simulation's memory.
        self._indexes: dict[str, dict[Any, T | list[T]]] = {f: {} for f in indexed}

    def add(self, item: T) -> T:
        key = getattr(item, self._key)
        if key in (0, None):
            key = self._next_id
            setattr(item, self._key, key)
        if isinstance(key, int) and key >= self._next_id:
            self._next_id = key + 1
        self._items[key] = item
        for field, index in self._indexes.items():  # `_file`, inline: once per record added
            value = getattr(item, field)
            filed = index.get(value)
            if filed is None:
                index[value] = item
            elif isinstance(filed, list):
                filed.append(item)
            else:
                index[value] = [filed, item]
        log = self._log
        prior = None
        if self._stamped:
            stamps = self._stamps
            prior = stamps.get(key)
            now = log.clock.now()
            stamps[key] = now if prior is None else next_stamp(prior, now)
        # One undo entry takes the record out and restores its stamp; `UndoLog.added`,
        # inline (a record added needs no snapshot).
        log.entries.append((_unadd, self, key, item, prior))
        log.touched.add(id(item))
        return item

    def _remove(self, key: Any, item: T, stamp: Stamp | None = None) -> None:
        self._items.pop(key, None)
        for field, index in self._indexes.items():
            _unfile(index, getattr(item, field), item)
        if self._stamped:
            unstamp(self._stamps, key, stamp)

    def filed(self, field: str, value: Any) -> Sequence[T]:
        """The records with one value of an indexed field, in the order they were filed,
        for a reader outside any transaction (nothing is remembered for an undo)."""
        found = self._indexes[field].get(value)
        return () if found is None else tuple(found) if isinstance(found, list) else (found,)

    def forget(self, items: Iterable[T]) -> None:
        """Drop records nothing will read again, with their index entries and stamps: a
        long simulation's finished requests (docs/adr/0014). Outside a transaction only,
        as nothing undoes it."""
        stored, stamps, indexes = self._items, self._stamps, self._indexes.items()
        for item in items:
            key = getattr(item, self._key)
            del stored[key]
            stamps.pop(key, None)
            for field, index in indexes:
                _unfile_oldest(index, getattr(item, field), item)

    def forget_filed(self, field: str, value: Any) -> None:
        """`forget` every record with one value of an indexed field (all of a request's
        offers): that value's entry goes at once."""
        filed = self._indexes[field].pop(value, None)
        if filed is None:
            return
        stored, stamps, name = self._items, self._stamps, self._key
        others = [(f, index) for f, index in self._indexes.items() if f != field]
        for item in filed if isinstance(filed, list) else (filed,):
            key = getattr(item, name)
            del stored[key]
            stamps.pop(key, None)
            for other, index in others:
                _unfile_oldest(index, getattr(item, other), item)

    def get(self, key: Any) -> T:
        try:
            item = self._items[key]
        except KeyError:
            raise NotFound(f"{self._name} {key} not found", resource=self._name, id=key) from None
        log = self._log
        # Outside a transaction (a live read) there is nothing to undo; inside, a record
        # is remembered once.
        if log.active and id(item) not in log.touched:
            log.snapshot(item)
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
        if len(criteria) == 1:  # one indexed field (a booking asks for a request's visits)
            ((field, value),) = criteria.items()
            index = self._indexes.get(field)
            if index is not None:
                filed = index.get(value)
                if filed is None:
                    return []
                return self._remembered(list(filed) if isinstance(filed, list) else [filed])
        return self._remembered(self._matching(criteria))

    def _matching(self, criteria: dict[str, Any]) -> Sequence[T]:
        indexed = [f for f in criteria if f in self._indexes]
        pool: Iterable[T]
        if self._key in criteria:  # the key itself: one dict lookup, not a scan
            found_by_key = self._items.get(criteria[self._key])
            pool = [] if found_by_key is None else [found_by_key]
        elif indexed:
            filed = self._indexes[indexed[0]].get(criteria[indexed[0]])
            pool = [] if filed is None else filed if isinstance(filed, list) else [filed]
        else:
            pool = self._items.values()
        if len(criteria) == 1 and (indexed or self._key in criteria):
            return list(pool)  # the one criterion is the index's own: every item matches
        return [i for i in pool if all(getattr(i, f) == v for f, v in criteria.items())]

    def _remembered(self, found: Sequence[T]) -> Sequence[T]:
        """`found`, each record remembered for an undo (inside a transaction)."""
        log = self._log
        if log.active:
            touched = log.touched
            for item in found:
                if id(item) not in touched:
                    log.snapshot(item)
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
        if self._stamped:
            self.bump(key)
        if stored is item:
            return
        self._swap(key, stored, item)
        self._log.push((self._swap, key, item, stored))

    def _swap(self, key: Any, old: T, new: T) -> None:
        self._items[key] = new
        for field, index in self._indexes.items():
            _unfile(index, getattr(old, field), old)
            _file(index, getattr(new, field), new)


def _unadd(repository: MemoryRepository[Any], key: Any, item: Any, stamp: Stamp | None) -> None:
    """Undo `MemoryRepository.add`."""
    repository._remove(key, item, stamp)


def _file(index: dict[Any, T | list[T]], value: Any, item: T) -> None:
    """Add `item` under `value`, after any items already there."""
    filed = index.get(value)
    if filed is None:
        index[value] = item
    elif isinstance(filed, list):
        filed.append(item)
    else:
        index[value] = [filed, item]


def _unfile(index: dict[Any, T | list[T]], value: Any, item: T) -> None:
    """Remove `item` (or the first item equal to it, as `list.remove`) from under `value`."""
    filed = index.get(value)
    if isinstance(filed, list):
        filed.remove(item)
        if not filed:
            del index[value]
    elif filed is not None and (filed is item or filed == item):
        del index[value]
    else:
        raise ValueError(f"{item!r} is not filed under {value!r}")


def _unfile_oldest(index: dict[Any, T | list[T]], value: Any, item: T) -> None:
    """`_unfile` for a record being forgotten: usually the one filed under its value, or
    the first of several (the oldest are forgotten first)."""
    filed = index.get(value)
    if filed is item:
        del index[value]
    elif type(filed) is list and filed[0] is item:
        del filed[0]
        if not filed:
            del index[value]
    else:
        _unfile(index, value, item)
