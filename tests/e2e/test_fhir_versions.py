"""Versions (docs/adr/0015): every resource carries a versionId counter and lastUpdated,
reads answer ETag and Last-Modified alike, and `If-Match` guards every state change."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime
from typing import Any

from fhir_support import FhirClient, Region, matches, parameters

from parity.adapters.fhir import instant


def _version(resource: dict[str, Any]) -> int:
    return int(resource["meta"]["versionId"])


def _proposal(api: FhirClient) -> dict[str, Any]:
    return matches(api.post("/Appointment/$find", parameters(patient_reference="Patient/ada")))[0]


def _request_of(resource: dict[str, Any]) -> str:
    return str(resource["basedOn"][0]["reference"])


def test_every_kind_of_resource_read_carries_a_version_and_a_time(api: FhirClient) -> None:
    proposal = _proposal(api)
    held = matches(api.post("/Appointment/$hold", parameters(appt_id=proposal["id"])))[0]
    paths = [
        "/Practitioner",
        "/PractitionerRole",
        "/Location",
        "/Patient",
        "/Schedule",
        "/AuditEvent?_count=5",
        f"/Slot?schedule=Schedule/{proposal['participant'][1]['actor']['reference'].split('/')[1]}",
        "/ServiceRequest?patient=Patient/ada",
        "/Appointment?patient=Patient/ada",
    ]
    kinds = set()
    for path in paths:
        for resource in matches(api.get(path)):
            assert _version(resource) >= 1, path
            assert resource["meta"]["lastUpdated"].endswith("Z"), path
            kinds.add(resource["resourceType"])
    for path in (f"/Appointment/{held['id']}", f"/{_request_of(held)}", "/CodeSystem/modality"):
        assert _version(api.get(path)) >= 1
    assert {"Practitioner", "Patient", "Slot", "AuditEvent", "ServiceRequest"} <= kinds


def test_a_change_raises_the_version_and_dates_it_with_the_clock(
    api: FhirClient, region: Region
) -> None:
    held = matches(api.post("/Appointment/$hold", parameters(appt_id=_proposal(api)["id"])))[0]
    visit = matches(api.post(f"/Appointment/{held['id']}/$book", {"resourceType": "Parameters"}))
    visit_id = visit[0]["id"]
    before = api.http.get(f"/Appointment/{visit_id}")
    region.clock.advance(timedelta(minutes=5))
    api.post(f"/Appointment/{visit_id}/$cancel", parameters(cancelled_by="member"))
    after = api.http.get(f"/Appointment/{visit_id}")
    # the cancellation saved the visit once and the request (re-closed) at least once
    assert _version(after.json()) >= _version(before.json()) + 1
    assert after.json()["meta"]["lastUpdated"] == instant(region.clock.now())
    assert after.headers["etag"] == f'W/"{after.json()["meta"]["versionId"]}"'
    assert after.headers["last-modified"] == format_datetime(region.clock.now(), usegmt=True)


def test_service_request_operations_honour_if_match(api: FhirClient) -> None:
    request_path = f"/{_request_of(_proposal(api))}"
    read = api.http.get(request_path)
    later = (read.json()["occurrencePeriod"]["end"])[:10]
    stale = api.http.post(
        f"{request_path}/$prefer-later",
        json=parameters(date=later),
        headers={"If-Match": f'W/"{_version(read.json()) + 7}"'},
    )
    assert stale.status_code == 412, stale.text
    assert stale.json()["issue"][0]["details"]["coding"][0]["code"] == "version-conflict"
    assert api.get(request_path) == read.json()  # nothing changed
    said = parameters(channel="phone", note="member called 09:10 to withdraw")
    fresh = api.http.post(
        f"{request_path}/$withdraw", json=said, headers={"If-Match": read.headers["etag"]}
    )
    assert fresh.status_code == 200, fresh.text
    assert fresh.json()["status"] == "revoked"
    assert _version(fresh.json()) > _version(read.json())
    # the ETag just used is now stale
    again = api.http.post(
        f"{request_path}/$withdraw", json=said, headers={"If-Match": read.headers["etag"]}
    )
    assert again.status_code == 412


def test_hold_and_book_honour_if_match_on_the_proposal_and_the_hold(api: FhirClient) -> None:
    proposal = _proposal(api)
    read = api.http.get(f"/Appointment/{proposal['id']}")
    refused = api.http.post(f"/Appointment/{proposal['id']}/$hold", headers={"If-Match": 'W/"999"'})
    assert refused.status_code == 412, refused.text
    held = api.http.post(
        f"/Appointment/{proposal['id']}/$hold", headers={"If-Match": read.headers["etag"]}
    )
    assert held.status_code == 200, held.text
    hold_id = matches(held.json())[0]["id"]
    hold = api.http.get(f"/Appointment/{hold_id}")
    stale = api.http.post(f"/Appointment/{hold_id}/$book", headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412
    booked = api.http.post(
        f"/Appointment/{hold_id}/$book", headers={"If-Match": hold.headers["etag"]}
    )
    assert booked.status_code == 200, booked.text


def test_an_offer_answer_and_the_offer_itself_honour_if_match(api: FhirClient) -> None:
    proposal = _proposal(api)
    request_path = f"/{_request_of(proposal)}"
    offered_with = {"If-Match": 'W/"999"'}
    slot = proposal["slot"][0]["reference"]
    refused = api.http.post(
        f"{request_path}/$offer", json=parameters(slot=slot, channel="phone"), headers=offered_with
    )
    assert refused.status_code == 412, refused.text
    current = api.http.get(request_path).headers["etag"]
    made = api.http.post(
        f"{request_path}/$offer",
        json=parameters(slot=slot, channel="phone"),
        headers={"If-Match": current},
    )
    assert made.status_code == 200, made.text
    task = made.json()
    assert made.headers["etag"] == f'W/"{task["meta"]["versionId"]}"'
    answer = parameters(channel="phone", note="prefers evenings")
    stale = api.http.post(
        f"/Task/{task['id']}/$decline",
        json=answer,
        headers={"If-Match": f'W/"{_version(task) + 1}"'},
    )
    assert stale.status_code == 412, stale.text
    assert api.get(f"/Task/{task['id']}")["status"] == "requested"
    declined = api.http.post(
        f"/Task/{task['id']}/$decline", json=answer, headers={"If-Match": made.headers["etag"]}
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "rejected"
    assert _version(declined.json()) == _version(task) + 1  # one write: the answer
