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
        booked = http.get(
            "/Appointment", params={"patient": "Patient/ada", "status": "booked"}
        ).json()
        assert booked["total"] == 1
        again = http.post("/optimize/$preview", params={"from": "2026-06-01"}).json()
        assert again["summary"]["open_requests"] == 0
        bad = http.post("/optimize/$preview", params={"from": "2026-06-01", "horizon": 0})
        assert bad.status_code in (400, 422)
        assert bad.json()["resourceType"] == "OperationOutcome"
