"""Resource versions (docs/adr/0015-fhir-conformance.md): every row a FHIR resource is read
from records when it last changed (`last_updated`, FHIR `meta.lastUpdated`), and slots get
the change counter the other records already keep (`version`, FHIR `meta.versionId`).

Existing rows are backfilled with the latest change time the record itself kept (a
cancellation, an answer, a withdrawal, ...) or, for records that keep none (the directory,
slots), the moment of the migration.

Revision ID: r0012
Revises: r0011
Create Date: 2026-12-06
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "r0012"
down_revision = "r0011"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)
# table -> the instants the record keeps of its own changes, latest first where ordered
KEPT_TIMES: dict[str, tuple[str, ...]] = {
    "care_requests": (
        "withdrawn_at",
        "preference_recorded_at",
        "claimed_at",
        "requested_at",
    ),
    "holds": ("held_at",),
    "offers": ("responded_at", "offered_at"),
    "appointments": ("cancelled_at", "booked_at"),
    "referrals": ("created_at",),
    "clinical_exceptions": ("recorded_at",),
    "waitlist_entries": ("updated_at", "joined_at"),
}
KEEPING_NONE = ("clinics", "clinicians", "members", "slots")


def _latest(columns: tuple[str, ...], dialect: str) -> str:
    """The latest non-null of `columns` in SQL (instants in SQLite are sortable text)."""
    if len(columns) == 1:
        return columns[0]
    latest = "greatest" if dialect == "postgresql" else "max"
    # SQLite's multi-argument max() is null if any argument is: coalesce each to the last.
    fallback = columns[-1]
    return f"{latest}({', '.join(f'coalesce({c}, {fallback})' for c in columns)})"


def _migration_time() -> datetime | str:
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":  # naive UTC text, as UtcDateTime stores it
        return now.replace(tzinfo=None).isoformat(sep=" ")
    return now


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in (*KEPT_TIMES, *KEEPING_NONE):
        op.add_column(table, sa.Column("last_updated", INSTANT, nullable=True))
    op.add_column(
        "slots", sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1"))
    )
    for table, columns in KEPT_TIMES.items():
        op.execute(f"UPDATE {table} SET last_updated = {_latest(columns, dialect)}")
    now = _migration_time()
    for table in KEEPING_NONE:
        op.get_bind().execute(sa.text(f"UPDATE {table} SET last_updated = :now"), {"now": now})
    if dialect == "postgresql":
        # Rows written by COPY (slots laid in bulk: statements.insert_many) skip the
        # application's default; the server dates them. SQLite cannot add a column with a
        # non-constant default, and its bulk inserts go through SQLAlchemy, which does.
        for table in (*KEPT_TIMES, *KEEPING_NONE):
            op.execute(f"ALTER TABLE {table} ALTER COLUMN last_updated SET DEFAULT now()")


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of these tables would break the
    # triggers that name them (migrations r0002, r0005).
    op.drop_column("slots", "version")
    for table in (*KEPT_TIMES, *KEEPING_NONE):
        op.drop_column(table, "last_updated")
