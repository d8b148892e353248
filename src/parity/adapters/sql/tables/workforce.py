"""Clinics, clinicians and their schedule: templates, exceptions, slots, protected time and
the weekly IPC ledger."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    text,
)

from parity.adapters.sql.column_types import JsonDocument, TextTuple, UtcDateTime
from parity.adapters.sql.tables.common import (
    _id,
    _last_updated,
    _version,
    enum_of,
    metadata,
)
from parity.domain.schedule import BlockKind, ExceptionKind, SlotStatus
from parity.domain.workforce import Discipline, Modality, ProviderClass

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
