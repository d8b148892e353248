"""One visit, one truth (docs/adr/0015): whatever happens to a booked hold's visit, reading
`Appointment/hold-{n}` says the same as `Appointment/{n}`; the scheduling operations answer
searchset Bundles as the Argonaut IG shows them."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fhir_support import FhirClient, auth_headers, matches, parameters, resources

from parity.domain.users import Role


def _proposal(api: FhirClient) -> dict[str, Any]:
    return matches(api.post("/Appointment/$find", parameters(patient_reference="Patient/ada")))[0]


def _booked_hold(api: FhirClient) -> tuple[str, str]:
    held = matches(api.post("/Appointment/$hold", parameters(appt_id=_proposal(api)["id"])))[0]
    booked = matches(api.post(f"/Appointment/{held['id']}/$book", {"resourceType": "Parameters"}))
    return held["id"], booked[0]["id"]


def _same_visit(api: FhirClient, hold_id: str, visit_id: str) -> dict[str, Any]:
    hold, visit = api.get(f"/Appointment/{hold_id}"), api.get(f"/Appointment/{visit_id}")
    assert hold["status"] == visit["status"]
    assert hold.get("cancelationReason") == visit.get("cancelationReason")
    assert hold["slot"] == visit["slot"]
    assert hold["start"] == visit["start"]
    booked_as = [e for e in hold["extension"] if e["url"].endswith("/booked-as")]
    assert booked_as[0]["valueReference"]["reference"] == f"Appointment/{visit_id}"
    return visit


def test_a_booked_hold_reads_as_its_visit_after_the_visit_is_cancelled(api: FhirClient) -> None:
    hold_id, visit_id = _booked_hold(api)
    assert _same_visit(api, hold_id, visit_id)["status"] == "booked"
    api.post(f"/Appointment/{visit_id}/$cancel", parameters(cancelled_by="member"))
    assert _same_visit(api, hold_id, visit_id)["status"] == "cancelled"


def test_cancelling_a_booked_hold_cancels_its_visit(api: FhirClient) -> None:
    hold_id, visit_id = _booked_hold(api)
    cancelled = api.post(
        f"/Appointment/{hold_id}/$cancel",
        parameters(cancelled_by="clinic", reason="clinician ill"),
    )
    assert cancelled["status"] == "cancelled"
    assert _same_visit(api, hold_id, visit_id)["status"] == "cancelled"


def test_a_released_hold_reads_cancelled_and_frees_its_slot(api: FhirClient) -> None:
    held = matches(api.post("/Appointment/$hold", parameters(appt_id=_proposal(api)["id"])))[0]
    api.post(f"/Appointment/{held['id']}/$cancel", parameters(cancelled_by="member"))
    assert api.get(f"/Appointment/{held['id']}")["status"] == "cancelled"
    assert api.get(f"/{held['slot'][0]['reference']}")["status"] == "free"


def _argonaut(bundle: dict[str, Any], appointments: int) -> None:
    assert bundle["type"] == "searchset"
    assert bundle["total"] == appointments == len(matches(bundle, "Appointment"))
    assert [link["relation"] for link in bundle["link"]] == ["self"]
    assert all(e["fullUrl"] for e in bundle["entry"])
    outcomes = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "OperationOutcome"]
    assert outcomes
    assert all(e["search"]["mode"] == "outcome" for e in outcomes)
    assert all(e["fullUrl"].startswith("urn:uuid:") for e in outcomes)


def test_hold_and_book_answer_searchsets_with_total_and_an_outcome(api: FhirClient) -> None:
    held = api.post("/Appointment/$hold", parameters(appt_id=_proposal(api)["id"]))
    _argonaut(held, 1)
    booked = api.post("/Appointment/$book", parameters(appt_id=matches(held)[0]["id"]))
    _argonaut(booked, 1)
    assert matches(booked)[0]["status"] == "booked"


def test_find_has_a_self_link_and_its_request_included(api: FhirClient) -> None:
    found = api.post("/Appointment/$find", parameters(patient_reference="Patient/ada"))
    assert found["type"] == "searchset"
    assert found["total"] == len(matches(found)) > 0
    assert found["link"][0]["relation"] == "self"
    assert found["link"][0]["url"].endswith("/Appointment/$find")
    assert len(resources(found, "ServiceRequest")) == 1


def test_an_instance_level_hold_holds_the_proposal_in_its_path(api: FhirClient) -> None:
    proposal = _proposal(api)
    held = api.post(f"/Appointment/{proposal['id']}/$hold", {"resourceType": "Parameters"})
    assert matches(held)[0]["status"] == "pending"
    assert matches(held)[0]["slot"] == proposal["slot"]
    assert api.get(f"/{proposal['slot'][0]['reference']}")["status"] == "busy-tentative"
    again = f"/Appointment/{matches(held)[0]['id']}/$hold"
    api.post(again, {"resourceType": "Parameters"}, expect=409)


def test_a_scheduler_finds_capacity_without_a_patient(app: FastAPI, api: FhirClient) -> None:
    headers = auth_headers(app, Role.SCHEDULER, clinics=("san-diego",))
    body = parameters(specialty="therapist", service_type="video")
    response = api.http.post("/Appointment/$find", json=body, headers=headers)
    assert response.status_code == 200, response.text
    found = response.json()
    proposed = matches(found, "Appointment")
    assert found["total"] == len(proposed) > 0
    for appointment in proposed:
        assert appointment["status"] == "proposed"
        assert "id" not in appointment
        assert not any(
            p["actor"]["reference"].startswith("Patient/") for p in appointment["participant"]
        )
        slot = api.get(f"/{appointment['slot'][0]['reference']}")
        assert slot["status"] == "free"
    starts = [a["start"] for a in proposed]
    assert starts == sorted(starts)


def test_a_member_may_not_look_for_capacity_without_naming_themselves(
    app: FastAPI, api: FhirClient
) -> None:
    headers = auth_headers(app, Role.MEMBER, member="ada")
    response = api.http.post("/Appointment/$find", json=parameters(), headers=headers)
    assert response.status_code == 403


def test_reads_carry_a_version_that_changes_with_the_resource(api: FhirClient) -> None:
    _, visit_id = _booked_hold(api)
    response = api.http.get(f"/Appointment/{visit_id}")
    before = response.json()
    assert response.headers["etag"] == f'W/"{before["meta"]["versionId"]}"'
    assert before["meta"]["lastUpdated"] == before["created"]
    assert response.headers["last-modified"].endswith(" GMT")
    api.post(f"/Appointment/{visit_id}/$cancel", parameters(cancelled_by="member"))
    after = api.http.get(f"/Appointment/{visit_id}")
    assert after.headers["etag"] != response.headers["etag"]
    body = after.json()
    cancelled_at = [
        e["valueDateTime"] for e in body["extension"] if e["url"].endswith("/cancelled-at")
    ]
    assert body["meta"]["lastUpdated"] == cancelled_at[0]


def test_every_resource_in_a_search_carries_a_version_id(api: FhirClient) -> None:
    for path in ("/Practitioner", "/Location", "/Patient", "/PractitionerRole", "/Schedule"):
        for resource in matches(api.get(path)):
            assert int(resource["meta"]["versionId"]) >= 1, path


def test_a_state_change_with_a_stale_if_match_is_refused_with_412(api: FhirClient) -> None:
    _, visit_id = _booked_hold(api)
    current = api.http.get(f"/Appointment/{visit_id}").headers["etag"]
    stale = api.http.post(
        f"/Appointment/{visit_id}/$cancel",
        json=parameters(cancelled_by="member"),
        headers={"If-Match": 'W/"0"'},
    )
    assert stale.status_code == 412, stale.text
    assert stale.json()["resourceType"] == "OperationOutcome"
    assert api.get(f"/Appointment/{visit_id}")["status"] == "booked"
    fresh = api.http.post(
        f"/Appointment/{visit_id}/$cancel",
        json=parameters(cancelled_by="member"),
        headers={"If-Match": current},
    )
    assert fresh.status_code == 200, fresh.text
    assert fresh.json()["status"] == "cancelled"
