"""Search that means what it says (docs/adr/0015): member look-up as US Core expects, within
the caller's scope; `_id` on every resource; tokens in all three forms; self links with only
the parameters used; no empty arrays. Expected ids come from the members written here."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fhir_support import FhirClient, Region, auth_headers, matches, parameters

from parity.domain.members import Member
from parity.domain.users import Role
from parity.domain.workforce import Modality

LOOKED_UP = (
    Member(
        "m-101",
        "Maria Garcia",
        "downey",
        birth_date=date(1984, 3, 9),
        gender="female",
        phone="619-555-0101",
    ),
    Member(
        "m-102",
        "Mario Garcia Lopez",
        "downey",
        birth_date=date(1984, 7, 1),
        gender="male",
        family="Garcia Lopez",
        given="Mario",
    ),
    Member(
        "m-103",
        "Jose Garcia",
        "fontana",
        birth_date=date(1990, 3, 9),
        gender="male",
        phone="909-555-0103",
        modalities=(Modality.VIDEO,),
    ),
)


@pytest.fixture
def members(region: Region, api: FhirClient) -> FhirClient:
    with region.store:
        for member in LOOKED_UP:
            region.store.members.add(member)
        region.store.commit()
    return api


def ids(bundle: dict[str, Any]) -> list[str]:
    return [r["id"] for r in matches(bundle)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"family": "garcia"}, ["m-101", "m-102", "m-103"]),
        ({"family": "GARC", "birthdate": "1984"}, ["m-101", "m-102"]),
        ({"name": "mari"}, ["m-101", "m-102"]),
        ({"given": "jose,maria"}, ["m-101", "m-103"]),
        ({"family": "garcia", "birthdate": "1984-03-09"}, ["m-101"]),
        ({"family": "garcia", "birthdate": "ge1984-07"}, ["m-102", "m-103"]),
        ({"family": "garcia", "birthdate": "lt1984-07-01"}, ["m-101"]),
        ({"family": "garcia", "birthdate": "ne1984"}, ["m-103"]),
        ({"family": "garcia", "gender": "male"}, ["m-102", "m-103"]),
        ({"gender": "http://hl7.org/fhir/administrative-gender|female"}, ["m-101"]),
        ({"gender": "http://example.org/other|female"}, []),
        ({"telecom": "phone|909-555-0103"}, ["m-103"]),
        ({"phone": "619-555-0101"}, ["m-101"]),
        ({"identifier": "https://parity.example/fhir/member-number|m-102"}, ["m-102"]),
        ({"identifier": "m-102,m-103", "gender": "male"}, ["m-102", "m-103"]),
        ({"_id": "m-101,nobody"}, ["m-101"]),
    ],
)
def test_members_are_found_by_what_a_call_centre_knows(
    members: FhirClient, query: dict[str, str], expected: list[str]
) -> None:
    assert ids(members.get("/Patient", **query)) == expected


def test_a_look_up_never_finds_members_outside_the_callers_scope(
    members: FhirClient, app: FastAPI
) -> None:
    def as_(role: Role, **links: Any) -> list[str]:
        headers = auth_headers(app, role, **links)
        response = members.http.get("/Patient", params={"family": "garcia"}, headers=headers)
        assert response.status_code == 200, response.text
        return ids(response.json())

    assert as_(Role.MEMBER, member="m-103") == ["m-103"]
    assert as_(Role.SCHEDULER, clinics=("fontana",)) == ["m-103"]
    assert as_(Role.THERAPIST, clinician="nobody-treats-them") == []


def test_an_auditor_sees_members_de_identified_and_may_not_look_them_up_by_name(
    members: FhirClient, app: FastAPI
) -> None:
    headers = auth_headers(app, Role.AUDITOR)
    found = members.http.get("/Patient", params={"_id": "m-101"}, headers=headers).json()
    patient = matches(found)[0]
    assert patient["id"] == "m-101"
    assert not {"name", "telecom", "birthDate"} & set(patient)
    refused = members.http.get("/Patient", params={"family": "garcia"}, headers=headers)
    assert refused.status_code == 403


def test_a_bad_birth_date_or_gender_is_a_client_error(members: FhirClient) -> None:
    members.get("/Patient", expect=422, birthdate="1984-13")
    members.get("/Patient", expect=422, birthdate="xx1984")
    members.get("/Patient", expect=422, gender="robot")


def test_self_links_carry_only_the_parameters_used(members: FhirClient) -> None:
    found = members.get("/Patient", family="garcia", colour="blue", _count=2)
    self_link = next(link["url"] for link in found["link"] if link["relation"] == "self")
    assert "family=garcia" in self_link
    assert "colour" not in self_link
    assert ids(members.get(next(lk["url"] for lk in found["link"] if lk["relation"] == "next")))


def test_unknown_parameters_are_refused_only_when_the_client_asks_for_strict_handling(
    api: FhirClient,
) -> None:
    lenient = api.http.get("/Location", params={"colour": "blue"})
    assert lenient.status_code == 200
    strict = api.http.get(
        "/Location", params={"colour": "blue"}, headers={"Prefer": "handling=strict"}
    )
    assert strict.status_code == 400
    assert strict.json()["issue"][0]["code"] == "invalid"


def test_an_empty_searchset_has_no_entry_array(api: FhirClient) -> None:
    empty = api.get("/Location", name="nowhere")
    assert empty["total"] == 0
    assert "entry" not in empty


def test_tokens_match_in_code_and_system_code_forms_and_never_across_systems(
    api: FhirClient,
) -> None:
    by_code = ids(api.get("/Practitioner", communication="es"))
    assert by_code
    assert ids(api.get("/Practitioner", communication="urn:ietf:bcp:47|es")) == by_code
    assert ids(api.get("/Practitioner", communication="http://example.org|es")) == []
    assert ids(api.get("/Practitioner", communication="|es")) == []


def test_specialty_is_the_discipline_and_role_the_provider_class(api: FhirClient) -> None:
    roles = matches(api.get("/PractitionerRole", _count=100))
    disciplines = {r["id"]: r["specialty"][0]["coding"][0]["code"] for r in roles}
    classes = {r["id"]: r["code"][0]["coding"][0]["code"] for r in roles}
    therapists = sorted(k for k, v in classes.items() if v == "therapist")
    psychologists = sorted(k for k, v in disciplines.items() if v == "psychologist")
    assert therapists
    assert psychologists
    assert ids(api.get("/PractitionerRole", role="therapist", _count=100)) == therapists
    assert ids(api.get("/PractitionerRole", specialty="psychologist", _count=100)) == psychologists
    # a provider class is not a specialty (unless it is also a discipline's code)
    assert {disciplines[k] for k in ids(api.get("/PractitionerRole", specialty="therapist"))} <= {
        "therapist"
    }


def test_every_resource_is_searchable_by_id(api: FhirClient) -> None:
    proposal = matches(api.post("/Appointment/$find", parameters(patient_reference="Patient/ada")))
    booked = api.post("/Appointment/$book", parameters(appt_id=proposal[0]["id"]))
    visit = booked["entry"][0]["resource"]
    request_id = visit["basedOn"][0]["reference"].removeprefix("ServiceRequest/")
    slot_id = visit["slot"][0]["reference"].removeprefix("Slot/")
    clinician = visit["participant"][1]["actor"]["reference"].removeprefix("Practitioner/")
    for path, key in [
        ("/Appointment", visit["id"]),
        ("/ServiceRequest", request_id),
        ("/Slot", slot_id),
        ("/Schedule", clinician),
        ("/Practitioner", clinician),
        ("/PractitionerRole", clinician),
        ("/Location", "downey"),
        ("/Patient", "ada"),
    ]:
        assert ids(api.get(path, _id=f"{key},no-such-id")) == [key], path


def test_a_scheduler_finds_the_visit_they_booked_by_id(app: FastAPI, api: FhirClient) -> None:
    headers = auth_headers(app, Role.SCHEDULER, clinics=("san-diego",))
    proposal = matches(api.post("/Appointment/$find", parameters(patient_reference="Patient/ada")))
    booked = api.http.post(
        "/Appointment/$book", json=parameters(appt_id=proposal[0]["id"]), headers=headers
    )
    assert booked.status_code == 200, booked.text
    visit_id = booked.json()["entry"][0]["resource"]["id"]
    found = api.http.get("/Appointment", params={"_id": visit_id}, headers=headers)
    assert found.status_code == 200, found.text
    assert ids(found.json()) == [visit_id]
