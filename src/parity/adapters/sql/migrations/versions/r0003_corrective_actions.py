"""The corrective-action plan: findings from metric breaches and the actions answering them
(28 CCR §1300.67.2.2(d)).

Revision ID: r0003
Revises: r0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0003"
down_revision = "r0002"
branch_labels = None
depends_on = None

ENUM = sa.String(32)
INSTANT = sa.DateTime(timezone=True)


def _version() -> sa.Column[int]:
    return sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1"))


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("metric", sa.String, nullable=False),
        sa.Column("clinic_id", sa.String, nullable=False),
        sa.Column("standard_class", sa.String, nullable=False),
        sa.Column("period", sa.String, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("detected_at", INSTANT, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("note", sa.String, nullable=False),
        _version(),
    )
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id"), nullable=False),
        sa.Column("description", sa.String, nullable=False),
        sa.Column("owner", sa.String, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("updated_at", INSTANT, nullable=True),
        _version(),
    )
    op.create_index("ix_actions_finding_id", "actions", ["finding_id"])


def downgrade() -> None:
    op.drop_table("actions")
    op.drop_table("findings")
