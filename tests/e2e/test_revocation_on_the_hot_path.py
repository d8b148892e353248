"""A signed-out token is refused on the scheduling calls too, where the deny list is asked
by the call's own first transaction rather than one of its own
(docs/adr/0017-booking-api-speed.md): 401, nothing read, nothing written, and the refusal
is on the audit trail."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import Region, auth_headers

from parity.domain.audit import AuditSearch


def _find(member: str) -> dict[str, object]:
    return {
        "resourceType": "Parameters",
        "parameter": [{"name": "patient-reference", "valueString": f"Patient/{member}"}],
    }


def test_a_signed_out_token_cannot_find_hold_or_book(app: FastAPI, region: Region) -> None:
    headers = auth_headers(app)
    with TestClient(app, headers=headers) as client:
        found = client.post("/Appointment/$find", json=_find("ada"))
        assert found.status_code == 200
        proposal = next(
            e["resource"]["id"]
            for e in found.json()["entry"]
            if e["resource"]["resourceType"] == "Appointment"
        )
        with region.store:
            requests_before = len(region.store.requests.list())
            events_before = len(region.store.audit_events.search(AuditSearch(), 10_000))
        assert client.post("/logout").json() == {"revoked": True}
        refused = [
            client.post("/Appointment/$find", json=_find("ada")),
            client.post(
                "/Appointment/$hold",
                json={
                    "resourceType": "Parameters",
                    "parameter": [{"name": "appt-id", "valueString": proposal}],
                },
            ),
            client.post(f"/Appointment/{proposal}/$book"),
            client.get("/Patient/ada"),
        ]
    assert [r.status_code for r in refused] == [401, 401, 401, 401]
    assert all("signed out" in r.text for r in refused)
    with region.store:
        assert len(region.store.requests.list()) == requests_before  # no request opened
        events = region.store.audit_events.search(AuditSearch(failures_only=True), 10_000)
    assert len(region.store.audit_events.search(AuditSearch(), 10_000)) > events_before
    assert sorted(e.route for e in events if e.outcome == 401) == sorted(
        [
            "POST /Appointment/$find",
            "POST /Appointment/$hold",
            "POST /Appointment/{appointment_id}/$book",
            "GET /Patient/{patient_id}",
        ]
    )
