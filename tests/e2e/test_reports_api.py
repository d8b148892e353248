"""Compliance figures and the corrective-action plan over HTTP: the same numbers as the CLI,
and clear 4xx OperationOutcomes for bad input."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import auth_headers, parameters

WINDOW = {"from": "2026-05-25", "to": "2026-06-29"}


def _book(http: TestClient, patient: str) -> None:
    found = http.post(
        "/Appointment/$find", json=parameters(patient_reference=f"Patient/{patient}")
    ).json()
    proposal = found["entry"][0]["resource"]
    assert (
        http.post("/Appointment/$book", json=parameters(appt_id=proposal["id"])).status_code == 200
    )


def test_the_compliance_report_counts_what_was_booked_through_the_api(app: FastAPI) -> None:
    with TestClient(app, headers=auth_headers(app)) as http:
        for patient in ("ada", "bo", "dee"):
            _book(http, patient)
        report: dict[str, Any] = http.get("/report/compliance", params=WINDOW).json()
        evidence = http.get("/report/evidence", params=WINDOW).json()
    headline = report["headline"]
    assert headline["requests"] == 3
    non_urgent = next(t for t in headline["thresholds"] if t["class"] == "non-urgent")
    # The offer is what is measured: a timely booking decides a request at once.
    assert (non_urgent["decided"], non_urgent["share_within_standard"]) == (3, 1.0)
    assert {e["member"] for e in evidence} == {"ada", "bo", "dee"}
    assert {e["outcome"] for e in evidence} == {"within-standard"}
    # Each booking is one recorded offer, accepted and recorded under the caller's name.
    assert all(len(e["offers"]) == 1 for e in evidence)
    assert {e["offers"][0]["recorded_by"] for e in evidence} == {"test-admin"}
    # Clinic-local times carry their offset; the calendar and the "as of" stamp are named.
    assert all(e["legal_deadline"].endswith("-07:00") for e in evidence)
    assert {e["calendar"] for e in evidence} == {"california-state-offices"}
    assert all(e["as_of"] and e["verdict"].startswith("Within standard") for e in evidence)
    assert headline["survey_rate"], "the report carries the regulator's survey rate too"


def test_a_plan_action_is_added_and_moved_and_bad_input_is_a_4xx(app: FastAPI) -> None:
    with TestClient(app, headers=auth_headers(app)) as http:
        missing = http.post(
            "/plan/findings/99/actions",
            json={"description": "x", "owner": "y", "due": "2026-07-01"},
        )
        assert missing.status_code == 404
        assert missing.json()["resourceType"] == "OperationOutcome"
        bad = http.get("/report/compliance", params={"from": "2026-06-29", "to": "2026-05-25"})
        assert bad.status_code == 422
        assert "after" in bad.json()["issue"][0]["diagnostics"]
        malformed = http.get("/report/compliance", params={"from": "yesterday", "to": "2026-06-01"})
        assert 400 <= malformed.status_code < 500
        assert http.post("/plan/$detect", params=WINDOW).json() == []
        assert http.get("/plan", params=WINDOW).json() == []


def test_the_printable_evidence_page_shows_the_verdict_and_a_timeline(app: FastAPI) -> None:
    with TestClient(app, headers=auth_headers(app)) as http:
        _book(http, "ada")
        page = http.get("/app/requests/1/evidence")
    assert page.status_code == 200, page.text
    text = page.text
    assert "Within standard: a timely appointment was offered" in text
    assert "@media print" in text
    assert "Legal deadline" in text
    assert "Extended deadline" in text
    assert text.index("care requested") < text.index("legal deadline")


def test_a_clinicians_week_page_carries_their_exception_to_do_list(app: FastAPI) -> None:
    with TestClient(app, headers=auth_headers(app)) as http:
        booked = http.post(
            "/Appointment/$find", json=parameters(patient_reference="Patient/ada")
        ).json()
        clinician = next(
            p["actor"]["reference"].removeprefix("Practitioner/")
            for p in booked["entry"][0]["resource"]["participant"]
            if p["actor"]["reference"].startswith("Practitioner/")
        )
        page = http.get(f"/app/clinicians/{clinician}/week")
        todos = http.get(
            "/Task",
            params={
                "code": "clinical-exception-to-do",
                "practitioner": f"Practitioner/{clinician}",
            },
        )
    assert page.status_code == 200, page.text
    assert "Clinical exceptions to determine" in page.text
    assert todos.status_code == 200, todos.text
    assert todos.json()["resourceType"] == "Bundle"
