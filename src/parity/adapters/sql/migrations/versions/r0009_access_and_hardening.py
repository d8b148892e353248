"""Access decided where the data is touched (docs/adr/0012): every member an audit event is
about (one row each, append-only like the events), tokens revoked at logout, and login
attempts counted by every worker process in one place.

Revision ID: r0009
Revises: r0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0009"
down_revision = "r0008"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)
APPEND_ONLY = "audit-append-only: audit events are never changed or removed"
SQLITE_TRIGGERS = ("audit_event_members_no_update", "audit_event_members_no_delete")


def _audit_event_members() -> None:
    op.create_table(
        "audit_event_members",
        sa.Column("event_id", sa.Integer, sa.ForeignKey("audit_events.id"), primary_key=True),
        sa.Column("member_id", sa.String, primary_key=True),
    )
    op.create_index("ix_audit_event_members_member_id", "audit_event_members", ["member_id"])
    # Events written before this revision named their members comma-joined in member_id
    # (cut at 200 characters: a cut last name is kept as it was written).
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, member_id FROM audit_events WHERE member_id IS NOT NULL")
    )
    pairs = {(i, m) for i, text in rows for m in str(text).split(",") if m}
    if pairs:
        insert = sa.text("INSERT INTO audit_event_members (event_id, member_id) VALUES (:e, :m)")
        bind.execute(insert, [{"e": e, "m": m} for e, m in sorted(pairs)])


def _append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_event_members_append_only BEFORE UPDATE OR DELETE "
            "ON audit_event_members FOR EACH ROW EXECUTE FUNCTION refuse_audit_change()"
        )
        return
    for name, verb in zip(SQLITE_TRIGGERS, ("UPDATE", "DELETE"), strict=True):
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {verb} ON audit_event_members "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def upgrade() -> None:
    _audit_event_members()
    _append_only()
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(64), primary_key=True),
        sa.Column("expires_at", INSTANT, nullable=False),
    )
    op.create_index("ix_revoked_tokens_expires_at", "revoked_tokens", ["expires_at"])
    op.create_table(
        "login_attempts",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("window_start", INSTANT, primary_key=True),
        sa.Column("attempts", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("login_attempts")
    op.drop_table("revoked_tokens")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_members_append_only ON audit_event_members")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("audit_event_members")
