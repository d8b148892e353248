"""Users (local accounts with argon2 password hashes) and the append-only audit trail
(ADR 0008). Triggers refuse any UPDATE or DELETE of an audit event, on both databases.

Revision ID: r0007
Revises: r0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "r0007"
down_revision = "r0006"
branch_labels = None
depends_on = None

ENUM = sa.String(32)
INSTANT = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
APPEND_ONLY = "audit-append-only: audit events are never changed or removed"

POSTGRES_UP = [
    f"""CREATE FUNCTION refuse_audit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{APPEND_ONLY}';
END;
$$""",
    """CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION refuse_audit_change()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER audit_events_append_only ON audit_events",
    "DROP FUNCTION refuse_audit_change()",
]
SQLITE_TRIGGERS = ("audit_events_no_update", "audit_events_no_delete")


def _sqlite_up() -> list[str]:
    return [
        f"CREATE TRIGGER {name} BEFORE {event} ON audit_events\n"
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        for name, event in zip(SQLITE_TRIGGERS, ("UPDATE", "DELETE"), strict=True)
    ]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("role", ENUM, nullable=False),
        sa.Column("password_hash", sa.String, nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("member_id", sa.String, nullable=True),
        sa.Column("clinician_id", sa.String, nullable=True),
        sa.Column("clinic_ids", JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("recorded", INSTANT, nullable=False),
        sa.Column("agent", sa.String, nullable=False),
        sa.Column("role", ENUM, nullable=False),
        sa.Column("action", ENUM, nullable=False),
        sa.Column("entity_type", sa.String, nullable=False),
        sa.Column("entity_id", sa.String, nullable=False),
        sa.Column("member_id", sa.String, nullable=True),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("route", sa.String, nullable=False),
        sa.Column("outcome", sa.Integer, nullable=False),
    )
    for column in ("recorded", "agent", "member_id"):
        op.create_index(f"ix_audit_events_{column}", "audit_events", [column])
    statements = POSTGRES_UP if op.get_context().dialect.name == "postgresql" else _sqlite_up()
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for statement in POSTGRES_DOWN:
            op.execute(statement)
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("audit_events")
    op.drop_table("users")
