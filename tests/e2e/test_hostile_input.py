"""Hostile request bodies: malformed, oversized or inconsistent. Each gets a clear 4xx
OperationOutcome and changes nothing: the store holds exactly what it held before."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from fhir_support import FhirClient, Region, matches, parameters, validate

from parity.entrypoints.api.body_limit import API_BODY_LIMIT_BYTES

FIND = "/Appointment/$find"
HOLD = "/Appointment/$hold"
BOOK = "/Appointment/$book"
UTC = ZoneInfo("UTC")


def snapshot(region: Region) -> dict[str, Any]:
    """Everything a request could change, as counts and the set of free slots."""
    store = region.store
    repositories = ("members", "holds", "requests", "offers", "appointments", "referrals")
    found: dict[str, Any] = {name: len(getattr(store, name).list()) for name in repositories}
    everything = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    found["free slots"] = sorted(s.id for s in store.slots.free_between(*everything))
    return found


@pytest.fixture
def http(api: FhirClient) -> TestClient:
    # The `api` fixture's client already carries an admin's bearer token (conftest.py).
    return api.http


def refused(response: Any, status: int | None = None) -> dict[str, Any]:
    """The response is a 4xx FHIR OperationOutcome (of `status` if given); its issue."""
    assert 400 <= response.status_code < 500, response.text
    if status is not None:
        assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    body = validate(response.json())
    assert body["resourceType"] == "OperationOutcome"
    issue: dict[str, Any] = body["issue"][0]
    assert issue["severity"] == "error"
    return issue


def padded_find(size: int) -> bytes:
    """A well-formed $find body of at least `size` bytes (padding in an unknown field)."""
    body = parameters(patient_reference="Patient/ada")
    body["padding"] = "x" * size
    return json.dumps(body).encode()


def test_a_body_declared_over_the_limit_is_a_413_and_changes_nothing(
    http: TestClient, region: Region
) -> None:
    before = snapshot(region)
    response = http.post(FIND, content=padded_find(API_BODY_LIMIT_BYTES))
    assert refused(response, 413)["code"] == "too-long"
    assert snapshot(region) == before


def test_a_chunked_body_over_the_limit_is_a_413_and_changes_nothing(
    http: TestClient, region: Region
) -> None:
    data = padded_find(API_BODY_LIMIT_BYTES)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server has to count
        for start in range(0, len(data), 64 * 1024):
            yield data[start : start + 64 * 1024]

    before = snapshot(region)
    response = http.post(FIND, content=chunks())
    assert refused(response, 413)["code"] == "too-long"
    assert snapshot(region) == before


def offered_slots(response: Any) -> list[str]:
    """The slots a $find answer proposes, in its order."""
    assert response.status_code == 200, response.text
    entries = response.json()["entry"]
    return [
        e["resource"]["slot"][0]["reference"]
        for e in entries
        if e["resource"]["resourceType"] == "Appointment"
    ]


def test_a_large_body_under_the_limit_is_served_like_a_small_one(http: TestClient) -> None:
    headers = {"content-type": "application/fhir+json"}
    small = http.post(FIND, content=padded_find(0), headers=headers)
    large = http.post(FIND, content=padded_find(API_BODY_LIMIT_BYTES // 2), headers=headers)
    # Size under the limit changes nothing: the same slots, proposed in the same order.
    assert offered_slots(large) == offered_slots(small) != []


MALFORMED: list[tuple[str, bytes]] = [
    ("not JSON", b"patient-reference=Patient/ada"),
    ("truncated JSON", b'{"resourceType": "Parameters", "parameter": ['),
    ("not UTF-8", b'{"resourceType": "Parameters\xff\xfe"}'),
    ("JSON null", b"null"),
    ("a JSON number out of range", b'{"resourceType": "Parameters", "parameter": 1e999}'),
    ("NaN", b'{"resourceType": "Parameters", "parameter": [{"name": "_count", "valueInteger": NaN}]}'),
    ("nested ten thousand deep", b'{"resourceType": "Parameters", "parameter": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"),
    ("a Patient instead of Parameters", json.dumps({"resourceType": "Patient", "id": "ada"}).encode()),
    ("no resourceType", json.dumps({"parameter": []}).encode()),
    ("a parameter without a name", json.dumps({"resourceType": "Parameters", "parameter": [{"valueString": "x"}]}).encode()),
    ("a reference of the wrong type", json.dumps(parameters(patient_reference=5)).encode()),
    ("a number where text is expected", json.dumps({"resourceType": "Parameters", "parameter": [{"name": "patient-reference", "valueString": 12}]}).encode()),
    ("a huge integer", json.dumps({"resourceType": "Parameters", "parameter": [{"name": "patient-reference", "valueString": "Patient/ada"}, {"name": "_count", "valueInteger": 10**40}]}).encode()),
]  # fmt: skip


@pytest.mark.parametrize(("what", "data"), MALFORMED, ids=[m[0] for m in MALFORMED])
@pytest.mark.parametrize("path", [FIND, HOLD, BOOK, "/ServiceRequest/1/$refer"])
def test_a_malformed_body_is_a_4xx_outcome_and_changes_nothing(
    http: TestClient, region: Region, path: str, what: str, data: bytes
) -> None:
    http.post(FIND, json=parameters(patient_reference="Patient/ada"))  # request 1 exists
    before = snapshot(region)
    headers = {"content-type": "application/fhir+json"}
    issue = refused(http.post(path, content=data, headers=headers))
    assert issue["diagnostics"], what
    assert snapshot(region) == before


def _proposal(http: TestClient, member: str) -> dict[str, Any]:
    found = http.post(FIND, json=parameters(patient_reference=f"Patient/{member}"))
    return matches(found.json(), "Appointment")[0]


def _slot_id(proposal: dict[str, Any]) -> str:
    return str(proposal["slot"][0]["reference"]).removeprefix("Slot/")


def _request_id(proposal: dict[str, Any]) -> str:
    return str(proposal["basedOn"][0]["reference"]).removeprefix("ServiceRequest/")


def _inconsistent(ada: dict[str, Any], dee: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Bodies that are well formed but contradict the store or themselves."""
    return [
        (FIND, parameters(patient_reference="Patient/nobody")),
        (FIND, parameters(patient_reference="Patient/ada", start="2026-06-10", end="2026-06-02")),
        (FIND, parameters(patient_reference="Patient/ada", service_request=f"ServiceRequest/{_request_id(dee)}")),
        (FIND, parameters(patient_reference="Patient/ada", prior_appointment="Appointment/999999", visit_type="follow-up")),
        (HOLD, parameters(appt_id="proposal-999999-1")),
        (HOLD, parameters(appt_id=f"proposal-{_request_id(ada)}-999999999")),
        (BOOK, parameters(appt_id=ada["id"], patient_id="Patient/dee")),
        (BOOK, parameters(appt_id=f"proposal-{_request_id(ada)}-{_slot_id(dee)}x")),
        # Ada's proposal whose body names Dee's request and slot: which one is meant?
        (BOOK, parameters(appt_resource={"resource": {**ada, "basedOn": dee["basedOn"], "slot": dee["slot"]}})),
        (HOLD, parameters(appt_resource={"resource": {**ada, "slot": [{"reference": "Slot/999999999"}]}})),
        (BOOK, parameters(appt_id=ada["id"], cancelled_appt_id="Appointment/999999")),
        ("/Appointment/999999/$cancel", parameters(cancelled_by="member", reason="test")),
        (f"/ServiceRequest/{_request_id(ada)}/$clinical-exception", parameters(author="Practitioner/nobody", reason="x", extended_deadline="2020-01-01")),
        (f"/ServiceRequest/{_request_id(ada)}/$offer", parameters(slot="Slot/999999999")),
    ]  # fmt: skip


