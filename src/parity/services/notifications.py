"""Send what is due on the messages outbox, and queue the reminders that have come due.

Each message is sent in its own transaction and marked sent or failed (with the error and
the attempt count), so one bad address never holds up the rest and a failed send is tried
again on the next run, up to `policy.messages.max_attempts`. Delivery is at least once: a
crash between a send and its commit sends that one message again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from parity.domain.care import AppointmentStatus
from parity.domain.messages import (
    ChannelKind,
    DeliveryFailed,
    Message,
    MessageChannel,
    MessageKind,
    MessageStatus,
)
from parity.domain.ports import Clock, UnitOfWork
from parity.services.outbox import queue_about_slot
from parity.services.policy import Policy

# Values a message needs only when it is sent (e.g. a signed link that expires).
LinkValues = Callable[[Message], dict[str, str]]


@dataclass(frozen=True, slots=True)
class Delivery:
    sent: int
    failed: int
    reminders_queued: int


def queue_reminders(uow: UnitOfWork, clock: Clock, policy: Policy) -> int:
    """Queue one reminder per booked visit for the tightest lead time reached (48 h, then
    2 h before, by default); a visit booked at short notice gets only the later one."""
    now = clock.now()
    queued = 0
    with uow:
        for visit in uow.appointments.where(status=AppointmentStatus.BOOKED):
            lead = policy.messages.reminder_lead(visit.start, now)
            if lead is None:
                continue
            key = f"reminder:{lead.total_seconds() / 3600:g}h:appointment:{visit.id}"
            slot = uow.slots.get(visit.slot_id)
            tz = policy.rules.timezone
            made = queue_about_slot(uow, key, visit.member_id, MessageKind.REMINDER, slot, tz, now)
            queued += made is not None
        uow.commit()
    return queued


def due_messages(uow: UnitOfWork, clock: Clock, policy: Policy) -> list[Message]:
    now, attempts = clock.now(), policy.messages.max_attempts
    with uow:
        waiting = [
            *uow.messages.where(status=MessageStatus.QUEUED),
            *uow.messages.where(status=MessageStatus.FAILED),
        ]
    return sorted((m for m in waiting if m.is_due(now, attempts)), key=lambda m: m.id)


def send_due(
    uow: UnitOfWork,
    channels: Mapping[ChannelKind, MessageChannel],
    clock: Clock,
    policy: Policy,
    links: LinkValues,
) -> Delivery:
    """Queue due reminders, then send every due message through its channel."""
    reminders = queue_reminders(uow, clock, policy)
    sent = failed = 0
    for message in due_messages(uow, clock, policy):
        if _send_one(message.id, uow, channels, clock, policy, links):
            sent += 1
        else:
            failed += 1
    return Delivery(sent, failed, reminders)


def _send_one(
    message_id: int,
    uow: UnitOfWork,
    channels: Mapping[ChannelKind, MessageChannel],
    clock: Clock,
    policy: Policy,
    links: LinkValues,
) -> bool:
    with uow:
        message = uow.messages.get(message_id)
        try:
            channel = channels.get(message.channel)
            if channel is None:
                raise DeliveryFailed(f"no {message.channel} channel is configured")
            channel.send(policy.messages.catalogue.render(message, links(message)))
            message.delivered(clock.now())
        except DeliveryFailed as error:
            message.failed(str(error))
        uow.messages.save(message)
        uow.commit()
    return message.status is MessageStatus.SENT
