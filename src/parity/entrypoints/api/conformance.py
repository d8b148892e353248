"""What a client discovers before it calls: Parity's own CodeSystems, extension
StructureDefinitions and OperationDefinitions (`/CodeSystem/{id}`, `/StructureDefinition/{id}`,
`/OperationDefinition/{id}`) and SMART on FHIR's
`/.well-known/smart-configuration` (docs/adr/0015-fhir-conformance.md). All public, like
`/metadata`: they describe the server, never a member."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from parity.adapters.fhir import definitions as fhir_definitions
from parity.adapters.fhir import operation_definitions
from parity.adapters.fhir import versions as fhir_versions
from parity.domain.errors import NotFound
from parity.entrypoints.api.context import Base
from parity.entrypoints.api.responses import FhirResponse

router = APIRouter(tags=["Capabilities"])

SMART_CAPABILITIES = ["client-confidential-symmetric", "permission-user"]


def smart_configuration(base: str) -> dict[str, object]:
    """SMART App Launch 2.0 discovery: where tokens come from and how they are asked for."""
    return {
        "issuer": base,
        "token_endpoint": f"{base}/token",
        "grant_types_supported": ["password"],
        "token_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": ["user/*.read", "user/*.write"],
        "response_types_supported": ["token"],
        "capabilities": SMART_CAPABILITIES,
        "code_challenge_methods_supported": ["S256"],
    }


@router.get(
    "/.well-known/smart-configuration",
    summary="SMART on FHIR discovery: the token endpoint",
    response_class=JSONResponse,
)
def smart(base: Base) -> JSONResponse:
    return JSONResponse(smart_configuration(base))


@router.get("/CodeSystem/{code_system_id}", summary="A code system Parity defines")
def read_code_system(code_system_id: str) -> FhirResponse:
    if code_system_id not in fhir_definitions.CODE_SYSTEMS:
        raise NotFound(f"CodeSystem {code_system_id} not found", resource="CodeSystem")
    return FhirResponse(fhir_versions.stamped(fhir_definitions.code_system(code_system_id), {}))


@router.get("/StructureDefinition/{definition_id}", summary="An extension Parity defines")
def read_structure_definition(definition_id: str) -> FhirResponse:
    if definition_id not in fhir_definitions.EXTENSION_TYPES:
        raise NotFound(
            f"StructureDefinition {definition_id} not found", resource="StructureDefinition"
        )
    definition = fhir_definitions.structure_definition(definition_id)
    return FhirResponse(fhir_versions.stamped(definition, {}))


@router.get("/OperationDefinition/{operation_id}", summary="An operation Parity defines")
def read_operation_definition(operation_id: str) -> FhirResponse:
    """What the CapabilityStatement's `operation.definition` names (docs/adr/0015, 2026-12-08)."""
    if operation_id not in operation_definitions.OPERATION_DEFINITIONS:
        raise NotFound(
            f"OperationDefinition {operation_id} not found", resource="OperationDefinition"
        )
    definition = operation_definitions.operation_definition(operation_id)
    return FhirResponse(fhir_versions.stamped(definition, {}))
