"""Each class of access hole, closed where the data is touched (docs/adr/0012): ids parsed
once with one spelling, repeated and absolute references refused, every record a write
touches checked against the caller — over the API and through the pages alike."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import FhirClient, Region, auth_headers, matches, parameters
from security_support import AdaRecords, prepare

from parity.domain.users import Role

ADA = {"member": "ada"}
BO = {"member": "bo"}
FONTANA = {"clinics": ("fontana",)}


@pytest.fixture
def ada(api: FhirClient) -> AdaRecords:
    return prepare(api)


def _call(
    app: FastAPI, method: str, path: str, role: Role, links: dict[str, Any], **extra: Any
) -> Any:
    headers = auth_headers(app, role, **links) | extra.pop("headers", {})
    with TestClient(app, raise_server_exceptions=False) as client:
        return client.request(method, path, headers=headers, **extra)


def _appointments(region: Region, member: str) -> list[Any]:
    with region.store:
        return list(region.store.appointments.where(member_id=member))


@pytest.mark.parametrize("spelling", ["0{}", "+{}", "{}%20", "%20{}", "00{}", "{}²"])
def test_another_spelling_of_an_id_names_no_record(
    app: FastAPI, ada: AdaRecords, spelling: str
) -> None:
    path = "/ServiceRequest/" + spelling.format(ada.request_id)
    assert _call(app, "GET", path, Role.ADMIN, {}).status_code == 404
    page = "/app/requests/" + spelling.format(ada.request_id)
    assert _call(app, "GET", page, Role.ADMIN, {}).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/ServiceRequest/²",
        "/ServiceRequest/99999999999999999999999",
        "/Appointment/hold-99999999999999999999999",
        "/Task/offer-²",
        "/Patient/ada%20",
        "/app/requests/²",
        "/app/requests/99999999999999999999999",
    ],
)
def test_unicode_digits_and_out_of_range_ids_are_a_404_not_a_500(app: FastAPI, path: str) -> None:
    assert _call(app, "GET", path, Role.ADMIN, {}).status_code == 404


def test_a_repeated_single_valued_parameter_is_refused(app: FastAPI, ada: AdaRecords) -> None:
    found = _call(
        app,
        "GET",
        "/Appointment",
        Role.MEMBER,
        ADA,
        params=[("patient", "Patient/ada"), ("patient", "Patient/bo")],
    )
    assert found.status_code == 422  # InvalidInput, as every refused input
    assert "only once" in found.text


@pytest.mark.parametrize("reference", ["http://x/Patient/ada", "https://testserver/Patient/ada"])
def test_an_absolute_reference_is_refused(app: FastAPI, reference: str) -> None:
    found = _call(app, "GET", "/Appointment", Role.ADMIN, {}, params={"patient": reference})
    assert found.status_code == 422
    assert "relative" in found.text


def test_a_member_cannot_hold_or_book_another_members_proposal_naming_themselves(
    app: FastAPI, region: Region, ada: AdaRecords
) -> None:
    before = _appointments(region, "ada")
    hold = parameters(appt_id=ada.proposal_id)
    found = _call(app, "POST", "/Appointment/$hold", Role.MEMBER, BO, json=hold)
    assert found.status_code == 404, found.text
    book = parameters(appt_id=ada.proposal_id, patient_id="Patient/bo")
    found = _call(app, "POST", "/Appointment/$book", Role.MEMBER, BO, json=book)
    assert found.status_code == 404, found.text
    assert _appointments(region, "ada") == before


def test_a_padded_patient_reference_is_refused_not_trimmed(app: FastAPI) -> None:
    body = parameters(patient_reference="Patient/ada ")
    found = _call(app, "POST", "/Appointment/$find", Role.MEMBER, ADA, json=body)
    assert found.status_code == 422


def test_a_member_cannot_waitlist_or_cancel_another_members_records(
    app: FastAPI, ada: AdaRecords
) -> None:
    join = f"/ServiceRequest/0{ada.request_id}/$waitlist"
    empty = parameters()
    assert _call(app, "POST", join, Role.MEMBER, BO, json=empty).status_code == 404
    mine = join.replace("/0", "/")
    assert _call(app, "POST", mine, Role.MEMBER, BO, json=empty).status_code == 404
    cancel = f"/Appointment/{ada.appointment_id}/$cancel"
    body = parameters(cancelled_by="member", reason="not mine")
    assert _call(app, "POST", cancel, Role.MEMBER, BO, json=body).status_code == 404
    decline = f"/Task/{ada.offer_id}/$decline"
    body = parameters(channel="portal")
    assert _call(app, "POST", decline, Role.MEMBER, BO, json=body).status_code == 404


def test_a_therapist_cannot_move_the_deadline_of_someone_not_their_patient(
    app: FastAPI, ada: AdaRecords
) -> None:
    body = parameters(reason="no harm", extended_deadline="2026-07-30")
    path = f"/ServiceRequest/{ada.request_id}/$clinical-exception"
    assert (
        _call(app, "POST", path, Role.THERAPIST, {"clinician": "c00002"}, json=body).status_code
        == 404
    )


def test_a_scheduler_cannot_offer_to_or_book_for_another_clinics_member(
    app: FastAPI, region: Region, ada: AdaRecords
) -> None:
    before = _appointments(region, "ada")
    offer = parameters(slot=f"Slot/{ada.slot_id}", channel="phone")
    path = f"/ServiceRequest/{ada.request_id}/$offer"
    assert _call(app, "POST", path, Role.SCHEDULER, FONTANA, json=offer).status_code == 404
    book = parameters(appt_id=ada.proposal_id)
    assert (
        _call(app, "POST", "/Appointment/$book", Role.SCHEDULER, FONTANA, json=book).status_code
        == 404
    )
    assert _appointments(region, "ada") == before


def test_an_offer_is_answered_only_through_its_own_requests_page(
    app: FastAPI, region: Region, ada: AdaRecords, api: FhirClient
) -> None:
    other = matches(api.post("/Appointment/$find", parameters(patient_reference="Patient/dee")))
    dee_request = other[0]["basedOn"][0]["reference"].removeprefix("ServiceRequest/")
    offer_number = ada.offer_id.removeprefix("offer-")
    path = f"/app/requests/{dee_request}/offers/{offer_number}"
    found = _call(
        app, "POST", path, Role.ADMIN, {}, data={"answer": "decline"}, follow_redirects=False
    )
    assert found.status_code == 404
    with region.store:
        assert region.store.offers.get(int(offer_number)).response.value == "pending"


def test_a_week_page_booking_for_another_clinics_member_is_refused(
    app: FastAPI, region: Region, ada: AdaRecords
) -> None:
    before = _appointments(region, "ada")
    with region.store:
        slot = region.store.slots.get(int(ada.slot_id))
    path = f"/app/clinicians/{slot.clinician_id}/week/book"
    form = {"slot": ada.slot_id, "care_request": ada.request_id}
    links = {"clinics": (slot.clinic_id, "fontana")} if slot.clinic_id != "san-diego" else FONTANA
    found = _call(app, "POST", path, Role.SCHEDULER, links, data=form, follow_redirects=False)
    assert found.status_code in (403, 404)
    assert _appointments(region, "ada") == before


def test_the_waitlist_and_its_panel_hold_only_a_schedulers_clinics(
    app: FastAPI, ada: AdaRecords
) -> None:
    path = f"/ServiceRequest/{ada.request_id}/$waitlist"
    joined = _call(app, "POST", path, Role.ADMIN, {}, json=parameters())
    assert joined.status_code == 201, joined.text
    everyone = _call(app, "GET", "/waitlist", Role.ADMIN, {}).text
    theirs = _call(app, "GET", "/waitlist", Role.SCHEDULER, FONTANA).text
    assert "Patient/ada" in everyone
    assert "Patient/ada" not in theirs
    panel = _call(app, "GET", "/app/queue", Role.SCHEDULER, FONTANA).text
    assert "Ada Lovelace" not in panel
    assert not re.search(r"\bada\b", panel)


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01"])
def test_a_week_at_the_ends_of_the_calendar_is_a_4xx(app: FastAPI, week: str) -> None:
    found = _call(app, "GET", f"/app/clinicians/c00001/week?week={week}", Role.ADMIN, {})
    assert 400 <= found.status_code < 500


@pytest.mark.parametrize("date", ["ge99999-01-01", "ge0000-01-01", "lt2026-13-40"])
def test_a_date_out_of_range_in_a_search_is_a_4xx(app: FastAPI, date: str) -> None:
    found = _call(
        app, "GET", "/Appointment", Role.ADMIN, {}, params={"patient": "ada", "date": date}
    )
    assert 400 <= found.status_code < 500


@pytest.mark.parametrize("depth", [200, 5000])
def test_deeply_nested_json_in_a_parameter_is_a_4xx(app: FastAPI, depth: int) -> None:
    deep = b'{"reference": ' * depth + b'"Patient/ada"' + b"}" * depth
    body = b'{"resourceType": "Parameters", "parameter": [{"name": "patient-reference", '
    body += b'"valueReference": ' + deep + b"}]}"
    headers = {"content-type": "application/fhir+json"}
    found = _call(app, "POST", "/Appointment/$find", Role.ADMIN, {}, content=body, headers=headers)
    assert 400 <= found.status_code < 500, found.text[:200]


def test_a_scheduler_of_some_clinics_cannot_apply_the_regional_plan(
    app: FastAPI, region: Region, ada: AdaRecords
) -> None:
    """Applying books or refers every open request; ada's (San Diego) is not fontana's."""
    with region.store:
        before = sorted((r.id, r.status.value) for r in region.store.requests.list())
    path = "/optimize/$apply?from=2026-06-01&horizon=5&time-limit=2"
    found = _call(app, "POST", path, Role.SCHEDULER, FONTANA)
    assert found.status_code == 403
    assert "outside your clinics" in found.text
    page = _call(app, "POST", "/app/queue/optimizer/apply", Role.SCHEDULER, FONTANA)
    assert page.status_code == 403
    with region.store:
        after = sorted((r.id, r.status.value) for r in region.store.requests.list())
    assert after == before
