"""Application logs carry no names, birth dates, phone numbers or e-mail addresses: requests
that read, search and change member data — with personal data in their query strings — go
through a real uvicorn with access logging on, and no record of Parity, uvicorn, FastAPI,
Starlette or SQLAlchemy repeats any of it."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fhir_support import MEMBERS, Region, auth_headers, parameters

from parity.domain.members import Member
from parity.entrypoints.security.logs import SCRUBBED

GRACE = Member(
    "grace",
    "Grace Hopper",
    "san-diego",
    birth_date=date(1906, 12, 9),
    phone="+1 619 555 0199",
    email="grace.hopper@example.org",
)
PRIVATE = [GRACE.name, "1906-12-09", GRACE.phone, "619 555 0199", GRACE.email]
PRIVATE += [m.name for m in MEMBERS] + [quote(GRACE.name), quote(GRACE.email)]


@dataclass
class Served:
    """Parity behind a real uvicorn; `stop()` returns once the server has shut down, so
    every log record of every request made before it has been written."""

    base: str
    stop: Callable[[], None]


@pytest.fixture
def served(app: FastAPI, region: Region) -> Iterator[Served]:
    with region.store:
        region.store.members.add(GRACE)
        region.store.commit()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="debug", access_log=True, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=30)
        assert not thread.is_alive(), "uvicorn did not shut down"

    try:
        yield Served(f"http://127.0.0.1:{listener.getsockname()[1]}", stop)
    finally:
        stop()
        listener.close()


def _touch_member_data(base: str, headers: dict[str, str]) -> int:
    """Read, search and change Grace's data; how many requests were made."""
    searches = {"name": GRACE.name, "email": GRACE.email, "birthdate": "1906-12-09"}
    sent: list[httpx.Request] = []
    with httpx.Client(
        base_url=base, headers=headers, event_hooks={"request": [sent.append]}
    ) as http:
        assert http.get("/Patient/grace").status_code == 200
        assert http.get("/Patient", params={"_id": "grace", **searches}).status_code == 200
        assert http.get("/Practitioner", params={"name": GRACE.name}).status_code == 200
        assert http.get("/Appointment", params={"patient": "Patient/grace"}).status_code == 200
        found = http.post("/Appointment/$find", json=parameters(patient_reference="Patient/grace"))
        assert found.status_code == 200
        assert http.get(f"/Patient/{GRACE.email}").status_code == 404
        assert http.get("/app/requests", params={"id": GRACE.phone}).status_code in (303, 422)
    return len(sent)


def test_no_log_record_repeats_a_members_name_birth_date_or_contact_details(
    app: FastAPI, served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    requests = _touch_member_data(served.base, auth_headers(app))
    served.stop()  # uvicorn may write an access line after its response; now all are written
    ours = [r for r in caplog.records if r.name.startswith(SCRUBBED)]
    access = [r for r in ours if r.name == "uvicorn.access"]
    assert len(access) == requests, "uvicorn logged every request"
    assert any("/Patient" in r.getMessage() for r in access)
    leaks = [
        (r.name, text)
        for r in ours
        for text in PRIVATE
        if text in r.getMessage() or text in (r.exc_text or "")
    ]
    assert leaks == []
