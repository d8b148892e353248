"""Record stamps in memory (docs/adr/0015): each repository counts its records' writes and
dates them with the store's clock, as the SQL store's `version` and `last_updated`
columns do, and a rollback restores them."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any, Protocol

from parity.domain.ports import Clock, RecordStamp


class ChangeLog(Protocol):
    """What a stamp needs of the store's undo log (memory_undo.UndoLog): its clock, whether
    the store keeps stamps at all, and a place for the entry that undoes a change."""

    clock: Clock
    stamps: bool

    def push(self, undo: Any) -> None: ...


class Stamped:
    """Each record's stamp: written once when added, again on every `save` or move, as the
    SQL store bumps its `version` and `last_updated` columns (undone on rollback). A store
    made without stamps (a simulation's own, docs/adr/0014, sixth pass) writes none and
    refuses to read them."""

    def __init__(self, log: ChangeLog) -> None:
        self._changes = log
        self._stamped = log.stamps
        # By key: the time of the one write of a record written once (most of a long
        # simulation's records), else (writes, last written); plain values, as the simulator
        # writes in a hot loop and keeps millions of them.
        self._stamps: dict[Any, Stamp] = {}

    def bump(self, key: Any) -> None:
        if not self._stamped:
            return
        stamps = self._stamps
        prior = stamps.get(key)
        changes = self._changes
        now = changes.clock.now()
        if prior is None:
            stamps[key] = now
        elif type(prior) is tuple:  # `next_stamp`, inline: a write of most services
            stamps[key] = (prior[0] + 1, now)
        else:
            stamps[key] = (2, now)
        changes.push((unstamp, stamps, key, prior))

    def stamps(self, keys: Iterable[Any]) -> dict[Any, RecordStamp]:
        if not self._stamped:
            raise ValueError("this store keeps no record stamps")
        return {k: _stamp(self._stamps[k]) for k in keys if k in self._stamps}


Stamp = datetime | tuple[int, datetime]


def unstamp(stamps: dict[Any, Stamp], key: Any, prior: Stamp | None) -> None:
    """Undo a write's stamp: back to the one before, or none for a record just added."""
    if prior is None:
        stamps.pop(key, None)
    else:
        stamps[key] = prior


def next_stamp(prior: Stamp, now: datetime) -> Stamp:
    """The stamp after one more write, at `now`."""
    return (prior[0] + 1, now) if isinstance(prior, tuple) else (2, now)


def _stamp(value: Stamp) -> RecordStamp:
    return RecordStamp(*value) if isinstance(value, tuple) else RecordStamp(1, value)


class MemoryStamps:
    """The stamps each repository keeps; `lock` needs nothing, as one transaction at a time
    runs on the in-memory store."""

    def __init__(self, uow: Any) -> None:
        self._uow = uow

    def of(self, kind: str, keys: Collection[Any], lock: bool = False) -> dict[Any, RecordStamp]:
        source = getattr(self._uow, kind)
        if not isinstance(source, Stamped):
            raise ValueError(f"{kind} records carry no stamps")
        return source.stamps(keys)
