"""Users, the audit trail and login defences (migrations r0007 and later)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
)

from parity.adapters.sql.column_types import TextTuple, UtcDateTime
from parity.adapters.sql.tables.common import (
    ENUM_LENGTH,
    _id,
    _version,
    enum_of,
    metadata,
)
from parity.domain.audit import AuditAction
from parity.domain.users import Role

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
