"""A psycopg cursor that describes a result's columns once per shape and connection.

SQLAlchemy reads `cursor.description` after every statement that returns rows, and
psycopg builds it afresh each time: a `Column` per column, each decoding its name and
looking its type up, some 8 µs for a nine-column row, more than the rest of SQLAlchemy's
result set-up (docs/adr/0017-booking-api-speed.md). The description is a pure function of
the result's column names, type oids, modifiers and sizes and of the connection's type
registry; this cursor reads those four values (cheap calls into libpq) and answers with the
`Column`s built the first time that shape was seen on that connection. Nothing about the
rows themselves is remembered.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from psycopg import BaseConnection, Column, Cursor

# Shapes remembered per connection: the API's prebuilt statements have a few dozen; a
# connection that sees more (ad hoc reports) starts over rather than grow without bound.
SHAPES_KEPT = 256
Shape = tuple[tuple[bytes | None, int, int, int], ...]
_DESCRIBED: WeakKeyDictionary[BaseConnection[Any], dict[Shape, list[Column]]] = WeakKeyDictionary()


class DescribedOnce(Cursor[Any]):
    """psycopg's client-side cursor, its `description` remembered per result shape."""

    __slots__ = ()

    @property
    def description(self) -> list[Column] | None:
        result = self.pgresult
        if result is None or not result.nfields:
            return super().description  # no rows, or psycopg's special cases
        shape = tuple(
            (result.fname(i), result.ftype(i), result.fmod(i), result.fsize(i))
            for i in range(result.nfields)
        )
        known = _DESCRIBED.get(self.connection)
        if known is None:
            known = _DESCRIBED[self.connection] = {}
        columns = known.get(shape)
        if columns is None:
            columns = super().description
            assert columns is not None
            if len(known) >= SHAPES_KEPT:
                known.clear()
            known[shape] = columns
        return list(columns)
