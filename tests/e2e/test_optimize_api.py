"""The batch optimizer over HTTP: preview, apply, and a clear 4xx for a bad horizon."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import auth_headers, parameters


def test_requests_left_open_by_find_are_placed_by_the_optimizer(app: FastAPI) -> None:
    with TestClient(app, headers=auth_headers(app)) as http:
        for patient in ("ada", "bo", "cruz", "dee"):
            found = http.post(
                "/Appointment/$find", json=parameters(patient_reference=f"Patient/{patient}")
            )
            assert found.status_code == 200  # the request is open, nothing booked yet
        preview = http.post(
            "/optimize/$preview", params={"from": "2026-06-01", "horizon": 10}
        ).json()
        assert preview["summary"]["open_requests"] == 4
        assert preview["summary"]["placed_before_deadline"] == preview["summary"]["bound"] == 4
        assert http.get("/Appointment", params={"patient": "Patient/ada"}).json()["total"] == 0
        applied = http.post("/optimize/$apply", params={"from": "2026-06-01", "horizon": 10}).json()
        assert applied["summary"]["applied"] is True
        # Each placement is an offer waiting for its member: nobody is booked unasked.
        booked = {"patient": "Patient/ada", "status": "booked"}
        assert http.get("/Appointment", params=booked).json()["total"] == 0
        offers = http.get("/Task", params={"patient": "Patient/ada", "code": "offer"}).json()
        assert offers["total"] == 1
        offer = offers["entry"][0]["resource"]
        assert offer["status"] == "requested"
        again = http.post("/optimize/$preview", params={"from": "2026-06-01"}).json()
        assert again["summary"]["open_requests"] == 0  # the offered wait for their answers
        # The member's answer, recorded as given, books the visit.
        answer = parameters(channel="phone", note="called 09:10, ada said yes")
        accepted = http.post(f"/Task/{offer['id']}/$accept", json=answer)
        assert accepted.status_code == 200, accepted.text
        assert http.get("/Appointment", params=booked).json()["total"] == 1
        bad = http.post("/optimize/$preview", params={"from": "2026-06-01", "horizon": 0})
        assert bad.status_code in (400, 422)
        assert bad.json()["resourceType"] == "OperationOutcome"
