"""Free slots by clinic and start, for in-person searches (which stay at the member's clinic).

Revision ID: r0004
Revises: r0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0004"
down_revision = "r0003"
branch_labels = None
depends_on = None

FREE = sa.text("status = 'free'")


def upgrade() -> None:
    op.create_index(
        "ix_slots_free_clinic_start",
        "slots",
        ["clinic_id", "start"],
        postgresql_where=FREE,
        sqlite_where=FREE,
    )


def downgrade() -> None:
    op.drop_index("ix_slots_free_clinic_start", "slots")
