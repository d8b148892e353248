"""Every route × every role (and nobody) against the one declared matrix
(src/parity/entrypoints/security/matrix.py): allowed calls are never 401/403, denied calls
always are (a page sends the anonymous to the login form). A route without an entry fails
the first test, and the walk, since the guard denies it to everyone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from fhir_support import FhirClient, Region, parameters
from security_support import PASSWORD, AdaRecords, add_login_user, headers_for, prepare

from parity.domain.users import Role
from parity.entrypoints.security.matrix import MATRIX, VIEWERS, Access

CALLERS: tuple[Role | None, ...] = (None, *Role)


def declared_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    for route in iter_route_contexts(app.routes):
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                yield method, route.path or ""


def test_every_route_has_exactly_one_entry_in_the_matrix(app: FastAPI) -> None:
    routes = set(declared_routes(app))
    assert routes, "the app has routes"
    assert sorted(routes - set(MATRIX)) == [], "routes without a matrix entry"
    assert sorted(set(MATRIX) - routes - VIEWERS) == [], "matrix entries without a route"
    assert not routes & VIEWERS, "the API viewers are off unless PARITY_API_DOCS=on"


def test_no_route_is_open_without_a_token_but_health_metadata_login_assets_and_signed_links() -> (
    None
):
    public = sorted(path for (_, path), access in MATRIX.items() if access.public)
    assert public == sorted(
        [
            "/",
            "/app",
            "/app/",
            "/app/login",
            "/app/login",
            "/app/offers/respond",  # the signed link is the credential (docs/adr/0009)
            "/app/offers/respond",
            "/app/static/{name}",
            "/.well-known/smart-configuration",  # discovery and definitions (docs/adr/0015)
            "/CodeSystem/{code_system_id}",
            "/StructureDefinition/{definition_id}",
            "/OperationDefinition/{operation_id}",
            "/docs",
            "/docs/oauth2-redirect",
            "/health",
            "/metadata",
            "/openapi.json",
            "/redoc",
            "/token",
        ]
    )


def _path_values(ada: AdaRecords) -> dict[str, str]:
    return {
        "appointment_id": ada.appointment_id,
        "request_id": ada.request_id,
        "task_id": ada.offer_id,
        "offer_id": ada.offer_id.removeprefix("offer-"),
        "patient_id": "ada",
        "clinician_id": ada.clinician_id,
        "practitioner_id": ada.clinician_id,
        "schedule_id": ada.clinician_id,
        "role_id": ada.clinician_id,
        "slot_id": ada.slot_id,
        "location_id": "san-diego",
        "finding_id": "1",
        "action_id": "1",
        "name": "parity.css",
        "rest:path": "nowhere",
        "event_id": "1",  # the audit trail's first event (docs/adr/0015)
        "code_system_id": "modality",
        "definition_id": "timely",
        "operation_id": "Appointment-cancel",
    }


ADA = {"patient": "Patient/ada"}
QUERIES: dict[str, dict[str, str]] = {
    "/Appointment": ADA,
    "/ServiceRequest": ADA,
    "/Task": ADA,
    "/Patient": {"_id": "ada"},
}


def _body(method: str, path: str, ada: AdaRecords) -> dict[str, Any]:
    """A body that passes the row-level rules where one is read (bookings name Ada)."""
    if method != "POST":
        return {}
    if path in ("/token", "/app/login"):
        return {"data": {"username": "matrix", "password": PASSWORD}}
    if path == "/Appointment/$find":
        return {"json": parameters(patient_reference="Patient/ada")}
    if path in ("/Appointment/$hold", "/Appointment/$book"):
        return {"json": parameters(appt_id=ada.proposal_id)}
    return {"data": {}} if path.startswith("/app/") else {"json": {}}


def _url(path: str, ada: AdaRecords) -> str:
    for name, value in _path_values(ada).items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"no test value for a parameter of {path}"
    return path


def _denied(response: httpx.Response) -> bool:
    to_login = response.status_code == 303 and response.headers["location"].startswith(
        "/app/login?next="
    )
    return response.status_code in (401, 403) or to_login


def _allowed(access: Access, caller: Role | None) -> bool:
    return access.public or (caller is not None and caller in access.roles)


@pytest.fixture
def ada(api: FhirClient, region: Region) -> AdaRecords:
    add_login_user(region)
    return prepare(api)


def test_every_route_answers_every_role_as_the_matrix_declares(
    app: FastAPI, ada: AdaRecords
) -> None:
    wrong = []
    with TestClient(app, follow_redirects=False) as client:
        for method, path in sorted(declared_routes(app)):
            access = MATRIX[(method, path)]
            for caller in CALLERS:
                response = client.request(
                    method,
                    _url(path, ada),
                    params=QUERIES.get(path),
                    headers=headers_for(app, caller, ada),
                    **_body(method, path, ada),
                )
                client.cookies.clear()  # a login sets the session cookie: not for the next
                if _denied(response) == _allowed(access, caller):
                    wrong.append(f"{method} {path} as {caller}: {response.status_code}")
    assert wrong == []
