"""Every later date the member gives is kept (docs/adr/0013-evidence-a-regulator-accepts.md,
2026-12-08).

`later_dates`: one row per later date, append-only (triggers refuse UPDATE and DELETE on
both databases): the request, the date asked for, when and by whom it was recorded, the
channel the member used and the contact note. `care_requests.planned_not_before`: the
earliest start the request had before the member's first later date, so a date moved
earlier is booked from the new one.

Existing rows: a request whose row holds a later date (`member_preferred_from` and when it
was recorded) gets one `later_dates` row copied from its own preference columns. This
records what was recorded, nothing more: the same date, time, name, channel and note the
row already kept, written by whoever recorded them; no act is invented, and the earlier
dates a row overwrote before this revision are not recovered (nothing kept them). A row
with a date but no recording time was not written by Parity: no record is made for it, and
the evidence shows the row's own columns as before. `planned_not_before` stays empty on
existing rows, as nothing recorded it: on them an earlier date than the one in force is
still refused. Down: the table and the column go; the request rows keep the latest date.

Revision ID: r0015
Revises: r0014
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0015"
down_revision = "r0014"
branch_labels = None
depends_on = None

ENUM = sa.String(32)
INSTANT = sa.DateTime(timezone=True)
APPEND_ONLY = "later-dates-append-only: a later date the member gave is never changed or removed"
SQLITE_TRIGGERS = ("later_dates_no_update", "later_dates_no_delete")

COPY_RECORDED = """INSERT INTO later_dates
    (request_id, preferred_from, recorded_at, recorded_by, channel, note)
SELECT id, member_preferred_from, preference_recorded_at,
    COALESCE(preference_recorded_by, ''), preference_channel, preference_note
FROM care_requests
WHERE member_preferred_from IS NOT NULL AND preference_recorded_at IS NOT NULL
ORDER BY id"""


def _append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""CREATE FUNCTION refuse_later_date_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{APPEND_ONLY}';
END;
$$"""
        )
        op.execute(
            "CREATE TRIGGER later_dates_append_only BEFORE UPDATE OR DELETE ON later_dates "
            "FOR EACH ROW EXECUTE FUNCTION refuse_later_date_change()"
        )
        return
    for name, verb in zip(SQLITE_TRIGGERS, ("UPDATE", "DELETE"), strict=True):
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {verb} ON later_dates "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def upgrade() -> None:
    with op.batch_alter_table("care_requests") as batch:
        batch.add_column(sa.Column("planned_not_before", INSTANT, nullable=True))
    op.create_table(
        "later_dates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("care_requests.id"), nullable=False),
        sa.Column("preferred_from", INSTANT, nullable=False),
        sa.Column("recorded_at", INSTANT, nullable=False),
        sa.Column("recorded_by", sa.String, nullable=False),
        sa.Column("channel", ENUM, nullable=True),
        sa.Column("note", sa.String, nullable=False, server_default=""),
    )
    op.create_index("ix_later_dates_request_id", "later_dates", ["request_id"])
    op.execute(COPY_RECORDED)
    _append_only()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER later_dates_append_only ON later_dates")
        op.execute("DROP FUNCTION refuse_later_date_change()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("later_dates")
    with op.batch_alter_table("care_requests") as batch:
        batch.drop_column("planned_not_before")
