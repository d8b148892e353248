"""What the pages' working day records: a withdrawn (removed) leave keeps its row with the
moment it was withdrawn, so the record of a clinician's PTO is never rewritten; and who is
working on a care request in the queue (docs/adr/0016-pages-for-each-role.md).

Revision ID: r0011
Revises: r0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0011"
down_revision = "r0010"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("availability_exceptions", sa.Column("withdrawn_at", INSTANT, nullable=True))
    # A scheduler's claim on a queue row, so two schedulers do not work the same request.
    op.add_column(
        "care_requests", sa.Column("claimed_by", sa.String, nullable=False, server_default="")
    )
    op.add_column("care_requests", sa.Column("claimed_at", INSTANT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("care_requests") as table:
        table.drop_column("claimed_at")
        table.drop_column("claimed_by")
    with op.batch_alter_table("availability_exceptions") as table:
        table.drop_column("withdrawn_at")
