"""The schema's shared parts: the metadata with its naming convention, the enum column type
and the id, version and last-updated columns every record table carries."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    Column,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    text,
)

from parity.adapters.clock import SystemClock
from parity.adapters.sql.column_types import UtcDateTime

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
