"""The repositories with behaviour of their own over `SqlRepository` and `Store`:
clinicians with their child rows, holds that know the next expiry a read-ahead saw,
protected time a booking's read-ahead found clear, and the IPC ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Interval,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
)

from parity.adapters.sql import tables
from parity.adapters.sql.held_saves import HeldSaves, Moving
from parity.adapters.sql.mapping import (
    RecordMapping,
    clinician_children,
    from_domain,
    ipc_week_to_domain,
    protected_time_to_domain,
)
from parity.adapters.sql.repositories import SqlRepository
from parity.adapters.sql.statements import upsert
from parity.adapters.sql.store import Link, Store
from parity.domain.holds import Hold, HoldStatus
from parity.domain.schedule import IpcWeek, ProtectedTime
from parity.domain.workforce import Clinician


class SqlClinicians(SqlRepository[Clinician]):
    """Clinicians, with their languages and modalities in child tables."""

    def _write_children(self, item: Clinician) -> None:
        for child, rows in clinician_children(item):
            self._execute(delete(child).where(child.c.clinician_id == item.id))
            if rows:
                self._execute(insert(child), rows)


_HOLDS = tables.holds
# The earliest expiry of an active hold (NULL: none is active), through the partial index
# of active holds' expiries (`tables.HOLD_IS_ACTIVE`, the index's own predicate, so the
# planner uses it): a `$hold`'s read-ahead carries it, and the expiry its service asks next
# is answered from it when no hold is due (`SqlHolds.due`;
# docs/adr/0017-booking-api-speed.md, fifteenth round).
NEXT_HOLD_EXPIRY = (
    select(func.min(_HOLDS.c.expires_at))
    .where(tables.HOLD_IS_ACTIVE)
    .scalar_subquery()
    .label("next_hold_expiry")
)


class SqlHolds(SqlRepository[Hold]):
    """Holds. A `$hold`'s read-ahead tells, with its proposal, the earliest expiry of an
    active hold (`note_read` of `DueHolds`); until this transaction writes a hold, the
    service's search for active holds due by a moment before it answers none without a
    statement: the answer that search gives at the read-ahead's snapshot, a few statements
    earlier in the same READ COMMITTED transaction (as the read-ahead's records are). A
    moment at or after it, any other search, a write of a hold, or a new transaction
    asks the database as before."""

    def __init__(
        self,
        link: Link,
        mapping: RecordMapping[Hold],
        moving: Callable[[], Moving | None] | None = None,
        saves: HeldSaves | None = None,
    ) -> None:
        super().__init__(link, mapping, moving, saves)
        # (known, the earliest active expiry then: None when no hold was active)
        self._next_expiry: tuple[bool, datetime | None] = (False, None)

    def forget(self) -> None:
        super().forget()
        self._next_expiry = (False, None)

    def note_next_expiry(self, expiry: datetime | None) -> None:
        """The earliest expiry of an active hold, as a statement of this transaction read it."""
        self._next_expiry = (True, expiry)

    def due(self, field: str, moment: Any, **criteria: Any) -> Sequence[Hold]:
        known, expiry = self._next_expiry
        if (
            known
            and field == "expires_at"
            and criteria == {"status": HoldStatus.ACTIVE}
            and (expiry is None or expiry > moment)
        ):
            self._searchable([field, *criteria])
            return []
        return super().due(field, moment, **criteria)

    def add(self, item: Hold) -> Hold:
        self._next_expiry = (False, None)
        return super().add(item)

    def save(self, item: Hold) -> None:
        self._next_expiry = (False, None)
        super().save(item)


class DueHolds:
    """The part of a `$hold`'s read-ahead row that tells the holds' repository the earliest
    expiry of an active hold (`SqlHolds.note_next_expiry`)."""

    def __init__(self, holds: SqlHolds) -> None:
        self._holds = holds

    def read_columns(self) -> list[Any]:
        return [NEXT_HOLD_EXPIRY]

    def note_read(self, values: Sequence[Any]) -> None:
        (expiry,) = values
        self._holds.note_next_expiry(expiry)


_BLOCKS = tables.protected_times


def _overlapping(
    clinician_id: Any, start: Any, end: Any, earliest: Any
) -> list[ColumnElement[bool]]:
    """A block of the clinician overlapping [start, end), starting after `earliest` (no
    block spans more than `tables.MAX_SPAN`, so the index on the start bounds the search):
    `OVERLAPPING`'s condition, and the booking read-ahead's (`SqlProtectedTime`)."""
    return [
        _BLOCKS.c.clinician_id == clinician_id,
        _BLOCKS.c.start > earliest,
        _BLOCKS.c.start < end,
        _BLOCKS.c.end > start,
    ]


OVERLAPPING = (
    select(_BLOCKS)
    .where(
        *_overlapping(
            bindparam("clinician_id"),
            bindparam("start", type_=_BLOCKS.c.end.type),
            bindparam("end", type_=_BLOCKS.c.start.type),
            bindparam("earliest", type_=_BLOCKS.c.start.type),
        )
    )
    .order_by(_BLOCKS.c.start, _BLOCKS.c.id)
)
_SLOTS = tables.slots
# Whether a block of the slot's clinician overlaps the slot: a column of the booking
# read-aheads (`read_ahead.BOOKING_PROPOSAL`, `BOOKING_HOLD`; PostgreSQL's interval
# arithmetic), after the slot's clinician, start and end.
SLOT_IN_PROTECTED_TIME = (
    exists()
    .where(
        *_overlapping(
            _SLOTS.c.clinician_id,
            _SLOTS.c.start,
            _SLOTS.c.end,
            _SLOTS.c.start - literal(tables.MAX_SPAN, Interval()),
        )
    )
    .label("in_protected_time")
)


class SqlProtectedTime(Store):
    """Protected time. A booking's read-ahead tells, with its slot, whether any block
    overlaps the slot (`note_read`); when none did, the booking's own question about that
    slot is answered from that read, in the same transaction, without a statement of its
    own (docs/adr/0017-booking-api-speed.md, fourteenth round). A block this transaction
    adds forgets it. The trigger and the guarded INSERT stay the final guard."""

    def __init__(self, link: Link) -> None:
        super().__init__(link)
        self._clear: set[tuple[str, datetime, datetime]] = set()

    def forget(self) -> None:
        """Nothing known any more (a new transaction starts)."""
        self._clear.clear()

    def read_columns(self) -> list[Any]:
        """The columns of a row `note_read` takes: the slot's clinician, start and end, and
        whether a block overlaps it."""
        return [_SLOTS.c.clinician_id, _SLOTS.c.start, _SLOTS.c.end, SLOT_IN_PROTECTED_TIME]

    def note_read(self, values: Sequence[Any]) -> None:
        """A booking read-ahead's row (`read_columns`): a slot no block overlapped."""
        clinician_id, start, end, overlapped = values
        if clinician_id is not None and overlapped is False:
            self._clear.add((clinician_id, start, end))

    def add_many(self, blocks: Iterable[ProtectedTime]) -> None:
        self._clear.clear()
        rows = [from_domain(b) for b in blocks]
        if rows:
            self._guarded(insert(tables.protected_times), rows)

    def overlapping(self, clinician_id: str, start: datetime, end: datetime) -> list[ProtectedTime]:
        """Blocks of the clinician that overlap [start, end), by start (one prebuilt
        statement: every booking and every report row asks, docs/adr/0017); none, without
        a statement, for a slot this transaction's read-ahead found clear."""
        if (clinician_id, start, end) in self._clear:
            return []
        values = {
            "clinician_id": clinician_id,
            "earliest": start - tables.MAX_SPAN,
            "start": start,
            "end": end,
        }
        rows = self._rows(OVERLAPPING, values)  # plain rows, by position (mapping.py)
        return [protected_time_to_domain(row) for row in rows]


class SqlIpcLedger(Store):
    def record(self, week: IpcWeek) -> None:
        """Write the ledger line of a clinician-week, replacing an earlier one."""
        keys = ("clinician_id", "week_start")
        row = from_domain(week)
        self._rows(upsert(self._link().dialect.name, tables.ipc_weeks, tuple(row), keys), row)

    def weeks(self, start: date | None = None, end: date | None = None) -> list[IpcWeek]:
        ledger = tables.ipc_weeks
        query = select(ledger).order_by(ledger.c.week_start, ledger.c.clinician_id)
        if start is not None:
            query = query.where(ledger.c.week_start >= start)
        if end is not None:
            query = query.where(ledger.c.week_start < end)
        return [ipc_week_to_domain(row) for row in self._execute(query).mappings()]

    def has(self, clinician_id: str, week_start: date) -> bool:
        ledger = tables.ipc_weeks
        query = select(ledger.c.kept_minutes).where(
            ledger.c.clinician_id == clinician_id, ledger.c.week_start == week_start
        )
        return self._execute(query).first() is not None