def test_inconsistent_bodies_are_4xx_outcomes_and_change_nothing(
    http: TestClient, region: Region
) -> None:
    ada, dee = _proposal(http, "ada"), _proposal(http, "dee")
    for path, body in _inconsistent(ada, dee):
        before = snapshot(region)
        issue = refused(http.post(path, json=body))
        assert issue["diagnostics"], (path, body)
        assert snapshot(region) == before, (path, body)


CONTROL_REQUESTS = [
    # A NUL as JSON writes it (\u0000), in a $find's patient reference.
    ("post", FIND, json.dumps(parameters(patient_reference="Patient/ada\x00")), "json"),
    # Another control character, escaped in upper case, in a value no rule reads.
    ("post", FIND, json.dumps(parameters(patient_reference="Patient/ada", comment="\x1b")), "json"),
    # A raw NUL byte inside a JSON string.
    ("post", FIND, b'{"resourceType": "Parameters", "parameter": [{"name": "x\x00"}]}', "json"),
    # The token endpoint's form: a NUL in the user name, percent-encoded.
    ("post", "/token", "username=ada%00&password=x&grant_type=password", "form"),
    # A search parameter.
    ("get", "/Patient?name=ada%00", None, None),
    ("get", "/Appointment?patient=Patient/ada%7F", None, None),
]
TYPES = {"json": "application/fhir+json", "form": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    ("method", "path", "body", "kind"), CONTROL_REQUESTS, ids=lambda v: str(v)[:30]
)
def test_a_control_character_anywhere_in_a_request_is_a_400_and_changes_nothing(
    http: TestClient, region: Region, method: str, path: str, body: Any, kind: str | None
) -> None:
    before = snapshot(region)
    headers = {"content-type": TYPES[kind]} if kind else {}
    response = http.request(method.upper(), path, content=body, headers=headers)
    issue = refused(response, 400)
    assert "control character" in issue["diagnostics"]
    assert response.headers["x-content-type-options"] == "nosniff"  # headers still on
    assert snapshot(region) == before


def test_tabs_line_breaks_and_an_escaped_backslash_u_are_ordinary_text(http: TestClient) -> None:
    headers = {"content-type": "application/fhir+json"}
    plain = http.post(FIND, content=padded_find(0), headers=headers)
    body = parameters(patient_reference="Patient/ada")
    # A tab and a line break, and the six characters \u0000 typed as text (JSON: \\u0000).
    body["padding"] = "one\ttwo\nthree\r\n" + "\\u0000"
    typed = http.post(FIND, content=json.dumps(body).encode(), headers=headers)
    assert b"\\\\u0000" in json.dumps(body).encode()
    assert offered_slots(typed) == offered_slots(plain) != []
