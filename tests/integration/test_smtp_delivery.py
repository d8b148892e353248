"""E-mail goes out through real `smtplib` to a real SMTP server (aiosmtpd, started here on a
free local port): an offer's message arrives with its headers and text, on SQLite and
PostgreSQL, and a server that is down leaves the message failed, to be retried."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from email import message_from_bytes
from email.message import Message as Email

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sql_support import Region, initial_request

from parity.adapters.channels import SmtpEmail, SmtpSettings
from parity.adapters.message_files import load_outreach
from parity.domain.care import CancelledBy
from parity.domain.members import Member
from parity.domain.messages import ChannelKind, Message, MessageStatus
from parity.services.booking import BookRequest, book_request
from parity.services.members import register_member
from parity.services.notifications import send_due
from parity.services.requests import open_request
from parity.services.visits import CancelAppointment, cancel_appointment

SENDER = "Parity <parity@plan.example>"


class Inbox:
    """What the SMTP server received, parsed."""

    def __init__(self) -> None:
        self.received: list[tuple[Envelope, Email]] = []

    async def handle_DATA(  # noqa: N802 (the name aiosmtpd calls)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        self.received.append((envelope, message_from_bytes(content)))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _links(message: Message) -> dict[str, str]:
    return {"link": f"https://parity.example/app/offers/respond?token=t{message.id}"}


def _offer_waiting(region: Region) -> Region:
    """Fill ana's six Wednesday intakes (two weeks), let a seventh member wait, free one."""
    rules, messages = load_outreach()
    on = Region(region.uow, region.clock, replace(region.policy, waitlist=rules, messages=messages))
    booked = []
    for member in [f"m{n}" for n in range(1, 8)]:
        register_member(
            Member(member, f"Pat {member}", "north", email=f"{member}@example.org"), on.uow
        )
        request = open_request(initial_request(member), on.uow, on.clock, on.policy)
        booked.append(book_request(BookRequest(request.id), on.uow, on.clock, on.policy))
    assert booked[-1].action == "waitlisted"
    cmd = CancelAppointment(booked[0].appointment_id or 0, CancelledBy.MEMBER)
    cancel_appointment(cmd, on.uow, on.clock, on.policy)
    return on


def test_an_offer_e_mail_reaches_the_smtp_server_with_its_headers_and_text(
    region: Region, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    on = _offer_waiting(region)
    email = SmtpEmail(SmtpSettings("127.0.0.1", port, SENDER, tls="none"))
    result = send_due(on.uow, {ChannelKind.EMAIL: email}, on.clock, on.policy, _links)
    assert (result.sent, result.failed) == (2, 0)  # m1's cancellation, m7's offer
    by_recipient = {envelope.rcpt_tos[0]: mail for envelope, mail in inbox.received}
    offer = by_recipient["m7@example.org"]
    assert offer["From"] == SENDER
    assert offer["To"] == "m7@example.org"
    assert offer["Subject"] == "An earlier appointment is available"
    assert offer["Message-ID"]
    payload = offer.get_payload(decode=True)
    assert isinstance(payload, bytes)
    body = payload.decode()
    assert "Hello Pat," in body
    assert "North Clinic" in body
    assert "https://parity.example/app/offers/respond?token=t" in body
    assert by_recipient["m1@example.org"]["Subject"] == "Your appointment was cancelled"
    with on.uow:
        assert {m.status for m in on.uow.messages.list()} == {MessageStatus.SENT}


def test_with_the_server_down_the_message_is_kept_failed_and_sent_on_the_next_run(
    region: Region, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    on = _offer_waiting(region)
    down = SmtpEmail(SmtpSettings("127.0.0.1", _free_port(), SENDER, tls="none"))
    failed = send_due(on.uow, {ChannelKind.EMAIL: down}, on.clock, on.policy, _links)
    assert (failed.sent, failed.failed) == (0, 2)
    with on.uow:
        stored = on.uow.messages.list()
    assert all(m.status is MessageStatus.FAILED and m.attempts == 1 for m in stored)
    assert all("SMTP 127.0.0.1" in m.error for m in stored)
    up = SmtpEmail(SmtpSettings("127.0.0.1", port, SENDER, tls="none"))
    retried = send_due(on.uow, {ChannelKind.EMAIL: up}, on.clock, on.policy, _links)
    assert (retried.sent, retried.failed) == (2, 0)
    assert len(inbox.received) == 2
