"""The waitlist and the messages outbox (migration r0006)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    String,
    Table,
)

from parity.adapters.sql.column_types import JsonDocument, UtcDateTime
from parity.adapters.sql.tables.common import (
    _id,
    _last_updated,
    _request_ref,
    _version,
    enum_of,
    metadata,
)
from parity.domain.messages import ChannelKind, MessageKind, MessageStatus
from parity.domain.waitlist import WaitReason, WaitStatus

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
