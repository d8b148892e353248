"""The waitlist, automatic offers' bookkeeping and member messages (issue 7).

Revision ID: r0006
Revises: r0005
Create Date: 2026-11-22
"""

from __future__ import annotations

revision = "r0006"
down_revision = "r0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Filled in by the waitlist work; empty until then."""


def downgrade() -> None:
    """Filled in by the waitlist work; empty until then."""
