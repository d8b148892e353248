"""The in-memory store's undo log: a transaction's additions and first-touch snapshots,
unwound on rollback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass
from operator import attrgetter
from typing import Any

from parity.adapters.clock import SystemClock
from parity.domain.ports import Clock

# An undo entry: a callable of no arguments, or, on the hot paths, a tuple of a function
# and its arguments. A tuple is one small object where a `functools.partial` is two and
# costs several times as much to make, and nearly every transaction of a simulation
# commits, so most entries are made only to be dropped (docs/adr/0014, sixth pass).
Undo = Callable[[], None] | tuple[Any, ...]


class UndoLog:
    """Undo entries, oldest first, plus first-touch snapshots of mutable records; and the
    clock that dates each record's changes (`RecordStamp`, docs/adr/0015). `stamps`: the
    store keeps those stamps (a simulation's own store, whose stamps nobody reads, does not)."""

    def __init__(self, clock: Clock | None = None, stamps: bool = True) -> None:
        self.clock: Clock = clock or SystemClock()
        self.stamps = stamps
        self.entries: list[Undo] = []
        self.active = False
        self.touched: set[int] = set()

    def push(self, undo: Undo) -> None:
        self.entries.append(undo)

    def added(self, item: object, undo: Undo) -> None:
        """Log a record's addition; it needs no snapshot, as a rollback removes it."""
        self.entries.append(undo)
        self.touched.add(id(item))

    def touch(self, item: object) -> None:
        """Remember a mutable record's fields the first time a transaction reads it, so a
        rollback restores changes made to the live object as well as additions."""
        if self.active and id(item) not in self.touched:
            self.snapshot(item)

    def snapshot(self, item: object) -> None:
        """`touch` once its caller has checked the transaction is open and the record not
        yet remembered (the repositories' hot path checks inline)."""
        self.touched.add(id(item))  # frozen records too: a second read skips the look-up
        kind = type(item)
        read = _READERS[kind] if kind in _READERS else _field_reader(kind)
        if read is not None:
            names, get = read  # inline: a snapshot is taken for most records a service reads
            self.entries.append((_restore, item, names, get(item)))

    def begin(self) -> None:
        if self.entries or self.touched:  # the last transaction ended cleared: usually empty
            self.clear()
        self.active = True

    def unwind(self) -> None:
        entries = self.entries
        while entries:
            undo = entries.pop()
            if type(undo) is tuple:
                undo[0](*undo[1:])
            else:
                undo()  # type: ignore[operator]
        self.clear()

    def clear(self) -> None:
        # Each transaction ends here twice (commit, then leaving the block): clear only
        # what holds something.
        if self.entries:
            self.entries.clear()
        if self.touched:
            self.touched.clear()
        self.active = False


# A mutable dataclass's field names and a reader of all their values in one C call
# (`attrgetter` of two names at least, so it always returns a tuple), for snapshots.
_FieldReader = tuple[tuple[str, ...], Callable[[object], tuple[Any, ...]]]
_READERS: dict[type, _FieldReader | None] = {}


def _field_reader(kind: type) -> _FieldReader | None:
    """The snapshot reader of a mutable dataclass; None for frozen dataclasses and others."""
    try:
        return _READERS[kind]
    except KeyError:
        params = getattr(kind, "__dataclass_params__", None)
        mutable = params is not None and not params.frozen and is_dataclass(kind)
        names = tuple(f.name for f in fields(kind)) if mutable else ()
        reader = _READERS[kind] = (names, attrgetter(*names, names[0])) if names else None
        return reader


def _restore(item: object, names: tuple[str, ...], saved: tuple[Any, ...]) -> None:
    for name, value in zip(names, saved, strict=False):  # `saved` repeats the first field
        setattr(item, name, value)
