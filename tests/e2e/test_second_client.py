"""A second, independent FHIR client drives the API through a real server (docs/adr/0015):
`fhirclient` (the SMART on FHIR Python client, with its own R4 models that refuse what they
do not understand), where test_fhir_client.py uses fhirpy. It discovers the server,
searches and pages members, and runs $find → $hold → $book → $cancel."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import date

import pytest
import uvicorn
from fastapi import FastAPI
from fhir_support import Region, auth_headers
from fhirclient.models.appointment import Appointment
from fhirclient.models.bundle import Bundle
from fhirclient.models.capabilitystatement import CapabilityStatement
from fhirclient.models.parameters import Parameters
from fhirclient.models.patient import Patient
from fhirclient.server import FHIRServer

from parity.domain.members import Member

GARCIAS = [
    Member(f"g{n:02d}", f"Ana Garcia{n:02d}", "downey", birth_date=date(1980, 1, 1 + n))
    for n in range(7)
]


@pytest.fixture
def server(app: FastAPI, region: Region) -> Iterator[FHIRServer]:
    with region.store:
        for member in GARCIAS:
            region.store.members.add(member)
        region.store.commit()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    client = FHIRServer(None, base_uri=f"http://127.0.0.1:{listener.getsockname()[1]}/")
    client.session.headers.update(auth_headers(app))
    try:
        yield client
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        listener.close()


def _parameters(**values: str) -> dict[str, object]:
    found = [{"name": k.replace("_", "-"), "valueString": v} for k, v in values.items()]
    return Parameters({"resourceType": "Parameters", "parameter": found}).as_json()


def _operation(server: FHIRServer, path: str, body: dict[str, object]) -> Bundle:
    response = server.post_json(path, body)
    return Bundle(response.json())


def test_the_client_reads_the_capability_statement(server: FHIRServer) -> None:
    statement = CapabilityStatement.read_from("metadata", server)
    assert statement.fhirVersion == "4.0.1"
    patient = next(r for r in statement.rest[0].resource if r.type == "Patient")
    assert {"family", "birthdate", "identifier"} <= {p.name for p in patient.searchParam}


def test_the_client_searches_and_pages_members_to_the_end(server: FHIRServer) -> None:
    search = Patient.where({"family": "garcia", "birthdate": "ge1980-01-01", "_count": "3"})
    pages = list(search.perform_iter(server))
    assert len(pages) == 3  # 7 members, 3 a page
    found = [e.resource.id for page in pages for e in page.entry or []]
    assert found == [m.id for m in GARCIAS]
    assert {page.total for page in pages} == {7}


def test_the_client_finds_holds_books_and_cancels(server: FHIRServer) -> None:
    found = _operation(server, "Appointment/$find", _parameters(patient_reference="Patient/ada"))
    proposals = [e.resource for e in found.entry if isinstance(e.resource, Appointment)]
    assert proposals
    assert all(p.status == "proposed" for p in proposals)
    held = _operation(server, "Appointment/$hold", _parameters(appt_id=proposals[0].id))
    hold = next(e.resource for e in held.entry if isinstance(e.resource, Appointment))
    assert hold.status == "pending"
    assert held.total == 1
    booked = _operation(server, "Appointment/$book", _parameters(appt_id=hold.id))
    visit = next(e.resource for e in booked.entry if isinstance(e.resource, Appointment))
    assert visit.status == "booked"
    cancelled = server.post_json(
        f"Appointment/{visit.id}/$cancel", _parameters(cancelled_by="member")
    )
    assert Appointment(cancelled.json()).status == "cancelled"
    assert Appointment.read(hold.id, server).status == "cancelled"  # one visit, one truth
