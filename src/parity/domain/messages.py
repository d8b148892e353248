"""Member messages: an outbox of offers, confirmations, reminders and cancellations.

Every message is recorded before it is sent, so delivery is accountable (who was told what,
when, through which channel) and a failed send is retried. Texts are rendered from
templates kept as data (data/messages.toml) with only what the member needs: their first
name, the time and the clinic, never the diagnosis or the visit type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from string import Template
from typing import Protocol

from parity.domain.errors import InvalidInput


class MessageKind(StrEnum):
    OFFER = "offer"
    CONFIRMATION = "confirmation"
    REMINDER = "reminder"
    CANCELLATION = "cancellation"


class MessageStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class ChannelKind(StrEnum):
    EMAIL = "email"
    SMS = "sms"


@dataclass(slots=True)
class Message:
    """One message to one member. `key` names what it is about (e.g. `offer:12`,
    `reminder:48h:appointment:7`) so the same message is never queued twice."""

    key: str
    member_id: str
    kind: MessageKind
    channel: ChannelKind
    address: str
    context: dict[str, str]
    created_at: datetime
    due_at: datetime
    status: MessageStatus = MessageStatus.QUEUED
    attempts: int = 0
    sent_at: datetime | None = None
    error: str = ""
    id: int = 0

    def delivered(self, at: datetime) -> None:
        self.status = MessageStatus.SENT
        self.sent_at = at
        self.attempts += 1
        self.error = ""

    def failed(self, error: str) -> None:
        self.status = MessageStatus.FAILED
        self.attempts += 1
        self.error = error[:500]

    def is_due(self, now: datetime, max_attempts: int) -> bool:
        waiting = self.status is MessageStatus.QUEUED or (
            self.status is MessageStatus.FAILED and self.attempts < max_attempts
        )
        return waiting and self.due_at <= now


@dataclass(frozen=True, slots=True)
class MessageTemplate:
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready for a channel: the address, the subject (e-mail only) and the text."""

    message_id: int
    kind: MessageKind
    address: str
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class MessageCatalogue:
    """The templates per kind (`$first_name`, `$when`, `$clinic`, `$link`...)."""

    templates: dict[MessageKind, MessageTemplate] = field(default_factory=dict)

    def render(self, message: Message, extra: dict[str, str] | None = None) -> Rendered:
        template = self.templates.get(message.kind)
        if template is None:
            raise InvalidInput(f"no message template for {message.kind}")
        values = {**message.context, **(extra or {})}
        try:
            subject = Template(template.subject).substitute(values)
            body = Template(template.body).substitute(values)
        except KeyError as missing:
            raise InvalidInput(f"the {message.kind} template needs {missing}") from None
        return Rendered(message.id, message.kind, message.address, subject, body)


def first_name(full_name: str) -> str:
    """Address the member by first name only: enough to be personal, little to leak."""
    parts = full_name.split()
    return parts[0] if parts else "there"


class DeliveryFailed(Exception):
    """A channel could not deliver a message (kept on the outbox, retried later)."""


class MessageChannel(Protocol):
    """Something that delivers rendered messages: e-mail over SMTP, an SMS gateway..."""

    kind: ChannelKind

    def send(self, message: Rendered) -> None:
        """Deliver or raise `DeliveryFailed`."""
        ...


@dataclass(frozen=True, slots=True)
class MessageRules:
    """Reminder lead times (e.g. 48 h and 2 h before a visit), how many times a failed send
    is tried, and the templates (data/messages.toml)."""

    reminder_leads: tuple[timedelta, ...]
    max_attempts: int
    catalogue: MessageCatalogue

    def reminder_lead(self, start: datetime, now: datetime) -> timedelta | None:
        """The tightest lead time already reached for a visit at `start` (None: too early,
        or the visit has begun)."""
        if now >= start:
            return None
        reached = [lead for lead in self.reminder_leads if start - lead <= now]
        return min(reached) if reached else None
