"""The pages as a careless user or an attacker would use them (docs/adr/0011, twelfth
round): a control character in any field or address is a plain 400 and stores nothing (a NUL
byte was a 500 on PostgreSQL, from the member's request form and the sign-in form alike); a
referral made on a request's page names the signed-in scheduler (it wrote "scheduler");
leave typed from a week ago is refused and the visits it covered stay as they were."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import FhirClient, Region, instant, matches, parameters

from parity.domain.care import AppointmentStatus
from parity.domain.users import Principal, Role
from parity.domain.workforce import Modality
from parity.entrypoints.security import issue_token
from parity.entrypoints.security.context import SESSION_COOKIE

CLINICS = ("san-diego", "fontana", "downey", "lancaster")


def signed_in(app: FastAPI, who: Principal) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, issue_token(app, who))
    return client


def csrf(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text[:300]
    return page.text.split('name="csrf_token" value="')[1].split('"')[0]


def open_request(api: FhirClient) -> int:
    """An open request of Ada's (the API's `$find` opens one)."""
    found = matches(api.post("/Appointment/$find", parameters(patient_reference="Patient/ada")))
    return int(found[0]["basedOn"][0]["reference"].removeprefix("ServiceRequest/"))


ADA = Principal("ada-online", Role.MEMBER, "ada")
SAM = Principal("sam.scheduler", Role.SCHEDULER, clinic_ids=CLINICS)


@pytest.mark.parametrize("typed", ["en\x00glish", "english\x1b[31m", "\x7f"])
def test_a_control_character_in_a_form_is_a_plain_refusal_and_nothing_is_stored(
    app: FastAPI, region: Region, typed: str
) -> None:
    before = len(region.store.requests.where(member_id="ada"))
    with signed_in(app, ADA) as client:
        token = csrf(client, "/app/me")
        form = {"csrf_token": token, "visit": "initial", "provider_class": "therapist"}
        answer = client.post(
            "/app/me/requests", data={**form, "modality": "video", "language": typed}
        )
    assert answer.status_code == 400
    assert "control character" in answer.text
    assert "text/html" in answer.headers["content-type"]
    assert len(region.store.requests.where(member_id="ada")) == before


def test_tab_and_line_breaks_in_a_note_are_still_typed_text(app: FastAPI, region: Region) -> None:
    with signed_in(app, ADA) as client:
        token = csrf(client, "/app/me")
        form = {"csrf_token": token, "visit": "initial", "provider_class": "therapist"}
        answer = client.post(
            "/app/me/requests", data={**form, "modality": "video", "language": "english\r\n\t"}
        )
    assert answer.status_code == 303


@pytest.mark.parametrize(
    "path", ["/app/queue?q=a%00b", "/app/clinicians?clinic=%01north", "/app/requests?id=1%00"]
)
def test_a_control_character_in_a_page_address_is_a_plain_refusal(app: FastAPI, path: str) -> None:
    with signed_in(app, SAM) as client:
        answer = client.get(path)
    assert answer.status_code == 400
    assert "control character" in answer.text


def test_a_nul_in_the_sign_in_form_is_refused_without_a_session(app: FastAPI) -> None:
    with TestClient(app, follow_redirects=False) as client:
        answer = client.post("/app/login", data={"username": "demo\x00admin", "password": "x"})
    assert answer.status_code == 400
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


def test_a_referral_from_the_page_names_the_signed_in_scheduler(
    app: FastAPI, api: FhirClient, region: Region
) -> None:
    request_id = open_request(api)
    with signed_in(app, SAM) as client:
        token = csrf(client, f"/app/requests/{request_id}")
        answer = client.post(
            f"/app/requests/{request_id}/refer",
            data={"csrf_token": token, "reason": "no therapist speaks her language in time"},
        )
    assert answer.status_code == 303, answer.text[:400]
    (referral,) = region.store.referrals.where(request_id=request_id)
    assert referral.made_by == "sam.scheduler"


def test_leave_typed_from_before_now_is_refused_and_the_visits_under_it_stay(
    app: FastAPI, api: FhirClient, region: Region
) -> None:
    found = matches(api.post("/Appointment/$find", parameters(patient_reference="Patient/ada")))
    booked = api.post("/Appointment/$book", parameters(appt_id=found[0]["id"]))["entry"][0]
    visit = booked["resource"]
    clinician = visit["participant"][1]["actor"]["reference"].removeprefix("Practitioner/")
    start = instant(visit["start"])
    region.clock.advance(start + timedelta(minutes=20) - region.clock.now())  # it has begun
    therapist = Principal("dr-week", Role.THERAPIST, clinician_id=clinician)
    local = start.astimezone(region.policy.rules.timezone)
    with signed_in(app, therapist) as client:
        week = f"/app/clinicians/{clinician}/week"
        token = csrf(client, week)
        form = {
            "csrf_token": token,
            "start": (local - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "end": (local + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "sick",
            "kind": "pto",
        }
        first = client.post(f"/app/clinicians/{clinician}/pto", data=form)
        confirmed = client.post(
            f"/app/clinicians/{clinician}/pto", data={**form, "confirmed": "yes"}
        )
    for answer in (first, confirmed):
        assert answer.status_code == 422
        assert "cannot start in the past" in answer.text
    kept = region.store.appointments.get(int(visit["id"]))
    assert kept.status is AppointmentStatus.BOOKED
    assert not region.store.availability_exceptions.list()


@pytest.mark.parametrize(
    "path", ["/app/clinicians?day=0001-01-01", "/app/clinicians?day=9999-12-31&clinic=san-diego"]
)
def test_a_day_at_the_ends_of_the_calendar_is_refused_on_the_clinicians_page(
    app: FastAPI, path: str
) -> None:
    """The week page bounded its dates (1900-9000); the clinicians' day did not (a 500)."""
    with signed_in(app, SAM) as client:
        answer = client.get(path)
    assert answer.status_code == 422
    assert "out of range" in answer.text


def test_a_modality_ticked_many_times_is_stored_once(app: FastAPI, region: Region) -> None:
    with signed_in(app, ADA) as client:
        token = csrf(client, "/app/me")
        form = {"csrf_token": token, "visit": "initial", "provider_class": "therapist"}
        answer = client.post(
            "/app/me/requests",
            data={**form, "language": "english", "modality": ["video"] * 500 + ["phone"]},
        )
    assert answer.status_code == 303
    (made,) = region.store.requests.where(member_id="ada")
    assert made.modalities == (Modality.VIDEO, Modality.PHONE)
