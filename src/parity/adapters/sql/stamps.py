"""Record stamps in SQL: each row's `version` counter and `last_updated` time, read in the
caller's transaction (and locked with `FOR UPDATE` for a version-aware update; SQLite's
`BEGIN IMMEDIATE` already holds the database). See docs/adr/0015-fhir-conformance.md.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from functools import cache
from typing import Any, Protocol

from sqlalchemy import Integer, Select, Table, bindparam, select

from parity.adapters.sql import tables
from parity.adapters.sql.store import Link, Store
from parity.domain.ports import RecordStamp

KINDS: dict[str, Table] = {
    "clinics": tables.clinics,
    "clinicians": tables.clinicians,
    "members": tables.members,
    "slots": tables.slots,
    "requests": tables.care_requests,
    "holds": tables.holds,
    "offers": tables.offers,
    "appointments": tables.appointments,
    "referrals": tables.referrals,
    "clinical_exceptions": tables.clinical_exceptions,
    "waitlist": tables.waitlist_entries,
}


class Seen(Protocol):
    def known_stamps(self, keys: Iterable[Any]) -> dict[Any, RecordStamp]: ...


class SqlStamps(Store):
    """Stamps, read in the caller's transaction. Those of records the transaction already
    read or wrote (`seen(kind)`: the repository, when one was used) are known without a
    query: the same values a query would read for them now, or, for a record another
    transaction changed since, those of the content this transaction read and renders
    (docs/adr/0017-booking-api-speed.md). A `lock` always reads, `FOR UPDATE`."""

    def __init__(self, link: Link, seen: Callable[[str], Seen | None]) -> None:
        super().__init__(link)
        self._seen = seen

    def of(self, kind: str, keys: Collection[Any], lock: bool = False) -> dict[Any, RecordStamp]:
        table = KINDS[kind]
        numeric = isinstance(table.c.id.type, Integer)
        wanted = {k for k in keys if isinstance(k, int) == numeric}
        repository = None if lock else self._seen(kind)
        found = {} if repository is None else repository.known_stamps(wanted)
        missing = sorted(wanted - found.keys(), key=str)
        if missing:
            rows = self._execute(_statement(kind, lock), {"keys": missing})
            found |= {row.id: RecordStamp(row.version, row.last_updated) for row in rows}
        return found


@cache
def _statement(kind: str, lock: bool) -> Select[Any]:
    """One prebuilt statement per kind, the keys bound at execution: every answer reads
    stamps, and building the statement and its cache key each time cost more than the
    read (docs/adr/0017-booking-api-speed.md)."""
    table = KINDS[kind]
    query = select(table.c.id, table.c.version, table.c.last_updated).where(
        table.c.id.in_(bindparam("keys", expanding=True))
    )
    return query.with_for_update() if lock else query
