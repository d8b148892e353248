"""Something that runs statements on the SQL unit of work's current connection: the base
of every repository and reader of the adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, CursorResult, Executable
from sqlalchemy.exc import IntegrityError

from parity.adapters.sql import direct
from parity.adapters.sql.errors import rule_broken, translated

Link = Callable[[], Connection]


class Store:
    """Something that runs statements on the unit of work's current connection."""

    def __init__(self, link: Link) -> None:
        self._link = link

    def _execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        # `translated()` written out: no generator set up and torn down around every
        # statement of the adapter (docs/adr/0017-booking-api-speed.md).
        try:
            return self._link().execute(statement, parameters)
        except IntegrityError as error:
            rule = rule_broken(error)
            if rule is None:
                raise
            raise rule from error

    def _rows(self, statement: Executable, parameters: Any = None) -> list[Any]:
        """All rows of a prebuilt statement, as plain tuples, through `direct.rows` (less
        SQLAlchemy machinery on PostgreSQL; docs/adr/0017-booking-api-speed.md, eighth
        round); refusals translated as `_execute` does."""
        try:
            return direct.rows(self._link(), statement, parameters)
        except IntegrityError as error:
            rule = rule_broken(error)
            if rule is None:
                raise
            raise rule from error

    def _guarded(self, statement: Executable, parameters: Any = None) -> list[Any]:
        """Run a write the schema may refuse (a booking rule) inside a savepoint, so a
        refusal undoes only this statement and the transaction stays usable, as in memory;
        PostgreSQL would otherwise abort the whole transaction. Its RETURNING rows (read
        before the savepoint is released), as plain tuples, through `direct.rows`."""
        with translated(), direct.savepoint(self._link()):
            return direct.rows(self._link(), statement, parameters)
