"""The member's later dates in SQL: inserted and read, never changed; the database's
triggers refuse anything else (table in tables/care.py, schema in migrations/versions/r0015;
docs/adr/0013-evidence-a-regulator-accepts.md, 2026-12-08)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import Any

from sqlalchemy import bindparam, insert, select

from parity.adapters.sql import tables
from parity.adapters.sql.store import Store
from parity.domain.care import LaterDate

CHUNK = 1000
LATER = tables.later_dates
COLUMNS = tuple(c.name for c in LATER.c if c.name != "id")
_APPEND = insert(LATER).values({name: bindparam(name) for name in COLUMNS}).returning(LATER.c.id)
_OF = (
    select(LATER)
    .where(LATER.c.request_id.in_(bindparam("ids", expanding=True)))
    .order_by(LATER.c.request_id, LATER.c.recorded_at, LATER.c.id)
)


class SqlLaterDates(Store):
    """Each request's later dates, in the order recorded."""

    def append(self, given: LaterDate) -> LaterDate:
        row: dict[str, Any] = {name: getattr(given, name) for name in COLUMNS}
        return replace(given, id=self._execute(_APPEND, row).scalar_one())

    def of(self, request_ids: Collection[int]) -> dict[int, list[LaterDate]]:
        asked = sorted(set(request_ids))
        found: dict[int, list[LaterDate]] = {}
        # A report's window may name many thousands of requests: a bounded list of bound
        # values per statement, under any driver's limit.
        for start in range(0, len(asked), CHUNK):
            rows = self._execute(_OF, {"ids": asked[start : start + CHUNK]}).mappings()
            for row in rows:
                given = LaterDate(**{name: row[name] for name in (*COLUMNS, "id")})
                found.setdefault(given.request_id, []).append(given)
        return found
