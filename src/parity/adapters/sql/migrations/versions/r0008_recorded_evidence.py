"""Evidence recorded as it happened (docs/adr/0013-evidence-a-regulator-accepts.md).

`offers`: the channel, who offered, and the answer's channel and contact note.
`clinical_exceptions`: the author's role and clinician id from the session, and whether it
was documented after the legal deadline (`late`). `referrals`: who made it, the outside
provider, the outside appointment and in-network cost sharing (SB 855). `care_requests`:
the member's own later date and a withdrawal, with who and when.

Revision ID: r0008
Revises: r0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0008"
down_revision = "r0007"
branch_labels = None
depends_on = None

ENUM = sa.String(32)
INSTANT = sa.DateTime(timezone=True)

COLUMNS: dict[str, list[sa.Column[object]]] = {
    "offers": [
        sa.Column("channel", ENUM, nullable=False, server_default="portal"),
        sa.Column("offered_by", sa.String, nullable=False, server_default=""),
        sa.Column("response_channel", ENUM, nullable=True),
        sa.Column("response_note", sa.String, nullable=False, server_default=""),
    ],
    "clinical_exceptions": [
        sa.Column("author_role", ENUM, nullable=False, server_default=""),
        sa.Column("clinician_id", sa.String, nullable=True),
        sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()),
    ],
    "referrals": [
        sa.Column("made_by", sa.String, nullable=False, server_default=""),
        sa.Column("outside_provider", sa.String, nullable=False, server_default=""),
        sa.Column("appointment_at", INSTANT, nullable=True),
        sa.Column("in_network_cost_sharing", sa.Boolean, nullable=False, server_default=sa.true()),
    ],
    "care_requests": [
        sa.Column("member_preferred_from", INSTANT, nullable=True),
        sa.Column("preference_recorded_at", INSTANT, nullable=True),
        sa.Column("preference_recorded_by", sa.String, nullable=True),
        sa.Column("withdrawn_at", INSTANT, nullable=True),
        sa.Column("withdrawn_by", sa.String, nullable=True),
    ],
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.add_column(column)


def downgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in reversed(columns):
                batch.drop_column(column.name)
