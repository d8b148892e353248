"""Active holds by expiry, so `$hold` reads only the holds that ran out
(docs/adr/0017-booking-api-speed.md).

Revision ID: r0013
Revises: r0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0013"
down_revision = "r0012"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    op.create_index(
        "ix_holds_active_expires",
        "holds",
        ["expires_at"],
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
    )


def downgrade() -> None:
    op.drop_index("ix_holds_active_expires", "holds")
