"""`GET /metadata`: the CapabilityStatement, what this server reads, searches and does."""

from __future__ import annotations

from fastapi import APIRouter

from parity.adapters.fhir import PARITY, Json, instant
from parity.entrypoints.api import audit_events
from parity.entrypoints.api.context import Base, Context
from parity.entrypoints.api.responses import FHIR_JSON, FhirResponse

router = APIRouter(tags=["Capabilities"])

ARGONAUT = "http://fhir.org/guides/argonaut-scheduling/OperationDefinition"
OWN = f"{PARITY}/OperationDefinition"

# resource type -> (search parameters, type-level operations, instance-level operations)
RESOURCES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[str, ...]]] = {
    "Practitioner": (("_id", "name", "communication"), (), ()),
    "PractitionerRole": (("practitioner", "location", "specialty"), (), ()),
    "Location": (("_id", "name"), (), ()),
    "Patient": (("_id",), (), ()),
    "Schedule": (("actor",), (), ()),
    "Slot": (("schedule", "actor", "start", "status"), (), ()),
    "ServiceRequest": (
        ("patient", "status"),
        (),
        ("clinical-exception", "refer", "offer", "waitlist"),
    ),
    "Appointment": (
        ("patient", "practitioner", "based-on", "date", "status"),
        (
            ("find", f"{ARGONAUT}/appointment-find"),
            ("hold", f"{ARGONAUT}/appointment-hold"),
            ("book", f"{ARGONAUT}/appointment-book"),
        ),
        ("book", "cancel"),
    ),
    "Task": (("based-on", "patient", "code"), (), ("accept", "decline")),
    "AuditEvent": (("agent", "patient", "entity-type", "date", "outcome"), (), ()),
}
# Every call but /metadata, /health and /token needs a bearer token (issue 9; README, Security).
SECURITY = {
    "cors": False,
    "service": [
        {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                    "code": "OAuth",
                }
            ]
        }
    ],
    "description": "OAuth2 bearer tokens (JWT) from POST /token (password grant), or from "
    "the configured OpenID Connect issuer; access by role, see the README's Security section.",
}
SEARCH_TYPES = {"start": "date", "date": "date", "name": "string", "_id": "token"}
REFERENCES = {"schedule", "actor", "practitioner", "location", "based-on", "patient"}


def _search_type(name: str) -> str:
    return "reference" if name in REFERENCES else SEARCH_TYPES.get(name, "token")


def _resource(kind: str) -> Json:
    params, type_operations, instance_operations = RESOURCES[kind]
    operations = [{"name": name, "definition": url} for name, url in type_operations]
    operations += [
        {"name": name, "definition": f"{OWN}/{kind}-{name}"}
        for name in instance_operations
        if name not in {n for n, _ in type_operations}
    ]
    found: Json = {
        "type": kind,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": [{"name": n, "type": _search_type(n)} for n in params],
    }
    if operations:
        found["operation"] = operations
    return found


@router.get("/metadata", summary="CapabilityStatement")
def capability_statement(context: Context, base: Base) -> FhirResponse:
    """What the server supports: read and search per resource, and the scheduling
    operations in the Argonaut/IHE `$find` → `$hold` → `$book` shape."""
    return FhirResponse(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": instant(context.clock.now()),
            "publisher": "Parity",
            "kind": "instance",
            "software": {"name": "Parity"},
            "implementation": {"description": "Parity FHIR R4 scheduling API", "url": base},
            "fhirVersion": "4.0.1",
            "format": [FHIR_JSON, "json"],
            "rest": [
                {
                    "mode": "server",
                    "security": SECURITY,
                    "resource": [_resource(kind) for kind in RESOURCES],
                }
            ],
        }
    )


# The audit trail's FHIR reads are served with the capabilities that declare them.
router.include_router(audit_events.router)
