"""An active hold's predicate is named once, with the holds' table (`tables.HOLD_IS_ACTIVE`):
the partial index of active holds' expiries is built on it, and the earliest expiry a
`$hold`'s read-ahead carries (`own_repositories.NEXT_HOLD_EXPIRY`) asks it, so on SQLite and
PostgreSQL that read is answered from the index (docs/adr/0017-booking-api-speed.md,
fifteenth and sixteenth rounds)."""

from __future__ import annotations

from sqlalchemy import Engine, select, text

from parity.adapters.sql import tables
from parity.adapters.sql.own_repositories import NEXT_HOLD_EXPIRY

INDEX = "ix_holds_active_expires"


def _plan(engine: Engine) -> str:
    """The database's plan for the earliest-expiry read as the repositories send it (any
    bound value bound, not written in), as text."""
    compiled = select(NEXT_HOLD_EXPIRY).compile(engine)
    sql, values = str(compiled), tuple(compiled.params[name] for name in compiled.positiontup or ())
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # As on a large table: only an index can answer without reading every row.
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            rows = connection.exec_driver_sql(f"EXPLAIN {sql}", dict(compiled.params)).all()
        else:
            # SQLite refuses `INDEXED BY` an index whose predicate the query does not imply
            # ("no query solution"; a bound value never implies it), else plans on it.
            forced = sql.replace("FROM holds", f"FROM holds INDEXED BY {INDEX}")
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {forced}", values).all()
    return "\n".join(str(row[-1]) for row in rows)


def test_the_earliest_active_expiry_is_read_from_the_partial_index(engine: Engine) -> None:
    assert INDEX in _plan(engine)


def test_the_partial_index_is_built_on_the_named_predicate() -> None:
    (index,) = [i for i in tables.holds.indexes if i.name == INDEX]
    assert index.dialect_options["postgresql"]["where"] is tables.HOLD_IS_ACTIVE
    assert index.dialect_options["sqlite"]["where"] is tables.HOLD_IS_ACTIVE
