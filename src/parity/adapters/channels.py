"""Message channels: e-mail over SMTP (the standard library's `smtplib`), and SMS through
a file (one JSON line per message, for development and tests) or the console.

A real SMS gateway plugs in the same way: anything with `kind` and `send(rendered)` that
raises `DeliveryFailed` when it cannot deliver.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import sys
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import TextIO

from parity.domain.messages import ChannelKind, DeliveryFailed, Rendered

SMTP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    user: str = ""
    password: str = ""
    # "starttls" upgrades a plain connection, "ssl" connects over TLS, "none" is plain
    # (a local relay or a test server only).
    tls: str = "starttls"


class SmtpEmail:
    """E-mail through an SMTP server."""

    kind = ChannelKind.EMAIL

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, message: Rendered) -> None:
        email = EmailMessage()
        email["From"] = self.settings.sender
        email["To"] = message.address
        email["Subject"] = message.subject
        email["Message-ID"] = make_msgid(idstring=f"parity-{message.message_id}")
        email["X-Parity-Message"] = str(message.message_id)
        email.set_content(message.body)
        try:
            with self._connect() as server:
                if self.settings.user:
                    server.login(self.settings.user, self.settings.password)
                server.send_message(email)
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryFailed(
                f"SMTP {self.settings.host}:{self.settings.port}: {error}"
            ) from error

    def _connect(self) -> smtplib.SMTP:
        host, port = self.settings.host, self.settings.port
        if self.settings.tls == "ssl":
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
        server = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
        if self.settings.tls == "starttls":
            server.starttls(context=ssl.create_default_context())
        return server


class FileSms:
    """SMS written as JSON lines to `<directory>/sms.jsonl` (development, tests)."""

    kind = ChannelKind.SMS

    def __init__(self, directory: Path) -> None:
        self.path = directory / "sms.jsonl"

    def send(self, message: Rendered) -> None:
        line = {"id": message.message_id, "to": message.address, "kind": message.kind.value}
        line["text"] = message.body
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(line) + "\n")
        except OSError as error:
            raise DeliveryFailed(f"cannot write {self.path}: {error}") from error


class ConsoleSms:
    """SMS printed to a stream (standard output by default)."""

    kind = ChannelKind.SMS

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, message: Rendered) -> None:
        self.stream.write(f"SMS to {message.address}: {message.body}\n")
