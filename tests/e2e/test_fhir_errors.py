"""Bad input is refused with a 4xx OperationOutcome that names the rule, never a 500.

The TestClient re-raises any exception a route lets escape, so each of these tests would
fail loudly if bad input reached the 500 fallback; the last test shows the fallback itself.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir_support import FhirClient, Region, auth_headers, matches, parameters, validate

from parity.entrypoints.api import create_app

FIND = "/Appointment/$find"
ADA = {"name": "patient-reference", "valueReference": {"reference": "Patient/ada"}}


def issue(outcome: dict[str, Any]) -> dict[str, Any]:
    assert outcome["resourceType"] == "OperationOutcome"
    found: dict[str, Any] = outcome["issue"][0]
    return found


def test_malformed_json_is_a_400_outcome(api: FhirClient) -> None:
    response = api.http.post(
        FIND,
        content=b'{"resourceType": "Parameters", ',
        headers={"content-type": "application/fhir+json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/fhir+json")
    found = issue(validate(response.json()))
    assert found["code"] == "invalid"
    assert found["diagnostics"].startswith("invalid-request: ")


def test_a_body_that_is_not_parameters_is_a_400_outcome(api: FhirClient) -> None:
    outcome = api.post(FIND, {"resourceType": "Patient", "id": "ada"}, 400)
    assert "Parameters" in issue(outcome)["diagnostics"]


def test_a_missing_required_parameter_is_named(api: FhirClient) -> None:
    # Without a patient $find shows capacity (docs/adr/0015); a request needs its patient.
    outcome = api.post(FIND, parameters(service_request="ServiceRequest/1"), 422)
    assert "patient-reference" in issue(outcome)["diagnostics"]
    assert issue(outcome)["details"]["coding"][0]["code"] == "invalid-input"


def test_an_unsupported_parameter_is_named_with_the_supported_ones(api: FhirClient) -> None:
    body = parameters(patient_reference="Patient/ada", practitioner="Practitioner/c00001")
    diagnostics = issue(api.post(FIND, body, 422))["diagnostics"]
    assert "unsupported parameter(s) practitioner" in diagnostics
    assert "visit-type" in diagnostics


def test_unknown_resources_are_404_outcomes(api: FhirClient) -> None:
    for path in (
        "/Practitioner/nobody",
        "/PractitionerRole/nobody",
        "/Schedule/nobody",
        "/Location/atlantis",
        "/Patient/nobody",
        "/Slot/999999",
        "/Slot/not-a-slot",
        "/Slot/ipc-c00001-12",
        "/Slot/ipc-nobody-12",
        "/ServiceRequest/999",
        "/ServiceRequest/abc",
        "/Appointment/999",
        "/Appointment/hold-999",
        "/Appointment/proposal-1",
        "/Appointment/99999999999999999999999999",
        "/Task/offer-999",
        "/Task/referral-x",
        "/Task/whatever",
        "/NoSuchResource",
    ):
        assert issue(api.get(path, 404))["code"] == "not-found", path


def test_a_method_the_server_does_not_support_is_a_405_outcome(api: FhirClient) -> None:
    response = api.http.delete("/Practitioner/c00001")
    assert response.status_code == 405
    assert issue(validate(response.json()))["code"] == "not-supported"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/Practitioner", {"_count": "many"}),
        ("/Practitioner", {"_count": "-1"}),
        ("/Practitioner", {"_offset": "x"}),
        ("/Patient", {"_offset": "99999999999999999999"}),  # past what an SQL OFFSET holds
        ("/Practitioner", {"_offset": str(2**63)}),
        ("/Slot", {"schedule": "Schedule/c00001", "start": "ne2026-06-01"}),
        ("/Slot", {"schedule": "Schedule/c00001", "start": "ge2026-13-45"}),
        ("/Slot", {"schedule": "Schedule/c00001", "start": "gt9999-12-31"}),
        ("/Slot", {"schedule": "Schedule/c00001", "status": "maybe"}),
        ("/Slot", {"schedule": "Schedule/c00001", "actor": "Practitioner/c00002"}),
        ("/Slot", {"schedule": "Location/fontana"}),
        ("/Appointment", {"patient": "Patient/ada", "status": "perhaps"}),
        ("/Appointment", {"based-on": "ServiceRequest/abc"}),
        ("/ServiceRequest", {}),
        ("/Task", {"patient": "Patient/ada", "code": "gossip"}),
        ("/Task", {}),
    ],
)
def test_bad_search_parameters_are_4xx_outcomes(
    api: FhirClient, path: str, params: dict[str, str]
) -> None:
    response = api.http.get(path, params=params)
    assert 400 <= response.status_code < 500, response.text
    assert issue(validate(response.json()))["severity"] == "error"


def test_the_largest_offset_answers_an_empty_page(api: FhirClient) -> None:
    for path in ("/Patient", "/Practitioner"):
        page = api.get(path, _offset=str(2**63 - 1))
        assert page["total"] > 0
        assert "entry" not in page


def test_extreme_but_valid_dates_find_nothing_rather_than_fail(api: FhirClient) -> None:
    for start in ("lt0001-01-01T00:00:00+14:00", "ge9999-12-30", "le0001-01-01"):
        assert api.get("/Slot", schedule="Schedule/c00001", start=start)["total"] == 0


BAD_BODIES: list[tuple[str, Any]] = [
    (FIND, []),
    (FIND, "Parameters"),
    (FIND, {"resourceType": "Parameters", "parameter": "all"}),
    (FIND, {"resourceType": "Parameters", "parameter": [1, 2]}),
    (FIND, {"resourceType": "Parameters", "parameter": [{"valueString": "nameless"}]}),
    (
        FIND,
        {
            "resourceType": "Parameters",
            "parameter": [{"name": "patient-reference", "valueReference": 5}],
        },
    ),
    (
        FIND,
        {
            "resourceType": "Parameters",
            "parameter": [{"name": "patient-reference", "valueString": "Practitioner/c00001"}],
        },
    ),
    (FIND, {"resourceType": "Parameters", "parameter": [ADA, ADA]}),
    (
        FIND,
        {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "patient-reference", "valueReference": {"reference": "Patient/nobody"}}
            ],
        },
    ),
    (
        FIND,
        {
            "resourceType": "Parameters",
            "parameter": [ADA, {"name": "visit-type", "valueCode": "spa-day"}],
        },
    ),
    (
        FIND,
        {
            "resourceType": "Parameters",
            "parameter": [ADA, {"name": "specialty", "valueCodeableConcept": {"coding": "x"}}],
        },
    ),
    (
        FIND,
        {
            "resourceType": "Parameters",
            "parameter": [ADA, {"name": "service-type", "valueCode": "telepathy"}],
        },
    ),
    (
        FIND,
        {
            "resourceType": "Parameters",
            "parameter": [ADA, {"name": "start", "valueDateTime": "soon"}],
        },
    ),
    (
        FIND,
        {
            "resourceType": "Parameters",
            "parameter": [ADA, {"name": "_count", "valueInteger": True}],
        },
    ),
    (
        FIND,
        {
            "resourceType": "Parameters",
            "parameter": [ADA, {"name": "_count", "valueInteger": 10**9}],
        },
    ),
    (
        FIND,
        {
            "resourceType": "Parameters",
            "parameter": [ADA, {"name": "prior-authorization", "valueString": "yes"}],
        },
    ),
    (
        FIND,
        {
            "resourceType": "Parameters",
            "parameter": [ADA, {"name": "location-reference", "valueString": "Location/atlantis"}],
        },
    ),
    (
        FIND,
        {
            "resourceType": "Parameters",
            "parameter": [
                ADA,
                {"name": "service-request", "valueString": "ServiceRequest/1"},
                {"name": "visit-type", "valueCode": "urgent"},
            ],
        },
    ),
    (
        FIND,
        {
            "resourceType": "Parameters",
            "parameter": [ADA, {"name": "service-request", "valueString": "ServiceRequest/99"}],
        },
    ),
    (
        FIND,
        {
            "resourceType": "Parameters",
            "parameter": [ADA, {"name": "prior-appointment", "valueString": "Appointment/1"}],
        },
    ),
    ("/Appointment/$hold", {"resourceType": "Parameters"}),
    (
        "/Appointment/$hold",
        {"resourceType": "Parameters", "parameter": [{"name": "appt-id", "valueString": "12"}]},
    ),
    (
        "/Appointment/$hold",
        {
            "resourceType": "Parameters",
            "parameter": [{"name": "appt-id", "valueString": "proposal-1-999999"}],
        },
    ),
    (
        "/Appointment/$hold",
        {
            "resourceType": "Parameters",
            "parameter": [{"name": "appt-resource", "resource": "Appointment"}],
        },
    ),
    (
        "/Appointment/$hold",
        {
            "resourceType": "Parameters",
            "parameter": [{"name": "appt-resource", "resource": {"resourceType": "Patient"}}],
        },
    ),
    (
        "/Appointment/$hold",
        {
            "resourceType": "Parameters",
            "parameter": [
                {
                    "name": "appt-resource",
                    "resource": {
                        "resourceType": "Appointment",
                        "basedOn": {"reference": "ServiceRequest/1"},
                    },
                }
            ],
        },
    ),
    (
        "/Appointment/$hold",
        {
            "resourceType": "Parameters",
            "parameter": [
                {
                    "name": "appt-resource",
                    "resource": {
                        "resourceType": "Appointment",
                        "basedOn": [{"reference": "Patient/1"}],
                        "slot": [{"reference": "Slot/1"}],
                    },
                }
            ],
        },
    ),
    (
        "/Appointment/$hold",
        {"resourceType": "Parameters", "parameter": [{"name": "appt-id", "valueString": "hold-1"}]},
    ),
    (
        "/Appointment/$book",
        {
            "resourceType": "Parameters",
            "parameter": [{"name": "appt-id", "valueString": "hold-77"}],
        },
    ),
    (
        "/Appointment/$book",
        {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "appt-id", "valueString": "proposal-1-1"},
                {"name": "cancelled-appt-id", "valueString": "x"},
            ],
        },
    ),
    (
        "/Appointment/$book",
        {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "appt-id", "valueString": "proposal-1-1"},
                {"name": "patient-id", "valueString": "dee"},
            ],
        },
    ),
    (
        "/Appointment/$book",
        {
            "resourceType": "Parameters",
            "parameter": [{"name": "appt-id", "valueString": "proposal-1-2147"}],
        },
    ),
    ("/Appointment/12/$book", {"resourceType": "Parameters"}),
    (
        "/Appointment/1/$cancel",
        {
            "resourceType": "Parameters",
            "parameter": [{"name": "cancelled-by", "valueCode": "martians"}],
        },
    ),
    ("/Appointment/1/$cancel", {"resourceType": "Parameters"}),
    ("/ServiceRequest/1/$refer", {"resourceType": "Parameters"}),
    (
        "/ServiceRequest/1/$clinical-exception",
        {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "author", "valueString": "x"},
                {"name": "reason", "valueString": "y"},
                {"name": "extended-deadline", "valueDateTime": "9999-12-31T23:59:59+14:00"},
            ],
        },
    ),
    (
        "/ServiceRequest/1/$clinical-exception",
        {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "author", "valueString": " "},
                {"name": "reason", "valueString": "y"},
                {"name": "extended-deadline", "valueDate": "2026-07-01"},
            ],
        },
    ),
    (
        "/ServiceRequest/1/$offer",
        {
            "resourceType": "Parameters",
            "parameter": [{"name": "slot", "valueString": "Slot/ipc-c00001-1"}],
        },
    ),
    (
        "/ServiceRequest/1/$offer",
        {
            "resourceType": "Parameters",
            "parameter": [{"name": "slot", "valueString": "Slot/999999"}],
        },
    ),
    (
        "/Task/exception-1/$accept",
        {
            "resourceType": "Parameters",
            "parameter": [{"name": "answered-by", "valueString": "member"}],
        },
    ),
    ("/Task/offer-1/$decline", {"resourceType": "Parameters"}),
]


@pytest.mark.parametrize(("path", "body"), BAD_BODIES)
def test_bad_operation_bodies_are_4xx_outcomes(api: FhirClient, path: str, body: Any) -> None:
    # Request 1 exists and is open, so each body is refused for its own fault.
    api.post(FIND, parameters(patient_reference="Patient/ada"))
    response = api.http.post(path, json=body)
    assert 400 <= response.status_code < 500, response.text
    found = issue(validate(response.json()))
    assert found["severity"] == "error"
    assert found["diagnostics"].split(":")[0] == found["details"]["coding"][0]["code"]


def test_a_refusal_leaves_nothing_behind(api: FhirClient) -> None:
    proposal = matches(api.post(FIND, parameters(patient_reference="Patient/ada")))[0]
    bad = parameters(appt_id=proposal["id"], patient_id="Patient/dee")
    api.post("/Appointment/$book", bad, 422)
    assert api.get("/Appointment", patient="Patient/ada")["total"] == 0
    assert api.get(f"/{proposal['slot'][0]['reference']}")["status"] == "free"


def test_an_unexpected_error_is_a_500_outcome_that_reveals_nothing(region: Region) -> None:
    def broken() -> Any:
        raise RuntimeError("database password is hunter2")

    app = create_app(broken, region.policy, region.clock)
    with TestClient(app, raise_server_exceptions=False, headers=auth_headers(app)) as client:
        response = client.get("/Practitioner")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/fhir+json")
    found = issue(validate(response.json()))
    assert found["code"] == "exception"
    assert "hunter2" not in response.text


def test_find_refuses_a_query_parameter_with_400(api: FhirClient) -> None:
    # A $find takes its parameters in the body; one in the query was ignored silently.
    body = {"resourceType": "Parameters", "parameter": [ADA]}
    in_query = api.http.post(f"{FIND}?visit-type=initial", json=body)
    assert in_query.status_code == 400
    found = issue(validate(in_query.json()))
    assert found["diagnostics"].startswith("unknown-parameter: ")
    assert "visit-type" in found["diagnostics"]


def test_find_still_takes_format_in_the_query(api: FhirClient) -> None:
    body = {"resourceType": "Parameters", "parameter": [ADA]}
    response = api.http.post(f"{FIND}?_format=json", json=body)
    assert response.status_code == 200
    assert response.json()["resourceType"] == "Bundle"
