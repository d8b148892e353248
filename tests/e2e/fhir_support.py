"""Helpers for the end-to-end tests: the demo region, a FHIR test client that validates every body against the `fhir.resources` R4B models, and small
readers for Bundles and Parameters.

The region is `regions/demo.toml` at scale 1 (four clinics, 20 clinicians) with four weeks
laid from Monday 2026-06-01, on a clock fixed at Sunday 2026-05-31 noon in Los Angeles, so
an initial-therapy request made "now" is due by Friday 2026-06-12 23:59:59 PDT.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir.resources.R4B import get_fhir_model_class

from parity.adapters.clock import SimulatedClock
from parity.adapters.memory import MemoryUnitOfWork
from parity.adapters.rules_files import load_region
from parity.domain.members import Member
from parity.domain.users import Principal, Role
from parity.domain.workforce import Modality
from parity.entrypoints.security import issue_token
from parity.services.policy import Policy
from parity.services.schedules import materialise, register_clinician, register_clinics
from parity.simulation.region import build_region

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 5, 31, 12, 0, tzinfo=LA)
FIRST_WEEK = date(2026, 6, 1)
WEEKS = 4
INITIAL_DEADLINE = datetime(2026, 6, 12, 23, 59, 59, tzinfo=LA)

REMOTE = (Modality.VIDEO, Modality.PHONE)
MEMBERS = (
    Member("ada", "Ada Lovelace", "san-diego", "english", REMOTE),
    Member("bo", "Bo Diddley", "fontana", "english", (Modality.IN_PERSON,)),
    Member("cruz", "Celia Cruz", "downey", "spanish", REMOTE),
    Member("dee", "Dee Dee Bridgewater", "san-diego", "english", REMOTE),
    Member("eve", "Eve Arden", "lancaster", "vietnamese", (Modality.IN_PERSON,)),
)

APPOINTMENT_STATUSES = {"proposed", "pending", "booked", "fulfilled", "noshow", "cancelled"}
SLOT_STATUSES = {"free", "busy", "busy-tentative", "busy-unavailable"}
ISSUE_TYPES = {"invalid", "not-found", "conflict", "business-rule", "informational"}
ISSUE_TYPES |= {"not-supported", "exception", "processing", "login", "forbidden", "throttled"}
ISSUE_TYPES |= {"too-long", "transient"}


@dataclass
class Region:
    store: MemoryUnitOfWork
    clock: SimulatedClock
    policy: Policy


def build(policy: Policy) -> Region:
    """The demo region, registered and laid through the services, plus the members."""
    clock = SimulatedClock(NOW)
    store = MemoryUnitOfWork(clock)  # dates each record's changes (meta.lastUpdated)
    synthetic = build_region(load_region("demo"), policy.contract, scale=1.0, seed=7)
    register_clinics(synthetic.clinics, store)
    for clinician, template in zip(synthetic.clinicians, synthetic.templates, strict=True):
        register_clinician(clinician, template, store, policy)
    materialise(store, policy, FIRST_WEEK, WEEKS)
    with store:
        for member in MEMBERS:
            store.members.add(member)
        store.commit()
    return Region(store, clock, policy)


def validate(body: dict[str, Any]) -> dict[str, Any]:
    """Check a body against its R4B model, and the status codes the models leave open."""
    get_fhir_model_class(body["resourceType"]).model_validate(body)
    for resource in [body, *(e["resource"] for e in body.get("entry", []))]:
        kind = resource["resourceType"]
        if kind == "Appointment":
            assert resource["status"] in APPOINTMENT_STATUSES, resource["status"]
        if kind == "Slot":
            assert resource["status"] in SLOT_STATUSES, resource["status"]
        if kind == "OperationOutcome":
            assert {i["code"] for i in resource["issue"]} <= ISSUE_TYPES, resource
    return body


class FhirClient:
    """TestClient calls that check the media type and validate every body."""

    def __init__(self, client: TestClient) -> None:
        self.http = client

    def _checked(self, response: httpx.Response, expect: int) -> dict[str, Any]:
        assert response.status_code == expect, response.text
        assert response.headers["content-type"].startswith("application/fhir+json")
        return validate(response.json())

    def get(self, path: str, expect: int = 200, **params: Any) -> dict[str, Any]:
        # httpx replaces a URL's own query with `params`, even an empty one (next links).
        response = self.http.get(path, params=params) if params else self.http.get(path)
        return self._checked(response, expect)

    def post(self, path: str, body: Any, expect: int = 200) -> dict[str, Any]:
        return self._checked(self.http.post(path, json=body), expect)


def parameters(**values: Any) -> dict[str, Any]:
    """A Parameters body: `patient_reference="Patient/ada"` → valueString parameters;
    a dict value is used as the parameter as given (e.g. a valueReference)."""
    found = []
    for key, value in values.items():
        name = key[0] + key[1:].replace("_", "-")
        items = value if isinstance(value, list) else [value]
        for item in items:
            found.append(
                {"name": name, **(item if isinstance(item, dict) else {"valueString": item})}
            )
    return {"resourceType": "Parameters", "parameter": found}


def matches(bundle: dict[str, Any], kind: str | None = None) -> list[dict[str, Any]]:
    return [
        e["resource"]
        for e in bundle.get("entry", [])
        if e.get("search", {}).get("mode", "match") == "match"
        and (kind is None or e["resource"]["resourceType"] == kind)
    ]


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle.get("entry", []) if e["resource"]["resourceType"] == kind]


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def auth_headers(
    app: FastAPI,
    role: Role | str = Role.ADMIN,
    *,
    subject: str = "",
    member: str | None = None,
    clinician: str | None = None,
    clinics: tuple[str, ...] = (),
) -> dict[str, str]:
    """A bearer token of `role` signed by this app (admin by default: every route, every row)."""
    who = Principal(subject or f"test-{role}", Role(role), member, clinician, clinics)
    return {"Authorization": f"Bearer {issue_token(app, who)}"}
