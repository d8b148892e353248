"""A scheduling call's save held for the next one to carry, and the slots' move held for
the next write (docs/adr/0017-booking-api-speed.md, sixteenth round).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Executable

if TYPE_CHECKING:
    from parity.adapters.sql.repositories import SqlRepository


class Moving(Protocol):
    """What holds a slot's move for the next write (`slots.SqlSlots`)."""

    def pending(self) -> bool: ...

    def joined(
        self, write: Callable[[str], Executable], values: Mapping[str, Any]
    ) -> list[Any] | None: ...


@dataclass(slots=True)
class Save:
    """A record's save not sent yet (`HeldSaves`): its repository, key, the version it was
    read at (None: not read) and the columns to write."""

    repository: SqlRepository[Any]
    key: Any
    read: int | None
    changed: dict[str, Any]


class HeldSaves:
    """The one save a scheduling call's transaction holds for the next save to carry.

    When the transaction `defers` (a call that read ahead, on PostgreSQL:
    `SqlUnitOfWork.read_ahead`), a save of a repository that takes part (the request's and
    the hold's) is held, not sent; the next such save sends both in one statement
    (`after_move.update_after_update`): `$book`'s request booked and hold converted
    (docs/adr/0017-booking-api-speed.md, sixteenth round). Anything else this transaction
    runs first, its stamps asked, or its commit, sends the held save on its own (`flush`),
    so no statement reads around it. A save refused (a version another transaction
    changed) is refused at that statement, in the same call, as `save` refuses it."""

    def __init__(self) -> None:
        self.defers = False
        self._held: Save | None = None

    def pending(self) -> bool:
        return self._held is not None

    def take(self) -> Save | None:
        held, self._held = self._held, None
        return held

    def hold(self, save: Save) -> None:
        self._held = save

    def flush(self) -> None:
        """Send the save held, if any, on its own, as it would have gone unheld."""
        held = self.take()
        if held is not None:
            held.repository.send(held)

    def forget(self) -> None:
        """Nothing held, nothing deferred (a new transaction starts)."""
        self._held = None
        self.defers = False
