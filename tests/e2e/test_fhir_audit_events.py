"""The audit trail read as FHIR (docs/adr/0015): every event readable at its fullUrl, a
search paged to its end however long, `patient=` finding events about several members,
R4 outcome codes, `agent` as a reference. The events are written here, so the expected
counts are known without asking the code under test."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import NOW, Region, auth_headers, matches, validate

from parity.domain.audit import AuditAction, AuditEvent
from parity.domain.users import Role
from parity.services import audit

EVENTS = 1_234  # past the former 1,000 cap


def _event(n: int) -> AuditEvent:
    members = ["ada", "bo,ada,cruz", "bo", None][n % 4]
    status = [200, 403, 404, 500][n % 4]
    return AuditEvent(
        0, NOW + timedelta(seconds=n), "alice" if n % 2 else "bob", "admin", AuditAction.READ,
        "Patient", "search", members, "127.0.0.1", "GET /Patient", status,
    )  # fmt: skip


@pytest.fixture
def trail(region: Region, app: FastAPI) -> TestClient:
    for n in range(EVENTS):
        audit.record(_event(n), region.store)
    return TestClient(app, headers=auth_headers(app, Role.AUDITOR))


def _get(client: TestClient, path: str, checked: bool = True, **params: Any) -> dict[str, Any]:
    # httpx replaces a URL's own query with `params`, even an empty one (next links).
    response = client.get(path, params=params) if params else client.get(path)
    assert response.status_code == 200, response.text
    return validate(response.json()) if checked else dict(response.json())


def _walk(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    """Every page of a search, following next links (other tests check the bodies)."""
    page = _get(client, "/AuditEvent", checked=False, **params)
    found = matches(page)
    while nxt := [link["url"] for link in page["link"] if link["relation"] == "next"]:
        page = _get(client, nxt[0], checked=False)
        found += matches(page)
    return found


def test_the_trail_pages_to_its_end_past_a_thousand_events(trail: TestClient) -> None:
    first = _get(trail, "/AuditEvent", _count=5)
    assert first["total"] == EVENTS
    walked = _walk(trail, _count=1000)
    assert len(walked) == EVENTS
    assert len({e["id"] for e in walked}) == EVENTS


def test_every_event_is_readable_at_its_full_url(trail: TestClient) -> None:
    page = _get(trail, "/AuditEvent", _count=3)
    for item in page["entry"]:
        read = _get(trail, item["fullUrl"])
        assert read["id"] == item["resource"]["id"]
    assert trail.get("/AuditEvent/999999999").status_code == 404
    assert trail.get("/AuditEvent/not-a-number").status_code == 404


def test_patient_finds_events_about_several_members(trail: TestClient) -> None:
    about_ada = {n % 4 for n in range(EVENTS)} & {0, 1}
    expected = sum(1 for n in range(EVENTS) if n % 4 in about_ada)
    assert _get(trail, "/AuditEvent", patient="Patient/ada", _count=0)["total"] == expected
    shared = sum(1 for n in range(EVENTS) if n % 4 in (1, 2))
    assert _get(trail, "/AuditEvent", patient="bo", _count=0)["total"] == shared
    either = sum(1 for n in range(EVENTS) if n % 4 in (0, 1, 2))
    assert _get(trail, "/AuditEvent", patient="Patient/ada,Patient/bo", _count=0)["total"] == either
    assert _get(trail, "/AuditEvent", patient="a", _count=0)["total"] == 0  # never a prefix


@pytest.mark.parametrize(
    ("outcome", "remainders"),
    [
        ("0", {0}),
        ("4", {1, 2}),
        ("8", {3}),
        ("12", set()),
        ("http://hl7.org/fhir/audit-event-outcome|4", {1, 2}),
        ("failure", {1, 2, 3}),
        ("0,8", {0, 3}),
    ],
)
def test_outcome_takes_the_r4_codes(trail: TestClient, outcome: str, remainders: set[int]) -> None:
    expected = sum(1 for n in range(EVENTS) if n % 4 in remainders)
    assert _get(trail, "/AuditEvent", outcome=outcome, _count=0)["total"] == expected


def test_an_unknown_outcome_code_is_refused(trail: TestClient) -> None:
    assert trail.get("/AuditEvent", params={"outcome": "3"}).status_code == 422


def test_agent_is_a_reference_whose_id_is_the_user(trail: TestClient) -> None:
    alice = sum(1 for n in range(EVENTS) if n % 2)
    assert _get(trail, "/AuditEvent", agent="alice", _count=0)["total"] == alice
    assert _get(trail, "/AuditEvent", agent="Practitioner/alice", _count=0)["total"] == alice
    assert (
        _get(trail, "/AuditEvent", **{"agent-name": "bob", "_count": 0})["total"] == EVENTS - alice
    )


def test_an_event_is_found_by_id(trail: TestClient) -> None:
    newest = matches(_get(trail, "/AuditEvent", _count=1))[0]
    found = _get(trail, "/AuditEvent", _id=f"{newest['id']},0")
    assert [e["id"] for e in matches(found)] == [newest["id"]]


def test_a_date_bound_at_the_ends_of_time_answers_rather_than_fails(trail: TestClient) -> None:
    # 0001-01-01T00:00+14:00 is in year 0 once in UTC: the bound covers what can be stored
    # (everything from the first instant on), and the second after 9999-12-31T23:59:59Z
    # none; neither may overflow into a 500.
    every = _get(trail, "/AuditEvent", _count=0)["total"]
    assert every > 0
    early = _get(trail, "/AuditEvent", date="ge0001-01-01T00:00:00+14:00", _count=0)
    assert early["total"] == every
    late = _get(trail, "/AuditEvent", date="gt9999-12-31T23:59:59+00:00", _count=0)
    assert late["total"] == 0
