"""The waitlist and the member-messages outbox (ADR 0009).

`waitlist_entries`: requests waiting for a freed slot, with the member's preferences, the
reason they wait and the deadline they carry. `messages`: every offer, confirmation,
reminder and cancellation message, recorded before it is sent; `key` is unique so the same
message is never queued twice, and `status`/`attempts` make failed sends retryable.

Revision ID: r0006
Revises: r0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "r0006"
down_revision = "r0005"
branch_labels = None
depends_on = None

ENUM = sa.String(32)
INSTANT = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def _version() -> sa.Column[int]:
    return sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1"))


def _waitlist() -> None:
    op.create_table(
        "waitlist_entries",
        _id(),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("care_requests.id"), nullable=False),
        sa.Column("member_id", sa.String, nullable=False),
        sa.Column("standard", sa.String, nullable=False),
        sa.Column("deadline", INSTANT, nullable=False),
        sa.Column("reason", ENUM, nullable=False),
        sa.Column("joined_at", INSTANT, nullable=False),
        sa.Column("preferences", JSON, nullable=False),
        sa.Column("head_of_line", sa.Boolean, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("earlier_than", INSTANT, nullable=True),
        sa.Column("passed_slot_ids", JSON, nullable=False),
        sa.Column("updated_at", INSTANT, nullable=True),
        _version(),
    )
    op.create_index("ix_waitlist_entries_request_id", "waitlist_entries", ["request_id"])
    op.create_index("ix_waitlist_entries_status", "waitlist_entries", ["status"])


def _messages() -> None:
    op.create_table(
        "messages",
        _id(),
        sa.Column("key", sa.String, nullable=False),
        sa.Column("member_id", sa.String, nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("channel", ENUM, nullable=False),
        sa.Column("address", sa.String, nullable=False),
        sa.Column("context", JSON, nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("due_at", INSTANT, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("sent_at", INSTANT, nullable=True),
        sa.Column("error", sa.String, nullable=False),
        _version(),
        sa.UniqueConstraint("key", name="uq_messages_key"),
    )
    op.create_index("ix_messages_member_id", "messages", ["member_id"])
    op.create_index("ix_messages_status", "messages", ["status"])


def upgrade() -> None:
    _waitlist()
    _messages()


def downgrade() -> None:
    op.drop_table("messages")
    op.drop_table("waitlist_entries")
