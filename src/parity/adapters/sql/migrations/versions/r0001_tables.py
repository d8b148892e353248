"""The tables: clinics and clinicians, their weeks, and the evidence of every request.

Revision ID: r0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "r0001"
down_revision = None
branch_labels = None
depends_on = None

ENUM = sa.String(32)
INSTANT = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def _version() -> sa.Column[int]:
    return sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1"))


def _span() -> sa.CheckConstraint:
    """An interval ends after it starts and spans at most a day (overlap searches use it)."""
    if op.get_context().dialect.name == "sqlite":
        # Instants are ISO text in SQLite; julianday() reads them.
        longest = 'julianday("end") - julianday(start) <= 1'
    else:
        longest = "\"end\" <= start + interval '1 day'"
    return sa.CheckConstraint(f'"end" > start AND {longest}', name="span")


def _interval() -> list[sa.Column[object]]:
    return [sa.Column("start", INSTANT, nullable=False), sa.Column("end", INSTANT, nullable=False)]


def _request() -> sa.Column[int]:
    return sa.Column("request_id", sa.Integer, sa.ForeignKey("care_requests.id"), nullable=False)


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns))


def _workforce() -> None:
    op.create_table(
        "clinics",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("address", sa.String, nullable=False),
        sa.Column("timezone", sa.String, nullable=False),
        sa.Column("county", sa.String, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        _version(),
    )
    op.create_table(
        "clinicians",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("discipline", ENUM, nullable=False),
        sa.Column("provider_class", ENUM, nullable=False),
        sa.Column("fte", sa.Float, nullable=False),
        sa.Column("clinic_ids", JSON, nullable=False),
        _version(),
    )
    _index("clinicians", "provider_class")
    for child, column in (
        ("clinician_languages", "language"),
        ("clinician_modalities", "modality"),
    ):
        op.create_table(
            child,
            sa.Column(
                "clinician_id",
                sa.String,
                sa.ForeignKey("clinicians.id", ondelete="CASCADE"),
                primary_key=True,
            ),
            sa.Column(column, sa.String if column == "language" else ENUM, primary_key=True),
        )
    _index("clinician_languages", "language", "clinician_id")


def _schedules() -> None:
    op.create_table(
        "templates",
        sa.Column("clinician_id", sa.String, sa.ForeignKey("clinicians.id"), primary_key=True),
        sa.Column("blocks", JSON, nullable=False),
        _version(),
    )
    op.create_table(
        "availability_exceptions",
        _id(),
        sa.Column("clinician_id", sa.String, sa.ForeignKey("clinicians.id"), nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        *_interval(),
        sa.Column("reason", sa.String, nullable=False),
        sa.Column("clinic_id", sa.String, sa.ForeignKey("clinics.id"), nullable=True),
        sa.Column("slot_kind", ENUM, nullable=False),
        sa.Column("slot_minutes", sa.Integer, nullable=False),
        _version(),
    )
    _index("availability_exceptions", "clinician_id")
    op.create_table(
        "slots",
        _id(),
        sa.Column("clinician_id", sa.String, sa.ForeignKey("clinicians.id"), nullable=False),
        sa.Column("clinic_id", sa.String, sa.ForeignKey("clinics.id"), nullable=False),
        *_interval(),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        _span(),
    )
    _index("slots", "clinician_id", "start")
    free = sa.text("status = 'free'")
    op.create_index(
        "ix_slots_free_start", "slots", ["start", "id"], postgresql_where=free, sqlite_where=free
    )
    op.create_table(
        "protected_times",
        _id(),
        sa.Column("clinician_id", sa.String, sa.ForeignKey("clinicians.id"), nullable=False),
        *_interval(),
        sa.Column("source", sa.String, nullable=False),
        _span(),
    )
    _index("protected_times", "clinician_id", "start")
    op.create_table(
        "ipc_weeks",
        sa.Column("clinician_id", sa.String, sa.ForeignKey("clinicians.id"), primary_key=True),
        sa.Column("week_start", sa.Date, primary_key=True),
        sa.Column("guaranteed_minutes", sa.Integer, nullable=False),
        sa.Column("kept_minutes", sa.Integer, nullable=False),
    )
    _index("ipc_weeks", "week_start")


def _members_and_requests() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("clinic_id", sa.String, nullable=False),
        sa.Column("language", sa.String, nullable=False),
        sa.Column("modalities", JSON, nullable=False),
        sa.Column("birth_date", sa.Date, nullable=True),
        sa.Column("phone", sa.String, nullable=False),
        sa.Column("email", sa.String, nullable=False),
        sa.Column("extra", JSON, nullable=False),
        _version(),
    )
    op.create_table(
        "care_requests",
        _id(),
        sa.Column("member_id", sa.String, nullable=False),
        sa.Column("visit", ENUM, nullable=False),
        sa.Column("provider_class", ENUM, nullable=False),
        sa.Column("language", sa.String, nullable=False),
        sa.Column("modalities", JSON, nullable=False),
        sa.Column("clinic_id", sa.String, sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("requested_at", INSTANT, nullable=False),
        sa.Column("standard", sa.String, nullable=False),
        sa.Column("clock_start", INSTANT, nullable=False),
        sa.Column("deadline", INSTANT, nullable=False),
        sa.Column("not_before", INSTANT, nullable=False),
        sa.Column("preferred_clinician_id", sa.String, nullable=True),
        sa.Column("prior_authorization", sa.Boolean, nullable=False),
        sa.Column("course_id", sa.Integer, nullable=True),
        sa.Column("prior_appointment_id", sa.Integer, nullable=True),
        sa.Column("extended_deadline", INSTANT, nullable=True),
        sa.Column("status", ENUM, nullable=False),
        _version(),
    )
    _index("care_requests", "member_id")
    _index("care_requests", "status")
    op.create_table(
        "courses",
        _id(),
        sa.Column("member_id", sa.String, nullable=False),
        sa.Column("clinician_id", sa.String, sa.ForeignKey("clinicians.id"), nullable=False),
        sa.Column("provider_class", ENUM, nullable=False),
        sa.Column("language", sa.String, nullable=False),
        sa.Column("modalities", JSON, nullable=False),
        sa.Column("clinic_id", sa.String, sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("cadence_days", sa.Integer, nullable=False),
        sa.Column("sessions_planned", sa.Integer, nullable=False),
        sa.Column("sessions_done", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        _version(),
    )
    _index("courses", "member_id")


def _bookings() -> None:
    op.create_table(
        "holds",
        _id(),
        _request(),
        sa.Column("slot_id", sa.Integer, sa.ForeignKey("slots.id"), nullable=False),
        sa.Column("held_at", INSTANT, nullable=False),
        sa.Column("expires_at", INSTANT, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        _version(),
    )
    for column in ("request_id", "slot_id", "status"):
        _index("holds", column)
    op.create_table(
        "offers",
        _id(),
        _request(),
        sa.Column("slot_id", sa.Integer, sa.ForeignKey("slots.id"), nullable=False),
        sa.Column("clinician_id", sa.String, sa.ForeignKey("clinicians.id"), nullable=False),
        sa.Column("slot_start", INSTANT, nullable=False),
        sa.Column("offered_at", INSTANT, nullable=False),
        sa.Column("timely", sa.Boolean, nullable=False),
        sa.Column("response", ENUM, nullable=False),
        sa.Column("responded_by", sa.String, nullable=True),
        sa.Column("responded_at", INSTANT, nullable=True),
        _version(),
    )
    _index("offers", "request_id")
    _index("offers", "response")
    op.create_table(
        "appointments",
        _id(),
        _request(),
        sa.Column("member_id", sa.String, nullable=False),
        sa.Column("clinician_id", sa.String, sa.ForeignKey("clinicians.id"), nullable=False),
        sa.Column("clinic_id", sa.String, sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("slot_id", sa.Integer, sa.ForeignKey("slots.id"), nullable=False),
        *_interval(),
        sa.Column("visit", ENUM, nullable=False),
        sa.Column("modality", ENUM, nullable=False),
        sa.Column("booked_at", INSTANT, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("cancelled_by", ENUM, nullable=True),
        sa.Column("cancelled_at", INSTANT, nullable=True),
        sa.Column("cancel_reason", sa.String, nullable=False),
        _version(),
        _span(),
    )
    for columns in (("request_id",), ("member_id",), ("slot_id",), ("clinician_id", "start")):
        _index("appointments", *columns)


def _evidence() -> None:
    op.create_table(
        "referrals",
        _id(),
        _request(),
        sa.Column("member_id", sa.String, nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("deadline", INSTANT, nullable=False),
        sa.Column("reason", sa.String, nullable=False),
        sa.Column("explanation", JSON, nullable=False),
        _version(),
    )
    _index("referrals", "request_id")
    op.create_table(
        "clinical_exceptions",
        _id(),
        _request(),
        sa.Column("author", sa.String, nullable=False),
        sa.Column("recorded_at", INSTANT, nullable=False),
        sa.Column("reason", sa.String, nullable=False),
        sa.Column("extended_deadline", INSTANT, nullable=False),
        _version(),
    )
    _index("clinical_exceptions", "request_id")


TABLES_NEWEST_FIRST = [
    "clinical_exceptions",
    "referrals",
    "appointments",
    "offers",
    "holds",
    "courses",
    "care_requests",
    "members",
    "ipc_weeks",
    "protected_times",
    "slots",
    "availability_exceptions",
    "templates",
    "clinician_modalities",
    "clinician_languages",
    "clinicians",
    "clinics",
]


def upgrade() -> None:
    _workforce()
    _schedules()
    _members_and_requests()
    _bookings()
    _evidence()


def downgrade() -> None:
    for table in TABLES_NEWEST_FIRST:
        op.drop_table(table)
