"""A booked appointment's INSERT as one statement that the schema cannot refuse.

The schema refuses a booked appointment when its slot or its request already has one (the
partial unique indexes) or when it lies in the clinician's protected time (the trigger);
see migrations/versions/r0002. A refusal aborts a PostgreSQL transaction, so the
repositories ran such a write inside a savepoint (SAVEPOINT, INSERT, RELEASE: three round
trips). This INSERT asks the same questions itself and writes nothing when any answer is
no: `ON CONFLICT DO NOTHING` (no conflict target: every unique index) for the indexes, a
`NOT EXISTS` over protected time, the trigger's own overlap test, for the trigger. No row
back means "refused"; the caller then runs the plain INSERT in its savepoint, which raises
the refusal as before (or writes the row, if what stood in the way went meanwhile), so
what a refusal says and leaves behind does not change
(docs/adr/0017-booking-api-speed.md, eleventh round).

The indexes and the trigger stay the final guard. The `NOT EXISTS` reads the statement's
snapshot; the trigger (which locks the clinician's row first) reads a newer one, so a
protected block committed by another transaction between the two is refused by the
trigger, as ever, but then without a savepoint: the refusal is raised all the same and
the caller's transaction is over (it is rolled back as the error leaves it).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Executable, Table, bindparam, exists, select
from sqlalchemy.dialects import postgresql, sqlite

from parity.adapters.sql import tables

# The tables whose refusals this statement asks about, all of them: unique indexes and the
# protected-time trigger (tests/integration/test_guarded_insert.py reads the schema).
COVERED = frozenset({"appointments"})
# The protected-time search's lower bound on a block's start (bound name, apart from columns).
FROM = "protected_from"
# On PostgreSQL the INSERT also says whether any row of the table held the row's value of
# this column before it: a subquery of RETURNING reads the statement's snapshot, which
# never holds the row the statement writes. A request's first visit finds none, and the
# repository then knows the request's visits without asking (`SqlRepository.where`).
ALONE_BY = {"appointments": "request_id"}


@cache
def unrefused_insert(dialect: str, table: Table, columns: tuple[str, ...]) -> Executable:
    """INSERT a row of `columns` (bound by their names) unless the schema would refuse
    it, RETURNING the key and stamp as `Writes.insert` does (then, on PostgreSQL, whether
    an earlier row shares its `ALONE_BY` column): no row when refused. Built
    once per dialect, table and shape, so `direct.rows` runs it on the cursor path."""
    if dialect == "postgresql":
        statement: postgresql.Insert | sqlite.Insert = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:
        raise NotImplementedError(f"no guarded insert for {dialect}")
    values = {name: bindparam(name, type_=table.c[name].type) for name in columns}
    blocks = tables.protected_times.c
    # The trigger's test (r0002): a block of the clinician that starts within a day
    # before the row (no block spans more) and overlaps it.
    in_protected_time = exists().where(
        blocks.clinician_id == values["clinician_id"],
        blocks.start > bindparam(FROM, type_=blocks.start.type),
        blocks.start < values["end"],
        blocks.end > values["start"],
    )
    chosen = select(*values.values()).where(~in_protected_time)
    returned: list[Any] = [table.c.id, table.c.version, table.c.last_updated]
    if dialect == "postgresql":
        earlier, column = table.alias("earlier"), ALONE_BY[table.name]
        returned.append(exists().where(earlier.c[column] == values[column]))
    return (
        statement.from_select(list(columns), chosen).on_conflict_do_nothing().returning(*returned)
    )


def parameters(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row's values, and the protected-time search's lower bound."""
    return {**row, FROM: row["start"] - tables.MAX_SPAN}
