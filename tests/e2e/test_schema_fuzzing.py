"""Schemathesis against Parity's own OpenAPI: every operation gets generated requests
(valid and invalid), and every answer must be a non-5xx response that the schema declares,
with the declared content type and body.

The API runs over the in-memory demo region (fhir_support.py), one fresh region per
operation, so a generated `$apply` or `$book` cannot starve the next operation's cases.
The number of cases actually sent is counted and, at the end of the module, must be at
least 1,000 (docs/adr/0008); every role is fuzzed, not only the admin (docs/adr/0012).
`make test` runs this module in a process of its own, after the rest: schemathesis gives
each operation's test the same node id, which pytest-xdist cannot share out
(docs/adr/0019-two-test-processes.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fhir_support import auth_headers, build
from hypothesis import HealthCheck, settings
from locked_store import locked
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from parity.adapters.rules_files import load_contract, load_rules
from parity.domain.users import Role
from parity.entrypoints.api import create_app
from parity.services.policy import Policy

CASES_PER_OPERATION = 20
CASES_PER_ROLE = 3
MINIMUM_CASES = 1_000
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
sent: list[str] = []


def fuzzed_app() -> FastAPI:
    region = build(Policy(load_rules(), load_contract("socal-2025")))
    return create_app(locked(region.store), region.policy, region.clock)


APP = fuzzed_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=CASES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_generated_request_gets_a_declared_non_5xx_answer(case: Any) -> None:
    response = case.call(headers=auth_headers(APP))  # an admin: every route, every row
    sent.append(f"{case.method} {case.path}")
    case.validate_response(response, checks=CHECKS)


# Every other role too, with its links (docs/adr/0012): a refusal or an empty search must
# be as well-formed as an admin's answer, and never a 5xx.
ROLES = {
    "member": {"member": "ada"},
    "therapist": {"clinician": "c00001"},
    "scheduler": {"clinics": ("san-diego",)},
    "manager": {},
    "auditor": {},
}
TURNS = list(ROLES.items())


@schema.parametrize()
@settings(
    max_examples=len(ROLES) * CASES_PER_ROLE,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_role_gets_declared_non_5xx_answers(case: Any) -> None:
    role, links = TURNS[len(sent) % len(TURNS)]  # the roles in turn; a fresh token each
    response = case.call(headers=auth_headers(APP, Role(role), **links))
    sent.append(f"{case.method} {case.path}")
    case.validate_response(response, checks=CHECKS)


@pytest.fixture(scope="module", autouse=True)
def enough_cases_were_sent() -> Iterator[None]:
    yield
    print(f"\nschemathesis: {len(sent):,} generated requests")
    assert len(sent) >= MINIMUM_CASES
