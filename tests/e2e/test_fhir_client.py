"""A real FHIR client against a real server: uvicorn on 127.0.0.1 (a free port, in a
background thread) driven by `fhirpy.SyncFHIRClient`, the way an EHR or an app would."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fhir_support import NOW, auth_headers, instant, parameters, validate
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound


@pytest.fixture
def base_url(app: FastAPI) -> Iterator[str]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))  # the OS picks a free port; uvicorn serves this socket
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def bearer(app: FastAPI, role: str = "admin", **links: str) -> str:
    return auth_headers(app, role, **links)["Authorization"]


def test_a_fhir_client_finds_books_and_reads_back_an_appointment(
    app: FastAPI, base_url: str
) -> None:
    # Celia Cruz herself, signed in: a member's token opens her own records only.
    client = SyncFHIRClient(base_url, authorization=bearer(app, "member", member="cruz"))

    practitioners = client.resources("Practitioner").limit(8).fetch_all()
    assert len(practitioners) == 20  # three pages, following the Bundle's next links
    spanish = client.resources("Practitioner").search(communication="es").fetch()
    assert spanish
    assert all(p["resourceType"] == "Practitioner" for p in spanish)

    found = client.execute(
        "Appointment/$find",
        method="post",
        data=parameters(patient_reference={"valueReference": {"reference": "Patient/cruz"}}),
    )
    validate(found)
    proposal = found["entry"][0]["resource"]
    assert proposal["status"] == "proposed"
    practitioner = proposal["participant"][1]["actor"]["reference"].removeprefix("Practitioner/")
    assert practitioner in {p["id"] for p in spanish}  # Celia Cruz asked in Spanish

    booked = client.execute(
        "Appointment/$book", method="post", data=parameters(appt_id=proposal["id"])
    )
    validate(booked)
    appointment_id = booked["entry"][0]["resource"]["id"]

    appointment = client.reference("Appointment", appointment_id).to_resource()
    assert appointment["status"] == "booked"
    assert appointment["slot"][0].reference == proposal["slot"][0]["reference"]
    mine = client.resources("Appointment").search(patient="Patient/cruz").fetch()
    assert [a.id for a in mine] == [appointment_id]
    assert client.get("Patient", "cruz")["name"][0]["text"] == "Celia Cruz"
    assert instant(client.execute("metadata", method="get")["date"]) == NOW


def test_a_fhir_client_sees_refusals_as_operation_outcomes(app: FastAPI, base_url: str) -> None:
    client = SyncFHIRClient(base_url, authorization=bearer(app))
    found = client.execute(
        "Appointment/$find", method="post", data=parameters(patient_reference="Patient/ada")
    )
    proposal = found["entry"][0]["resource"]
    client.execute("Appointment/$book", method="post", data=parameters(appt_id=proposal["id"]))

    with pytest.raises(OperationOutcome) as refused:
        client.execute("Appointment/$hold", method="post", data=parameters(appt_id=proposal["id"]))
    outcome = refused.value.resource
    assert outcome["issue"][0]["details"]["coding"][0]["code"] == "invalid-transition"
    with pytest.raises(ResourceNotFound):
        client.reference("Appointment", "999").to_resource()


def test_two_members_racing_for_one_slot_over_http_get_one_booking(
    app: FastAPI, base_url: str
) -> None:
    with httpx.Client(base_url=base_url, headers=auth_headers(app)) as http:
        bodies = []
        for patient in ("ada", "dee"):
            found = http.post(
                "/Appointment/$find", json=parameters(patient_reference=f"Patient/{patient}")
            ).json()
            bodies.append(found["entry"][0]["resource"])
        slot = bodies[0]["slot"][0]["reference"].removeprefix("Slot/")
        ids = [f"proposal-{p['basedOn'][0]['reference'].split('/')[1]}-{slot}" for p in bodies]
        start = threading.Barrier(len(ids))
        statuses: list[int] = []

        def book(appt_id: str) -> None:
            start.wait()
            response = http.post("/Appointment/$book", json=parameters(appt_id=appt_id))
            statuses.append(response.status_code)

        racers = [threading.Thread(target=book, args=(appt_id,)) for appt_id in ids]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(timeout=30)
        assert sorted(statuses) == [200, 409]
        assert http.get(f"/Slot/{slot}").json()["status"] == "busy"
