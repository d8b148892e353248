"""On PostgreSQL, check new slots against protected time once per statement, not per row.

Materialising a region inserts hundreds of thousands of slots; a statement-level trigger
with a transition table checks each batch with one join instead of a PL/pgSQL call per
row. Updates keep the row-level trigger of r0002. The locking is the same: the slots'
clinicians are locked FOR KEY SHARE (in id order, so two batches cannot deadlock) before
the check, so protected time laid concurrently is either seen or waits. SQLite has no
statement-level triggers and keeps its row-level ones.

Revision ID: r0005
Revises: r0004
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "r0005"
down_revision = "r0004"
branch_labels = None
depends_on = None

CHECK_NEW_SLOTS = """
CREATE FUNCTION refuse_new_slots_in_protected_time() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    clash record;
BEGIN
    PERFORM 1 FROM clinicians
    WHERE id IN (SELECT DISTINCT clinician_id FROM new_slots)
    ORDER BY id FOR KEY SHARE;
    SELECT n.id, n.clinician_id, n.start, n."end" INTO clash
    FROM new_slots n JOIN protected_times p
      ON p.clinician_id = n.clinician_id
     AND p.start > n.start - interval '1 day'
     AND p.start < n."end"
     AND p."end" > n.start
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'protected-time: slot % of clinician % (% to %) overlaps protected IPC time',
            clash.id, clash.clinician_id, clash.start, clash."end"
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$
"""

UPGRADE = [
    "DROP TRIGGER slots_outside_protected_time ON slots",
    """CREATE TRIGGER slots_outside_protected_time
    BEFORE UPDATE OF clinician_id, start, "end" ON slots
    FOR EACH ROW EXECUTE FUNCTION refuse_booking_in_protected_time()""",
    CHECK_NEW_SLOTS,
    """CREATE TRIGGER new_slots_outside_protected_time
    AFTER INSERT ON slots REFERENCING NEW TABLE AS new_slots
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_new_slots_in_protected_time()""",
]

DOWNGRADE = [
    "DROP TRIGGER new_slots_outside_protected_time ON slots",
    "DROP FUNCTION refuse_new_slots_in_protected_time()",
    "DROP TRIGGER slots_outside_protected_time ON slots",
    """CREATE TRIGGER slots_outside_protected_time
    BEFORE INSERT OR UPDATE OF clinician_id, start, "end" ON slots
    FOR EACH ROW EXECUTE FUNCTION refuse_booking_in_protected_time()""",
]


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(statement)
