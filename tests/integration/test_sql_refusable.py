"""The writes the repositories run without a savepoint are writes the schema cannot
refuse (docs/adr/0017-booking-api-speed.md, seventh round): `REFUSABLE_WHEN` says an
appointment can be refused only when it is written `booked`, and `GUARDED` names the
tables whose writes may be refused at all. Both are read here against the migrated
schema itself, on SQLite and PostgreSQL, so that a new unique index or trigger that could
refuse another write fails this test instead of aborting a PostgreSQL transaction that
had no savepoint around the write."""

from __future__ import annotations

import re

from sqlalchemy import Connection, Engine, text

from parity.adapters.sql.errors import BOOKED_REQUEST, BOOKED_SLOT, PROTECTED_TIME
from parity.adapters.sql.record_layout import GUARDED, REFUSABLE_WHEN

# The indexes and triggers of the current schema: (table, name, SQL text). A unique
# constraint appears as its index on both databases (SQLite's autoindex has no SQL).
PG_UNIQUE = """
SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
WHERE x.indisunique AND NOT x.indisprimary AND t.relnamespace = current_schema()::regnamespace
"""
PG_EXCLUSION = """
SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
WHERE c.contype = 'x' AND t.relnamespace = current_schema()::regnamespace
"""
PG_TRIGGERS = """
SELECT t.relname, g.tgname, pg_get_triggerdef(g.oid) || ' ' || p.prosrc
FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_proc p ON p.oid = g.tgfoid
WHERE NOT g.tgisinternal AND t.relnamespace = current_schema()::regnamespace
"""
SQLITE_PRIMARY = "SELECT name FROM pragma_index_list(:table) WHERE origin = 'pk'"
SQLITE_UNIQUE = """
SELECT m.tbl_name, m.name, coalesce(m.sql, '')
FROM sqlite_master m JOIN pragma_index_list(m.tbl_name) x ON x.name = m.name
WHERE m.type = 'index' AND x."unique" AND x.origin != 'pk'
"""
SQLITE_TRIGGERS = "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger'"


def _plain(sql: str) -> str:
    """SQL text without casts, quotes, brackets, spaces or case: what is compared."""
    sql = re.sub(r"::[\w\s]+", "", sql.lower())
    return re.sub(r"[\s()\"]", "", sql)


def _index_only_when(sql: str, column: str, value: str) -> bool:
    """Whether a unique index's definition holds only rows where `column` = `value`: a
    partial index whose whole predicate is that equality."""
    plain = _plain(sql)
    return plain.endswith(f"where{column}='{value}'") and plain.count("where") == 1


def _trigger_only_when(sql: str, column: str, value: str) -> bool:
    """Whether a trigger fires only for a new row whose `column` is `value`: its WHEN
    condition is that equality, alone or first of a conjunction."""
    condition = _plain(sql).partition("when")[2]
    wanted = f"new.{column}='{value}'"
    return condition.startswith(wanted) and (
        condition.startswith(f"{wanted}and")
        or condition.startswith(f"{wanted}execute")
        or condition.startswith(f"{wanted}begin")
    )


def _schema(
    connection: Connection,
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """The unique indexes and exclusion constraints (other than primary keys), and the
    triggers, of the migrated schema."""
    if connection.dialect.name == "postgresql":
        unique = [*connection.execute(text(PG_UNIQUE)), *connection.execute(text(PG_EXCLUSION))]
        triggers = list(connection.execute(text(PG_TRIGGERS)))
    else:
        unique = list(connection.execute(text(SQLITE_UNIQUE)))
        triggers = list(connection.execute(text(SQLITE_TRIGGERS)))
    return [tuple(row) for row in unique], [tuple(row) for row in triggers]


def test_the_conditions_read_here_tell_a_partial_index_and_trigger_from_a_plain_one() -> None:
    partial = "CREATE UNIQUE INDEX u ON appointments (slot_id) WHERE status = 'booked'"
    pg_partial = "CREATE UNIQUE INDEX u ON s.appointments USING btree (slot_id) WHERE (status = 'booked'::appointment_status)"
    assert _index_only_when(partial, "status", "booked")
    assert _index_only_when(pg_partial, "status", "booked")
    assert not _index_only_when(
        "CREATE UNIQUE INDEX u ON appointments (slot_id)", "status", "booked"
    )
    assert not _index_only_when(f"{partial} OR true", "status", "booked")
    assert not _index_only_when(partial.replace("'booked'", "'cancelled'"), "status", "booked")
    guarded = "CREATE TRIGGER t BEFORE INSERT ON appointments WHEN NEW.status = 'booked' AND EXISTS (SELECT 1) BEGIN SELECT 1; END"
    assert _trigger_only_when(guarded, "status", "booked")
    assert not _trigger_only_when(
        guarded.replace("NEW.status = 'booked' AND ", ""), "status", "booked"
    )
    assert not _trigger_only_when(guarded.replace("AND", "OR"), "status", "booked")


def test_every_table_the_schema_may_refuse_a_write_of_is_guarded(engine: Engine) -> None:
    with engine.connect() as connection:
        unique, triggers = _schema(connection)
    # The refusals `errors.rule_broken` turns into a booking rule: the triggers raising
    # its message (with their functions' text on PostgreSQL) and the unique indexes it
    # names. Other triggers (the audit trail's append-only ones) refuse no booking rule.
    rules = {BOOKED_SLOT[0], BOOKED_REQUEST[0]}
    refusing = {table for table, _name, sql in triggers if PROTECTED_TIME in sql}
    refusing |= {table for table, name, _sql in unique if name in rules}
    assert refusing == {"appointments", "slots", "protected_times"}
    assert refusing <= GUARDED


def test_an_appointment_is_refusable_only_when_written_as_refusable_when_says(
    engine: Engine,
) -> None:
    column, value = REFUSABLE_WHEN["appointments"]
    with engine.connect() as connection:
        unique, triggers = _schema(connection)
    indexes = [(name, sql) for table, name, sql in unique if table == "appointments"]
    fired = [(name, sql) for table, name, sql in triggers if table == "appointments"]
    # one booked appointment per slot and per request
    assert {name for name, _sql in indexes} >= {BOOKED_SLOT[0], BOOKED_REQUEST[0]}
    assert fired  # protected time
    for name, sql in indexes:
        assert _index_only_when(sql, column, value), (name, sql)
    for name, sql in fired:
        assert _trigger_only_when(sql, column, value), (name, sql)
