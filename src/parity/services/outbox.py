"""Queue member messages on the outbox inside the caller's transaction.

A message is recorded with the booking, offer or cancellation it is about, so it is sent
if and only if that change commits (`parity messages send-due` sends it). A member with
neither an e-mail address nor a phone number, or one not registered, gets no message.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from parity.domain.members import Member
from parity.domain.messages import ChannelKind, Message, MessageKind, first_name
from parity.domain.ports import UnitOfWork
from parity.domain.schedule import Slot


def local_when(instant: datetime, tz: ZoneInfo) -> str:
    """A visit time as the member reads it: on the clinic's local clock."""
    local = instant.astimezone(tz)
    return f"{local:%A} {local.day} {local:%B %Y at %H:%M} ({local.tzname()})"


def slot_context(uow: UnitOfWork, member_name: str, slot: Slot, tz: ZoneInfo) -> dict[str, str]:
    """First name, time and clinic: what every message may say, and no more."""
    return {
        "first_name": first_name(member_name),
        "when": local_when(slot.start, tz),
        "clinic": uow.clinics.get(slot.clinic_id).name,
    }


def _contact(member: Member) -> tuple[ChannelKind, str]:
    """E-mail when the member has an address, otherwise SMS (empty: no way to reach them)."""
    return (ChannelKind.EMAIL, member.email) if member.email else (ChannelKind.SMS, member.phone)


def queue_message(
    uow: UnitOfWork,
    key: str,
    member_id: str,
    kind: MessageKind,
    context: dict[str, str],
    now: datetime,
    due_at: datetime | None = None,
) -> Message | None:
    """Record a message for a member (once per `key`); e-mail when the member has an
    address, otherwise SMS."""
    members = uow.members.where(id=member_id)
    if not members:
        return None
    member = members[0]
    channel, address = _contact(member)
    if not address or uow.messages.where(key=key):
        return None
    full = {"first_name": first_name(member.name), **context}
    message = Message(key, member_id, kind, channel, address, full, now, due_at or now)
    return uow.messages.add(message)


def queue_about_slot(
    uow: UnitOfWork,
    key: str,
    member_id: str,
    kind: MessageKind,
    slot: Slot,
    tz: ZoneInfo,
    now: datetime,
    extra: dict[str, str] | None = None,
) -> Message | None:
    """A message about one visit time (offer, confirmation, cancellation)."""
    members = uow.members.where(id=member_id)
    if not members or not _contact(members[0])[1]:
        return None  # nobody to tell: the clinic and the outbox are not read
    context = slot_context(uow, members[0].name, slot, tz) | (extra or {})
    return queue_message(uow, key, member_id, kind, context, now)
