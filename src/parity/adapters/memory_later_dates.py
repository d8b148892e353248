"""The member's later dates in memory: append-only, as the SQL table is
(docs/adr/0013-evidence-a-regulator-accepts.md, 2026-12-08)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from parity.adapters.memory_undo import UndoLog
from parity.domain.care import LaterDate


class MemoryLaterDates:
    """Each request's later dates in the order appended; nothing here changes or removes
    one once committed (a rollback takes back what its own transaction appended)."""

    def __init__(self, log: UndoLog) -> None:
        self._log = log
        self._by_request: dict[int, list[LaterDate]] = {}
        self._count = 0

    def append(self, given: LaterDate) -> LaterDate:
        self._count += 1
        kept = replace(given, id=self._count)
        self._by_request.setdefault(kept.request_id, []).append(kept)
        self._log.push((self._forget_last, kept.request_id))
        return kept

    def _forget_last(self, request_id: int) -> None:
        kept = self._by_request[request_id]
        kept.pop()
        if not kept:
            del self._by_request[request_id]
        self._count -= 1

    def of(self, request_ids: Collection[int]) -> dict[int, list[LaterDate]]:
        found = {key: self._by_request.get(key) for key in set(request_ids)}
        return {key: sorted(given, key=_recorded) for key, given in found.items() if given}


def _recorded(given: LaterDate) -> tuple[object, int]:
    return given.recorded_at, given.id
