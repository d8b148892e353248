"""Members and their care: requests, holds, offers, appointments, referrals, clinical
exceptions, courses, and the corrective-action findings and actions."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    false,
    func,
    literal_column,
    text,
    true,
)

from parity.adapters.sql.column_types import JsonDocument, ModalityTuple, UtcDateTime
from parity.adapters.sql.tables.common import (
    ENUM_LENGTH,
    _id,
    _last_updated,
    _request_ref,
    _version,
    enum_of,
    metadata,
)
from parity.domain.care import (
    AppointmentStatus,
    CancelledBy,
    Channel,
    OfferResponse,
    RequestStatus,
)
from parity.domain.corrective import ActionStatus, FindingStatus
from parity.domain.holds import HoldStatus
from parity.domain.standards import VisitType
from parity.domain.workforce import Modality, ProviderClass

members = Table(
    "members",
    metadata,
    Column("id", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("clinic_id", String, nullable=False),
    Column("language", String, nullable=False),
    Column("modalities", ModalityTuple, nullable=False),
    Column("birth_date", Date, nullable=True),
    Column("phone", String, nullable=False),
    Column("email", String, nullable=False),
    Column("extra", JsonDocument, nullable=False),
    _version(),
    _last_updated(),
    # Member look-up (migration r0010, docs/adr/0015): name parts, gender; indexed below.
    Column("family", String, nullable=False, server_default=""),
    Column("given", String, nullable=False, server_default=""),
    Column("gender", String, nullable=False, server_default="unknown"),
)
# A look-up by name (and birth date) is a prefix match on a lower-cased name part; the
# pattern operator class lets PostgreSQL use the index for `LIKE 'smi%'` under any collation.
Index(
    "ix_members_family_birth",
    func.lower(members.c.family).label("family_lower"),
    members.c.birth_date,
    postgresql_ops={"family_lower": "text_pattern_ops"},
)
Index(
    "ix_members_given",
    func.lower(members.c.given).label("given_lower"),
    postgresql_ops={"given_lower": "text_pattern_ops"},
)
Index("ix_members_birth_date", members.c.birth_date)
Index("ix_members_phone", members.c.phone)
Index("ix_members_clinic_id", members.c.clinic_id)

care_requests = Table(
    "care_requests",
    metadata,
    _id(),
    Column("member_id", String, nullable=False, index=True),
    Column("visit", enum_of(VisitType), nullable=False),
    Column("provider_class", enum_of(ProviderClass), nullable=False),
    Column("language", String, nullable=False),
    Column("modalities", ModalityTuple, nullable=False),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("standard", String, nullable=False),
    Column("clock_start", UtcDateTime, nullable=False),
    Column("deadline", UtcDateTime, nullable=False),
    Column("not_before", UtcDateTime, nullable=False),
    Column("preferred_clinician_id", String, nullable=True),
    Column("prior_authorization", Boolean, nullable=False),
    Column("course_id", Integer, nullable=True),
    Column("prior_appointment_id", Integer, nullable=True),
    Column("extended_deadline", UtcDateTime, nullable=True),
    Column("status", enum_of(RequestStatus), nullable=False, index=True),
    Column("claimed_by", String, nullable=False, server_default=""),  # queue claims
    Column("claimed_at", UtcDateTime, nullable=True),
    Column("member_preferred_from", UtcDateTime, nullable=True),
    Column("preference_recorded_at", UtcDateTime, nullable=True),
    Column("preference_recorded_by", String, nullable=True),
    Column("withdrawn_at", UtcDateTime, nullable=True),
    Column("withdrawn_by", String, nullable=True),
    # How the member said it, and who determined a prior authorisation (migration r0014).
    Column("preference_channel", enum_of(Channel), nullable=True),
    Column("preference_note", String, nullable=False, server_default=""),
    Column("withdrawal_channel", enum_of(Channel), nullable=True),
    Column("withdrawal_note", String, nullable=False, server_default=""),
    Column("prior_authorization_by", String, nullable=True),
    Column("prior_authorization_role", String(32), nullable=True),
    Column("prior_authorization_at", UtcDateTime, nullable=True),
    _version(),
    _last_updated(),
    # The earliest start before the member's first later date (migration r0015).
    Column("planned_not_before", UtcDateTime, nullable=True),
)

# Every later date the member gave, one row each, in the order recorded; the request's row
# holds the latest. Append-only: triggers refuse UPDATE and DELETE (migration r0015,
# docs/adr/0013, 2026-12-08).
later_dates = Table(
    "later_dates",
    metadata,
    _id(),
    _request_ref(),
    Column("preferred_from", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("recorded_by", String, nullable=False),
    Column("channel", enum_of(Channel), nullable=True),
    Column("note", String, nullable=False, server_default=""),
)

holds = Table(
    "holds",
    metadata,
    _id(),
    _request_ref(),
    Column("slot_id", ForeignKey("slots.id"), nullable=False, index=True),
    Column("held_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("status", enum_of(HoldStatus), nullable=False, index=True),
    _version(),
    _last_updated(),
)
# An active hold: the status written as a literal, not a bound value, so the planner can
# match a query that names it to the partial index below, whose predicate it also is (the
# DDL renders it unqualified: `status = 'active'`, as migration r0013 wrote it). A query
# renders it qualified (`holds.status = 'active'`), e.g. the earliest active expiry a
# `$hold`'s read-ahead carries (own_repositories.NEXT_HOLD_EXPIRY; docs/adr/0017).
HOLD_IS_ACTIVE = holds.c.status == literal_column(f"'{HoldStatus.ACTIVE.value}'")
# `$hold` expires the active holds that ran out: a partial index holds only active ones
# (migration r0013, docs/adr/0017-booking-api-speed.md).
Index(
    "ix_holds_active_expires",
    holds.c.expires_at,
    postgresql_where=HOLD_IS_ACTIVE,
    sqlite_where=HOLD_IS_ACTIVE,
)

offers = Table(
    "offers",
    metadata,
    _id(),
    _request_ref(),
    Column("slot_id", ForeignKey("slots.id"), nullable=False),
    Column("clinician_id", ForeignKey("clinicians.id"), nullable=False),
    Column("slot_start", UtcDateTime, nullable=False),
    Column("offered_at", UtcDateTime, nullable=False),
    Column("timely", Boolean, nullable=False),
    Column("response", enum_of(OfferResponse), nullable=False, index=True),
    Column("responded_by", String, nullable=True),
    Column("responded_at", UtcDateTime, nullable=True),
    Column("channel", enum_of(Channel), nullable=False, server_default="portal"),
    Column("offered_by", String, nullable=False, server_default=""),
    Column("response_channel", enum_of(Channel), nullable=True),
    Column("response_note", String, nullable=False, server_default=""),
    _version(),
    _last_updated(),
)

appointments = Table(
    "appointments",
    metadata,
    _id(),
    _request_ref(),
    Column("member_id", String, nullable=False, index=True),
    Column("clinician_id", ForeignKey("clinicians.id"), nullable=False),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("slot_id", ForeignKey("slots.id"), nullable=False, index=True),
    Column("start", UtcDateTime, nullable=False),
    Column("end", UtcDateTime, nullable=False),
    Column("visit", enum_of(VisitType), nullable=False),
    Column("modality", enum_of(Modality), nullable=False),
    Column("booked_at", UtcDateTime, nullable=False),
    Column("status", enum_of(AppointmentStatus), nullable=False),
    Column("cancelled_by", enum_of(CancelledBy), nullable=True),
    Column("cancelled_at", UtcDateTime, nullable=True),
    Column("cancel_reason", String, nullable=False),
    _version(),
    _last_updated(),
    Index(None, "clinician_id", "start"),
    # A slot carries at most one live booking, and a request at most one, whatever code
    # path writes them (the migration creates these; see r0002).
    Index(
        "uq_appointments_booked_slot",
        "slot_id",
        unique=True,
        postgresql_where=text("status = 'booked'"),
        sqlite_where=text("status = 'booked'"),
    ),
    Index(
        "uq_appointments_booked_request",
        "request_id",
        unique=True,
        postgresql_where=text("status = 'booked'"),
        sqlite_where=text("status = 'booked'"),
    ),
)

referrals = Table(
    "referrals",
    metadata,
    _id(),
    _request_ref(),
    Column("member_id", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("deadline", UtcDateTime, nullable=False),
    Column("reason", String, nullable=False),
    Column("explanation", JsonDocument, nullable=False),
    Column("made_by", String, nullable=False, server_default=""),
    Column("outside_provider", String, nullable=False, server_default=""),
    Column("appointment_at", UtcDateTime, nullable=True),
    Column("in_network_cost_sharing", Boolean, nullable=False, server_default=true()),
    _version(),
    _last_updated(),
)

clinical_exceptions = Table(
    "clinical_exceptions",
    metadata,
    _id(),
    _request_ref(),
    Column("author", String, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("reason", String, nullable=False),
    Column("extended_deadline", UtcDateTime, nullable=False),
    Column("author_role", String(ENUM_LENGTH), nullable=False, server_default=""),
    Column("clinician_id", String, nullable=True),
    Column("late", Boolean, nullable=False, server_default=false()),
    _version(),
    _last_updated(),
)

courses = Table(
    "courses",
    metadata,
    _id(),
    Column("member_id", String, nullable=False, index=True),
    Column("clinician_id", ForeignKey("clinicians.id"), nullable=False),
    Column("provider_class", enum_of(ProviderClass), nullable=False),
    Column("language", String, nullable=False),
    Column("modalities", ModalityTuple, nullable=False),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("cadence_days", Integer, nullable=False),
    Column("sessions_planned", Integer, nullable=False),
    Column("sessions_done", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    _version(),
)

findings = Table(
    "findings",
    metadata,
    _id(),
    Column("metric", String, nullable=False),
    Column("clinic_id", String, nullable=False),
    Column("standard_class", String, nullable=False),
    Column("period", String, nullable=False),
    Column("value", Float, nullable=False),
    Column("threshold", Float, nullable=False),
    Column("detected_at", UtcDateTime, nullable=False),
    Column("status", enum_of(FindingStatus), nullable=False),
    Column("note", String, nullable=False),
    _version(),
)

actions = Table(
    "actions",
    metadata,
    _id(),
    Column("finding_id", ForeignKey("findings.id"), nullable=False, index=True),
    Column("description", String, nullable=False),
    Column("owner", String, nullable=False),
    Column("due", Date, nullable=False),
    Column("status", enum_of(ActionStatus), nullable=False),
    Column("updated_at", UtcDateTime, nullable=True),
    _version(),
)
