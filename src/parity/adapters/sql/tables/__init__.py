"""The schema as SQLAlchemy Core tables: what the repositories query.

Alembic owns the schema (migrations/versions/); these tables describe it for queries, and
an integration test checks that the two agree. Column names are the domain's attribute
names, so a row maps to its dataclass field by field (mapping.py). Enums are stored as
their string values; instants through `UtcDateTime`.
"""

from __future__ import annotations

from parity.adapters.sql.tables.access import (
    audit_event_members,
    audit_events,
    login_attempts,
    revoked_tokens,
    users,
)
from parity.adapters.sql.tables.care import (
    HOLD_IS_ACTIVE,
    actions,
    appointments,
    care_requests,
    clinical_exceptions,
    courses,
    findings,
    holds,
    later_dates,
    members,
    offers,
    referrals,
)
from parity.adapters.sql.tables.common import ENUM_LENGTH, MAX_SPAN, enum_of, metadata
from parity.adapters.sql.tables.outbox import messages, waitlist_entries
from parity.adapters.sql.tables.workforce import (
    availability_exceptions,
    clinician_languages,
    clinician_modalities,
    clinicians,
    clinics,
    ipc_weeks,
    protected_times,
    slots,
    templates,
)

__all__ = [
    "ENUM_LENGTH",
    "HOLD_IS_ACTIVE",
    "MAX_SPAN",
    "actions",
    "appointments",
    "audit_event_members",
    "audit_events",
    "availability_exceptions",
    "care_requests",
    "clinical_exceptions",
    "clinician_languages",
    "clinician_modalities",
    "clinicians",
    "clinics",
    "courses",
    "enum_of",
    "findings",
    "holds",
    "ipc_weeks",
    "later_dates",
    "login_attempts",
    "members",
    "messages",
    "metadata",
    "offers",
    "protected_times",
    "referrals",
    "revoked_tokens",
    "slots",
    "templates",
    "users",
    "waitlist_entries",
]
