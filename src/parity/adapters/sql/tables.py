"""The schema as SQLAlchemy Core tables: what the repositories query.

Alembic owns the schema (migrations/versions/); these tables describe it for queries, and
an integration test checks that the two agree. Column names are the domain's attribute
names, so a row maps to its dataclass field by field (mapping.py). Enums are stored as
their string values; instants through `UtcDateTime`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    false,
    func,
    text,
    true,
)

from parity.adapters.clock import SystemClock
from parity.adapters.sql.column_types import JsonDocument, ModalityTuple, TextTuple, UtcDateTime
from parity.domain.audit import AuditAction
from parity.domain.care import (
    AppointmentStatus,
    CancelledBy,
    Channel,
    OfferResponse,
    RequestStatus,
)
from parity.domain.corrective import ActionStatus, FindingStatus
from parity.domain.holds import HoldStatus
from parity.domain.messages import ChannelKind, MessageKind, MessageStatus
from parity.domain.schedule import BlockKind, ExceptionKind, SlotStatus
from parity.domain.standards import VisitType
from parity.domain.users import Role
from parity.domain.waitlist import WaitReason, WaitStatus
from parity.domain.workforce import Discipline, Modality, ProviderClass

ENUM_LENGTH = 32
# A slot, an appointment or a protected block never spans more than a day (a CHECK in the
# migration), so an overlap search can start one day before the interval it tests and read
# one day of the (clinician_id, start) index instead of the clinician's whole history.
MAX_SPAN = timedelta(days=1)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def enum_of(kind: type[StrEnum]) -> Enum:
    """A string column holding an enum's values (not its names), read back as the enum."""
    return Enum(
        kind,
        native_enum=False,
        create_constraint=False,
        length=ENUM_LENGTH,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


_NEXT_VERSION = text("version + 1")


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def _version() -> Column[int]:
    # Optimistic concurrency: `save` writes only the version it read (repositories.py).
    # Any other Core UPDATE counts a write too (FHIR `meta.versionId`, docs/adr/0015).
    return Column(
        "version", Integer, nullable=False, server_default=text("1"), onupdate=_NEXT_VERSION
    )


def _last_updated() -> Column[datetime]:
    # When the row last changed (FHIR `meta.lastUpdated`, docs/adr/0015): set on insert and
    # by every Core UPDATE that does not set it itself (`onupdate`), whichever code path.
    return Column("last_updated", UtcDateTime, nullable=True, default=_now, onupdate=_now)


def _now() -> datetime:
    return SystemClock().now()


def _request_ref() -> Column[int]:
    return Column("request_id", ForeignKey("care_requests.id"), nullable=False, index=True)


clinics = Table(
    "clinics",
    metadata,
    Column("id", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("address", String, nullable=False),
    Column("timezone", String, nullable=False),
    Column("county", String, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    _version(),
    _last_updated(),
)

clinicians = Table(
    "clinicians",
    metadata,
    Column("id", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("discipline", enum_of(Discipline), nullable=False),
    # Derived from the discipline, stored so slot searches can filter on it in SQL.
    Column("provider_class", enum_of(ProviderClass), nullable=False, index=True),
    Column("fte", Float, nullable=False),
    Column("clinic_ids", TextTuple, nullable=False),
    _version(),
    _last_updated(),
)

clinician_languages = Table(
    "clinician_languages",
    metadata,
    Column("clinician_id", ForeignKey("clinicians.id", ondelete="CASCADE"), primary_key=True),
    Column("language", String, primary_key=True),
    Index(None, "language", "clinician_id"),
)

clinician_modalities = Table(
    "clinician_modalities",
    metadata,
    Column("clinician_id", ForeignKey("clinicians.id", ondelete="CASCADE"), primary_key=True),
    Column("modality", enum_of(Modality), primary_key=True),
)

templates = Table(
    "templates",
    metadata,
    Column("clinician_id", ForeignKey("clinicians.id"), primary_key=True),
    Column("blocks", JsonDocument, nullable=False),
    _version(),
)

availability_exceptions = Table(
    "availability_exceptions",
    metadata,
    _id(),
    Column("clinician_id", ForeignKey("clinicians.id"), nullable=False, index=True),
    Column("kind", enum_of(ExceptionKind), nullable=False),
    Column("start", UtcDateTime, nullable=False),
    Column("end", UtcDateTime, nullable=False),
    Column("reason", String, nullable=False),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=True),
    Column("slot_kind", enum_of(BlockKind), nullable=False),
    Column("slot_minutes", Integer, nullable=False),
    Column("withdrawn_at", UtcDateTime, nullable=True),  # a removed leave keeps its row
    _version(),
)

slots = Table(
    "slots",
    metadata,
    _id(),
    Column("clinician_id", ForeignKey("clinicians.id"), nullable=False),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("start", UtcDateTime, nullable=False),
    Column("end", UtcDateTime, nullable=False),
    Column("kind", enum_of(BlockKind), nullable=False),
    Column("status", enum_of(SlotStatus), nullable=False),
    # A counter bumped by every Core UPDATE (booking, hold, release: adapters/sql/slots.py).
    Column(
        "version", Integer, nullable=False, server_default=text("1"), onupdate=text("version + 1")
    ),
    _last_updated(),
    Index(None, "clinician_id", "start"),
    # "Earliest free slot" walks free slots in start order: a partial index holds only them.
    Index(
        "ix_slots_free_start",
        "start",
        "id",
        postgresql_where=text("status = 'free'"),
        sqlite_where=text("status = 'free'"),
    ),
    # ... and in-person searches walk one clinic's free slots (migration r0004).
    Index(
        "ix_slots_free_clinic_start",
        "clinic_id",
        "start",
        postgresql_where=text("status = 'free'"),
        sqlite_where=text("status = 'free'"),
    ),
)

protected_times = Table(
    "protected_times",
    metadata,
    _id(),
    Column("clinician_id", ForeignKey("clinicians.id"), nullable=False),
    Column("start", UtcDateTime, nullable=False),
    Column("end", UtcDateTime, nullable=False),
    Column("source", String, nullable=False),
    Index(None, "clinician_id", "start"),
)

ipc_weeks = Table(
    "ipc_weeks",
    metadata,
    Column("clinician_id", ForeignKey("clinicians.id"), primary_key=True),
    Column("week_start", Date, primary_key=True, index=True),
    Column("guaranteed_minutes", Integer, nullable=False),
    Column("kept_minutes", Integer, nullable=False),
)

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
    _version(),
    _last_updated(),
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
# `$hold` expires the active holds that ran out: a partial index holds only active ones
# (migration r0013, docs/adr/0017-booking-api-speed.md).
Index(
    "ix_holds_active_expires",
    holds.c.expires_at,
    postgresql_where=text("status = 'active'"),
    sqlite_where=text("status = 'active'"),
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

# -- the waitlist and the messages outbox (migration r0006) --------------------------------

waitlist_entries = Table(
    "waitlist_entries",
    metadata,
    _id(),
    _request_ref(),
    Column("member_id", String, nullable=False),
    Column("standard", String, nullable=False),
    Column("deadline", UtcDateTime, nullable=False),
    Column("reason", enum_of(WaitReason), nullable=False),
    Column("joined_at", UtcDateTime, nullable=False),
    Column("preferences", JsonDocument, nullable=False),
    Column("head_of_line", Boolean, nullable=False),
    Column("status", enum_of(WaitStatus), nullable=False, index=True),
    Column("earlier_than", UtcDateTime, nullable=True),
    Column("passed_slot_ids", JsonDocument, nullable=False),
    Column("updated_at", UtcDateTime, nullable=True),
    _version(),
    _last_updated(),
)

messages = Table(
    "messages",
    metadata,
    _id(),
    Column("key", String, nullable=False, unique=True),
    Column("member_id", String, nullable=False, index=True),
    Column("kind", enum_of(MessageKind), nullable=False),
    Column("channel", enum_of(ChannelKind), nullable=False),
    Column("address", String, nullable=False),
    Column("context", JsonDocument, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("status", enum_of(MessageStatus), nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("error", String, nullable=False),
    _version(),
)

# -- users and the audit trail (migration r0007) ------------------------------------------

users = Table(
    "users",
    metadata,
    _id(),
    Column("username", String(64), nullable=False, unique=True),
    Column("role", enum_of(Role), nullable=False),
    Column("password_hash", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("member_id", String, nullable=True),
    Column("clinician_id", String, nullable=True),
    Column("clinic_ids", TextTuple, nullable=False),
    Column("active", Boolean, nullable=False),
    _version(),
)

# Append-only: triggers refuse UPDATE and DELETE (migrations/versions/r0007).
audit_events = Table(
    "audit_events",
    metadata,
    _id(),
    Column("recorded", UtcDateTime, nullable=False, index=True),
    Column("agent", String, nullable=False, index=True),
    Column("role", String(ENUM_LENGTH), nullable=False),
    Column("action", enum_of(AuditAction), nullable=False),
    Column("entity_type", String, nullable=False),
    Column("entity_id", String, nullable=False),
    Column("member_id", String, nullable=True, index=True),
    Column("source", String, nullable=False),
    Column("route", String, nullable=False),
    Column("outcome", Integer, nullable=False),
)

# ADR 0012: every member an event is about, one row each (searched by member), written in
# the event's transaction; append-only like the events (migrations/versions/r0009).
audit_event_members = Table(
    "audit_event_members",
    metadata,
    Column("event_id", ForeignKey("audit_events.id"), primary_key=True),
    Column("member_id", String, primary_key=True, index=True),
)

# Tokens revoked before their expiry (logout), kept until they would have expired.
revoked_tokens = Table(
    "revoked_tokens",
    metadata,
    Column("jti", String(64), primary_key=True),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)

# Login attempts per key (`pair:user|ip`, `user:name`, `address:ip`) and fixed window,
# counted before the password is checked and shared by every worker process.
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("window_start", UtcDateTime, primary_key=True),
    Column("attempts", Integer, nullable=False),
)
