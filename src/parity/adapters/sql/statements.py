"""The few statements that differ by dialect: upserts, identity sequences and lists of
values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import ARRAY, Connection, Executable, Table, any_, bindparam, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement


def one_of(column: ColumnElement[Any], name: str, arrays: bool) -> ColumnElement[bool]:
    """`column` equal to one of the list bound as `name`: `IN (...)`, its values expanded
    at each execution (SQLite), or with `arrays` (PostgreSQL) `= ANY(:name)`, one bound
    array, so the statement's text is the same for any length and `direct.rows` runs it
    on the cursor path (docs/adr/0017-booking-api-speed.md, ninth round). An empty list
    matches nothing either way."""
    if arrays:
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


@cache
def upsert(
    dialect: str, table: Table, columns: tuple[str, ...], keys: tuple[str, ...]
) -> Executable:
    """Insert a row of `columns` (bound by their names), or overwrite the row with the same
    `keys`, bumping its version (returned). Built once per table and shape, so
    `direct.rows` runs it on the cursor path like the other prebuilt writes."""
    if dialect == "postgresql":
        statement: postgresql.Insert | sqlite.Insert = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:
        raise NotImplementedError(f"no upsert for {dialect}")
    changes: dict[str, Any] = {k: statement.excluded[k] for k in columns if k not in keys}
    if "version" in table.c:
        changes["version"] = table.c.version + 1
    if "last_updated" in table.c:  # `onupdate` does not apply to ON CONFLICT (docs/adr/0015)
        changes["last_updated"] = statement.excluded.last_updated
    upserted = statement.on_conflict_do_update(index_elements=list(keys), set_=changes)
    return upserted.returning(table.c.version) if "version" in table.c else upserted


def advance_identity(connection: Connection, table: Table, used: int) -> None:
    """After inserting an explicit id, move PostgreSQL's sequence past it (SQLite's rowid
    allocation already does: max(rowid) + 1)."""
    if connection.dialect.name != "postgresql":
        return
    sequence = func.pg_get_serial_sequence(table.name, "id")
    connection.execute(select(func.setval(sequence, func.greatest(func.nextval(sequence), used))))


def allocate_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """`count` fresh ids for `table`, ascending, to insert rows with.

    PostgreSQL draws them from the table's sequence, as a default would. SQLite hands out
    max(rowid) + 1, and this transaction holds the write lock (BEGIN IMMEDIATE, engine.py),
    so nobody else can take the same ids before it commits.
    """
    if count == 0:
        return []
    if connection.dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        drawn = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        return sorted(connection.execute(drawn).scalars())
    highest = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(highest + 1, highest + 1 + count))


def insert_many(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows in bulk: COPY on PostgreSQL (triggers and constraints still apply, and
    a refusal is raised as SQLAlchemy's IntegrityError like any other), one prepared
    INSERT run many times on SQLite."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    names = list(rows[0])
    columns = ", ".join(connection.dialect.identifier_preparer.quote(n) for n in names)
    statement = (
        f"COPY {connection.dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN"
    )
    processors = [table.c[n].type.bind_processor(connection.dialect) for n in names]
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [p(row[n]) if p else row[n] for p, n in zip(processors, names, strict=True)]
                )
    except connection.dialect.loaded_dbapi.IntegrityError as refused:
        raise IntegrityError(statement, None, refused) from refused
