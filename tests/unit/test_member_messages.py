"""Member messages: templates say only first name, time and clinic; the outbox sends what is
due through its channel, retries failures, and queues one reminder per lead time reached."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

from unit_support import Region
from waitlist_support import book, full_region

from parity.adapters.channels import ConsoleSms, FileSms
from parity.domain.care import CancelledBy
from parity.domain.members import Member
from parity.domain.messages import (
    ChannelKind,
    DeliveryFailed,
    Message,
    MessageChannel,
    MessageKind,
    MessageStatus,
    Rendered,
)
from parity.services.members import register_member
from parity.services.notifications import send_due
from parity.services.visits import CancelAppointment, cancel_appointment


class Outbox:
    """A channel that keeps what it is given, or fails the first `failures` sends."""

    def __init__(self, kind: ChannelKind, failures: int = 0) -> None:
        self.kind = kind
        self.failures = failures
        self.sent: list[Rendered] = []

    def send(self, message: Rendered) -> None:
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("mail server said no")
        self.sent.append(message)


def _links(message: Message) -> dict[str, str]:
    return {"link": f"https://parity.example/offer/{message.context.get('offer_id', '')}"}


def _offered(region: Region) -> Region:
    on, booked = full_region(region)
    book(on, "w1")
    cmd = CancelAppointment(booked[0].appointment_id or 0, CancelledBy.MEMBER)
    cancel_appointment(cmd, on.uow, on.clock, on.policy)
    return on


def test_an_offer_message_names_the_first_name_time_clinic_and_link_and_nothing_clinical(
    region: Region,
) -> None:
    on = _offered(region)
    email = Outbox(ChannelKind.EMAIL)
    send_due(on.uow, {ChannelKind.EMAIL: email}, on.clock, on.policy, _links)
    (offer,) = [m for m in email.sent if m.kind is MessageKind.OFFER]
    assert offer.address == "w1@example.org"
    assert "Hello Pat," in offer.body
    assert "W1 Example" not in offer.body  # first name only
    assert "North Clinic" in offer.body
    assert "Wednesday 3 June 2026 at 09:00" in offer.body
    assert "https://parity.example/offer/" in offer.body
    for clinical in ("therapy", "therapist", "initial", "mental"):
        assert clinical not in (offer.subject + offer.body).lower()


def test_a_sent_message_is_marked_sent_and_not_sent_twice(region: Region) -> None:
    on = _offered(region)
    email = Outbox(ChannelKind.EMAIL)
    first = send_due(on.uow, {ChannelKind.EMAIL: email}, on.clock, on.policy, _links)
    again = send_due(on.uow, {ChannelKind.EMAIL: email}, on.clock, on.policy, _links)
    assert first.sent == len(email.sent) >= 2  # the cancellation and the offer
    assert again.sent == 0
    assert all(m.status is MessageStatus.SENT and m.sent_at for m in on.uow.messages.list())


def test_a_failed_send_is_recorded_and_retried_on_the_next_run(region: Region) -> None:
    on = _offered(region)
    total = len(on.uow.messages.list())
    email = Outbox(ChannelKind.EMAIL, failures=total)
    first = send_due(on.uow, {ChannelKind.EMAIL: email}, on.clock, on.policy, _links)
    assert (first.sent, first.failed) == (0, total)
    failed = on.uow.messages.list()
    assert all(m.status is MessageStatus.FAILED and m.attempts == 1 for m in failed)
    assert all("mail server said no" in m.error for m in failed)
    second = send_due(on.uow, {ChannelKind.EMAIL: email}, on.clock, on.policy, _links)
    assert (second.sent, second.failed) == (total, 0)


def test_reminders_come_at_each_lead_time_once(region: Region) -> None:
    on, booked = full_region(region)
    visit = on.uow.appointments.get(booked[0].appointment_id or 0)
    email = Outbox(ChannelKind.EMAIL)

    def reminders() -> list[str]:
        return [m.key for m in on.uow.messages.list() if m.kind is MessageKind.REMINDER]

    on.clock.set(visit.start - timedelta(hours=49))
    send_due(on.uow, {ChannelKind.EMAIL: email}, on.clock, on.policy, _links)
    assert f"reminder:48h:appointment:{visit.id}" not in reminders()
    on.clock.set(visit.start - timedelta(hours=47))
    send_due(on.uow, {ChannelKind.EMAIL: email}, on.clock, on.policy, _links)
    send_due(on.uow, {ChannelKind.EMAIL: email}, on.clock, on.policy, _links)
    assert reminders().count(f"reminder:48h:appointment:{visit.id}") == 1
    on.clock.set(visit.start - timedelta(hours=1))
    send_due(on.uow, {ChannelKind.EMAIL: email}, on.clock, on.policy, _links)
    assert f"reminder:2h:appointment:{visit.id}" in reminders()
    assert any(m.kind is MessageKind.REMINDER and "reminder" in m.body for m in email.sent)


def test_a_member_without_e_mail_gets_an_sms_written_as_a_json_line(
    region: Region, tmp_path: Path
) -> None:
    on, booked = full_region(region)
    register_member(Member("s1", "Sam Example", "north", phone="+1 555 0100"), on.uow)
    book(on, "s1")
    cmd = CancelAppointment(booked[0].appointment_id or 0, CancelledBy.MEMBER)
    cancel_appointment(cmd, on.uow, on.clock, on.policy)
    sms = FileSms(tmp_path / "sms")
    channels: dict[ChannelKind, MessageChannel] = {
        ChannelKind.SMS: sms,
        ChannelKind.EMAIL: Outbox(ChannelKind.EMAIL),
    }
    send_due(on.uow, channels, on.clock, on.policy, _links)
    lines = [json.loads(line) for line in sms.path.read_text().splitlines()]
    assert [(line["to"], line["kind"]) for line in lines] == [("+1 555 0100", "offer")]
    assert "Hello Sam," in lines[0]["text"]
    assert "North Clinic" in lines[0]["text"]


def test_the_console_channel_prints_the_text() -> None:
    stream = io.StringIO()
    ConsoleSms(stream).send(Rendered(1, MessageKind.REMINDER, "+1 555 0100", "", "See you soon"))
    assert stream.getvalue() == "SMS to +1 555 0100: See you soon\n"


def test_a_message_without_a_channel_fails_with_a_reason(region: Region) -> None:
    on = _offered(region)
    result = send_due(on.uow, {}, on.clock, on.policy, _links)
    assert result.sent == 0
    assert result.failed >= 1
    assert all("no email channel" in m.error for m in on.uow.messages.list())
