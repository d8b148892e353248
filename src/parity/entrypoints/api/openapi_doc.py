"""The OpenAPI document says what the API really answers (checked by schemathesis in
tests/e2e/test_schema_fuzzing.py).

FastAPI documents a 422 `HTTPValidationError` in `application/json` for every operation
that takes input, but Parity answers every refusal with a FHIR OperationOutcome in
`application/fhir+json` (errors.py): 400 for a malformed request, 404 for an unknown id,
409 for a rule or a race, 413 for an oversized body, 422 for an input that is well formed
but not usable, 503 when the database is briefly unavailable. This module rewrites the
generated document once, in one place, instead of repeating `responses=` on every route.
The reports, plan and optimizer routers answer plain JSON (their routers say so with
`default_response_class`); only their refusals are FHIR.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from parity.entrypoints.api.formats import FormatCheck
from parity.entrypoints.api.responses import FHIR_JSON

OUTCOME_REF = {"$ref": "#/components/schemas/OperationOutcome"}
RESOURCE_REF = {"$ref": "#/components/schemas/FhirResource"}
REFUSALS = {
    "400": "Malformed request (OperationOutcome, issue code `invalid`)",
    "401": "No valid bearer token (OperationOutcome, issue code `login`; WWW-Authenticate)",
    "403": "The role matrix or a row-level rule refuses it (OperationOutcome, `forbidden`)",
    "404": "Unknown resource or route (OperationOutcome, issue code `not-found`)",
    "409": "A rule or a concurrent change refuses it (OperationOutcome naming the rule)",
    "413": "Request body too large (OperationOutcome)",
    "422": "Well-formed but unusable input (OperationOutcome naming the rule)",
    "429": "Too many failed sign-ins (OperationOutcome, `throttled`; Retry-After)",
    "503": "The database is briefly unavailable; retry (OperationOutcome)",
}
SCHEMAS: dict[str, Any] = {
    "OperationOutcome": {
        "type": "object",
        "required": ["resourceType", "issue"],
        "properties": {
            "resourceType": {"const": "OperationOutcome"},
            "issue": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["severity", "code"],
                    "properties": {
                        "severity": {"enum": ["fatal", "error", "warning", "information"]},
                        "code": {"type": "string"},
                        "diagnostics": {"type": "string"},
                    },
                },
            },
        },
    },
    "FhirResource": {
        "type": "object",
        "required": ["resourceType"],
        "properties": {"resourceType": {"type": "string"}},
    },
}


def install(app: FastAPI) -> None:
    """Make `app.openapi()` return the corrected document (built once, then cached), and
    refuse what the document does not offer: XML (formats.py: 406 and 415)."""
    app.openapi = _builder(app)  # type: ignore[method-assign]
    app.add_middleware(FormatCheck)


def _builder(app: FastAPI) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = corrected(document)
        return app.openapi_schema

    return build


def corrected(document: dict[str, Any]) -> dict[str, Any]:
    """The document with the FHIR refusals declared and FHIR successes typed."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components.update(SCHEMAS)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            _correct_operation(operation.setdefault("responses", {}))
    return document


def _correct_operation(responses: dict[str, Any]) -> None:
    responses.pop("422", None)
    for answer in responses.values():
        _type_fhir_success(answer)
    for status, description in REFUSALS.items():
        responses[status] = {
            "description": description,
            "content": {FHIR_JSON: {"schema": OUTCOME_REF}},
        }


def _type_fhir_success(answer: dict[str, Any]) -> None:
    """A FHIR success with no schema of its own is at least a resource."""
    fhir = answer.get("content", {}).get(FHIR_JSON)
    if fhir is not None and not fhir.get("schema"):
        fhir["schema"] = RESOURCE_REF
