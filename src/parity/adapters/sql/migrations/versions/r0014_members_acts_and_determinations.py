"""The member's acts and the plan's determinations, recorded
(docs/adr/0013-evidence-a-regulator-accepts.md, 2026-12-07 evening).

`care_requests`: the channel the member's later date and withdrawal came by and, recorded
by staff, the contact note; who determined a prior authorisation, in which role, and when.
Existing rows stay valid: the new columns are empty (no channel, no note, no determination
on record), which the evidence shows as such; nothing is inferred for them.

Revision ID: r0014
Revises: r0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0014"
down_revision = "r0013"
branch_labels = None
depends_on = None

ENUM = sa.String(32)
INSTANT = sa.DateTime(timezone=True)

COLUMNS: list[sa.Column[object]] = [
    sa.Column("preference_channel", ENUM, nullable=True),
    sa.Column("preference_note", sa.String, nullable=False, server_default=""),
    sa.Column("withdrawal_channel", ENUM, nullable=True),
    sa.Column("withdrawal_note", sa.String, nullable=False, server_default=""),
    sa.Column("prior_authorization_by", sa.String, nullable=True),
    sa.Column("prior_authorization_role", ENUM, nullable=True),
    sa.Column("prior_authorization_at", INSTANT, nullable=True),
]


def upgrade() -> None:
    with op.batch_alter_table("care_requests") as batch:
        for column in COLUMNS:
            batch.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("care_requests") as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column.name)
