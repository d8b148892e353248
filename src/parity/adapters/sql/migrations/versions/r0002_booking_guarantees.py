"""Booking guarantees the database keeps whatever code writes to it.

1. A slot carries at most one booked appointment, and a request at most one (partial
   unique indexes on appointments WHERE status = 'booked').
2. Protected indirect-patient-care time is unbookable: a slot or a booked appointment
   overlapping a protected block of the same clinician is refused, and so is a protected
   block laid over a booked appointment. Triggers raise errors whose message starts with
   "protected-time", which the repositories turn into `ProtectedTimeConflict`.

On PostgreSQL, two transactions could each check before the other commits (a booking and
a protected block over it). The triggers therefore lock the clinician's row first: bookings
take FOR KEY SHARE (they do not block one another), protected blocks FOR UPDATE (they wait
for every open booking of that clinician, and bookings wait for them). At READ COMMITTED
each statement in the trigger then sees what the other transaction committed. SQLite runs
one writer at a time, so its triggers need no lock.

Overlap searches start one day before the interval (the r0001 "span" check keeps every
interval within a day), so they read a day of the (clinician_id, start) index.

Revision ID: r0002
Revises: r0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0002"
down_revision = "r0001"
branch_labels = None
depends_on = None

BOOKED = sa.text("status = 'booked'")

# -- PostgreSQL ---------------------------------------------------------------------------

PG_REFUSE_BOOKING = """
CREATE FUNCTION refuse_booking_in_protected_time() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM clinicians WHERE id = NEW.clinician_id FOR KEY SHARE;
    IF EXISTS (
        SELECT 1 FROM protected_times p
        WHERE p.clinician_id = NEW.clinician_id
          AND p.start > NEW.start - interval '1 day'
          AND p.start < NEW."end"
          AND p."end" > NEW.start
    ) THEN
        RAISE EXCEPTION 'protected-time: % % of clinician % (% to %) overlaps protected IPC time',
            TG_TABLE_NAME, NEW.id, NEW.clinician_id, NEW.start, NEW."end"
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$
"""

PG_REFUSE_PROTECTED = """
CREATE FUNCTION refuse_protected_time_over_bookings() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM clinicians WHERE id = NEW.clinician_id FOR UPDATE;
    IF EXISTS (
        SELECT 1 FROM appointments a
        WHERE a.clinician_id = NEW.clinician_id
          AND a.status = 'booked'
          AND a.start > NEW.start - interval '1 day'
          AND a.start < NEW."end"
          AND a."end" > NEW.start
    ) THEN
        RAISE EXCEPTION 'protected-time: protected IPC time of clinician % (% to %) overlaps a booked appointment',
            NEW.clinician_id, NEW.start, NEW."end"
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$
"""

PG_TRIGGERS = [
    """CREATE TRIGGER slots_outside_protected_time
    BEFORE INSERT OR UPDATE OF clinician_id, start, "end" ON slots
    FOR EACH ROW EXECUTE FUNCTION refuse_booking_in_protected_time()""",
    """CREATE TRIGGER appointments_outside_protected_time
    BEFORE INSERT OR UPDATE OF clinician_id, start, "end", status ON appointments
    FOR EACH ROW WHEN (NEW.status = 'booked') EXECUTE FUNCTION refuse_booking_in_protected_time()""",
    """CREATE TRIGGER protected_times_outside_bookings
    BEFORE INSERT OR UPDATE OF clinician_id, start, "end" ON protected_times
    FOR EACH ROW EXECUTE FUNCTION refuse_protected_time_over_bookings()""",
]

PG_DROP = [
    "DROP TRIGGER protected_times_outside_bookings ON protected_times",
    "DROP TRIGGER appointments_outside_protected_time ON appointments",
    "DROP TRIGGER slots_outside_protected_time ON slots",
    "DROP FUNCTION refuse_protected_time_over_bookings()",
    "DROP FUNCTION refuse_booking_in_protected_time()",
]

# -- SQLite (one trigger per event; RAISE takes a literal message) -------------------------

IN_PROTECTED_TIME = """EXISTS (
    SELECT 1 FROM protected_times p
    WHERE p.clinician_id = NEW.clinician_id
      AND p.start >= datetime(NEW.start, '-1 day')
      AND p.start < NEW."end"
      AND p."end" > NEW.start)"""

OVER_BOOKINGS = """EXISTS (
    SELECT 1 FROM appointments a
    WHERE a.clinician_id = NEW.clinician_id
      AND a.status = 'booked'
      AND a.start >= datetime(NEW.start, '-1 day')
      AND a.start < NEW."end"
      AND a."end" > NEW.start)"""

# (name, event, table, condition, message)
SQLITE_TRIGGERS = [
    (
        "slots_outside_protected_time_insert",
        "INSERT",
        "slots",
        IN_PROTECTED_TIME,
        "protected-time: a slot overlaps protected IPC time",
    ),
    (
        "slots_outside_protected_time_update",
        'UPDATE OF clinician_id, start, "end"',
        "slots",
        IN_PROTECTED_TIME,
        "protected-time: a slot overlaps protected IPC time",
    ),
    (
        "appointments_outside_protected_time_insert",
        "INSERT",
        "appointments",
        f"NEW.status = 'booked' AND {IN_PROTECTED_TIME}",
        "protected-time: a booked appointment overlaps protected IPC time",
    ),
    (
        "appointments_outside_protected_time_update",
        'UPDATE OF clinician_id, start, "end", status',
        "appointments",
        f"NEW.status = 'booked' AND {IN_PROTECTED_TIME}",
        "protected-time: a booked appointment overlaps protected IPC time",
    ),
    (
        "protected_times_outside_bookings_insert",
        "INSERT",
        "protected_times",
        OVER_BOOKINGS,
        "protected-time: protected IPC time overlaps a booked appointment",
    ),
    (
        "protected_times_outside_bookings_update",
        'UPDATE OF clinician_id, start, "end"',
        "protected_times",
        OVER_BOOKINGS,
        "protected-time: protected IPC time overlaps a booked appointment",
    ),
]


def _sqlite_trigger(name: str, event: str, table: str, condition: str, message: str) -> str:
    return (
        f"CREATE TRIGGER {name} BEFORE {event} ON {table}\n"
        f"WHEN {condition}\n"
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
    )


def upgrade() -> None:
    for name, column in (("slot", "slot_id"), ("request", "request_id")):
        op.create_index(
            f"uq_appointments_booked_{name}",
            "appointments",
            [column],
            unique=True,
            postgresql_where=BOOKED,
            sqlite_where=BOOKED,
        )
    if op.get_context().dialect.name == "postgresql":
        for statement in (PG_REFUSE_BOOKING, PG_REFUSE_PROTECTED, *PG_TRIGGERS):
            op.execute(statement)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(_sqlite_trigger(*trigger))


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for statement in PG_DROP:
            op.execute(statement)
    else:
        for name, *_ in reversed(SQLITE_TRIGGERS):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index("uq_appointments_booked_request", "appointments")
    op.drop_index("uq_appointments_booked_slot", "appointments")
