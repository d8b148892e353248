"""Column types that keep the domain's values exact on SQLite and PostgreSQL alike.

Instants are stored in UTC. PostgreSQL keeps the offset (`timestamptz`); SQLite has no
date type, so instants are written as naive UTC text in one fixed format, which also makes
them sort and compare correctly as strings (the protected-time triggers rely on that).
Either way they come back as aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB

from parity.domain.workforce import Modality

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """An aware instant, stored in UTC, returned as an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(
                f"refusing a naive datetime {value.isoformat()}: instants carry a zone"
            )
        instant = value.astimezone(UTC)
        return instant.replace(tzinfo=None) if dialect.name == "sqlite" else instant

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ModalityTuple(TypeDecorator[tuple[Modality, ...]]):
    """An ordered tuple of modalities (a member's or a request's preference order), as JSON."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        return dialect.type_descriptor(JsonDocument)

    def process_bind_param(
        self, value: Sequence[Modality] | None, dialect: Dialect
    ) -> list[str] | None:
        return None if value is None else [Modality(m).value for m in value]

    def process_result_value(
        self, value: list[str] | None, dialect: Dialect
    ) -> tuple[Modality, ...] | None:
        return None if value is None else tuple(Modality(m) for m in value)


class TextTuple(TypeDecorator[tuple[str, ...]]):
    """An ordered tuple of strings (a clinician's clinics, home clinic first), as JSON."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        return dialect.type_descriptor(JsonDocument)

    def process_bind_param(self, value: Sequence[str] | None, dialect: Dialect) -> list[str] | None:
        return None if value is None else list(value)

    def process_result_value(
        self, value: list[str] | None, dialect: Dialect
    ) -> tuple[str, ...] | None:
        return None if value is None else tuple(value)
