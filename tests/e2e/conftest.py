"""Fixtures for the end-to-end tests: the demo region (fhir_support.py) behind the FHIR API,
through a TestClient or a real uvicorn server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conformance_gate import SchemaGate
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import FhirClient, Region, auth_headers, build
from locked_store import locked

from parity.adapters.rules_files import load_contract, load_rules
from parity.entrypoints.api import create_app
from parity.services.policy import Policy


@pytest.fixture(scope="session")
def policy() -> Policy:
    return Policy(load_rules(), load_contract("socal-2025"))


@pytest.fixture
def region(policy: Policy) -> Region:
    return build(policy)


@pytest.fixture
def app(region: Region) -> Iterator[FastAPI]:
    """The API on the demo region, behind the conformance gate: a test fails when any FHIR
    body it received breaks the official R4 JSON schema."""
    made = create_app(locked(region.store), region.policy, region.clock)
    failures: list[str] = []
    made.add_middleware(SchemaGate, failures=failures)
    yield made
    assert failures == [], "bodies that break the FHIR R4 schema:\n" + "\n".join(failures[:20])


@pytest.fixture
def api(app: FastAPI) -> Iterator[FhirClient]:
    with TestClient(app, headers=auth_headers(app)) as client:
        yield FhirClient(client)
