"""What the security tests share: users of every role linked to the demo member Ada, her
records (a booked visit, an open request with an offer), and the calls that reach them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from fastapi import FastAPI
from fhir_support import FhirClient, Region, auth_headers, matches, parameters

from parity.adapters.passwords import Argon2Passwords
from parity.domain.users import Role
from parity.services.users import AddUser, add_user

PASSWORD = "matrix-test-password"
QUICK = Argon2Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
CLINICS = ("san-diego", "fontana", "downey", "lancaster")


@dataclass(frozen=True)
class AdaRecords:
    """Ada's records and the clinician who treats her."""

    appointment_id: str
    request_id: str
    offer_id: str
    clinician_id: str
    slot_id: str
    proposal_id: str


def prepare(api: FhirClient) -> AdaRecords:
    """Through the API as an admin: a visit booked for Ada, and an offer on a second request."""
    first = matches(api.post("/Appointment/$find", parameters(patient_reference="Patient/ada")))
    booked = api.post("/Appointment/$book", parameters(appt_id=first[0]["id"]))
    visit = booked["entry"][0]["resource"]
    second = matches(api.post("/Appointment/$find", parameters(patient_reference="Patient/ada")))
    request = second[0]["basedOn"][0]["reference"]
    offer = api.post(
        f"/{request}/$offer",
        parameters(slot=second[0]["slot"][0]["reference"], channel="phone"),
    )
    clinician = visit["participant"][1]["actor"]["reference"].removeprefix("Practitioner/")
    third = matches(api.post("/Appointment/$find", parameters(patient_reference="Patient/ada")))
    return AdaRecords(
        visit["id"],
        request.removeprefix("ServiceRequest/"),
        offer["id"],
        clinician,
        second[0]["slot"][0]["reference"].removeprefix("Slot/"),
        third[0]["id"],
    )


def links(role: Role, ada: AdaRecords) -> dict[str, Any]:
    """The links of the test user of `role`: all of them see Ada's records."""
    return {
        Role.MEMBER: {"member": "ada"},
        Role.THERAPIST: {"clinician": ada.clinician_id},
        Role.SCHEDULER: {"clinics": CLINICS},
    }.get(role, {})


def headers_for(app: FastAPI, role: Role | None, ada: AdaRecords) -> dict[str, str]:
    return {} if role is None else auth_headers(app, role, **links(role, ada))


def add_login_user(
    region: Region, username: str = "matrix", role: Role = Role.ADMIN, **links: Any
) -> None:
    add_user(AddUser(username, role, PASSWORD, **links), region.store, region.clock, QUICK)
