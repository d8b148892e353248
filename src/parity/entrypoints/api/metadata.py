"""`GET /metadata`: the CapabilityStatement, what this server reads, searches and does."""

from __future__ import annotations

from fastapi import APIRouter

from parity.adapters.fhir import PARITY, Json, instant
from parity.entrypoints.api import audit_events, conformance
from parity.entrypoints.api.context import Base, Context
from parity.entrypoints.api.responses import FHIR_JSON, FhirResponse

router = APIRouter(tags=["Capabilities"])

ARGONAUT = "http://fhir.org/guides/argonaut-scheduling/OperationDefinition"
OWN = f"{PARITY}/OperationDefinition"

# resource type -> (search parameters, type-level operations, instance-level operations)
RESOURCES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[str, ...]]] = {
    "Practitioner": (("_id", "name", "communication"), (), ()),
    "PractitionerRole": (
        ("_id", "practitioner", "location", "specialty", "role", "practitioner.name"),
        (),
        (),
    ),
    "Location": (("_id", "name"), (), ()),
    "Patient": (
        ("_id", "identifier", "name", "family", "given", "birthdate", "gender", "telecom", "phone"),
        (),
        (),
    ),
    "Schedule": (("_id", "actor"), (), ()),
    "Slot": (("_id", "schedule", "actor", "start", "status"), (), ()),
    "ServiceRequest": (
        ("_id", "patient", "status"),
        (),
        (
            "clinical-exception",
            "refer",
            "referral-appointment",
            "offer",
            "waitlist",
            "prior-authorization",
            "withdraw",
            "prefer-later",
        ),
    ),
    "Appointment": (
        ("_id", "patient", "practitioner", "based-on", "date", "status"),
        (
            ("find", f"{ARGONAUT}/appointment-find"),
            ("hold", f"{ARGONAUT}/appointment-hold"),
            ("book", f"{ARGONAUT}/appointment-book"),
        ),
        ("hold", "book", "cancel"),
    ),
    "Task": (("_id", "based-on", "patient", "code"), (), ("accept", "decline")),
    "AuditEvent": (
        ("_id", "agent", "agent-name", "patient", "entity-type", "date", "outcome"),
        (),
        (),
    ),
    "CodeSystem": ((), (), ()),
    "StructureDefinition": ((), (), ()),
    "OperationDefinition": ((), (), ()),
}
# read only (conformance.py)
DEFINITIONS = {"CodeSystem", "StructureDefinition", "OperationDefinition"}
SECURITY_SERVICE = "http://terminology.hl7.org/CodeSystem/restful-security-service"
OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
IMPLEMENTATION_GUIDES = [
    "http://fhir.org/guides/argonaut-scheduling/ImplementationGuide/argonaut-scheduling",
    "http://hl7.org/fhir/us/core/ImplementationGuide/hl7.fhir.us.core",
    "http://hl7.org/fhir/smart-app-launch/ImplementationGuide/hl7.fhir.uv.smart-app-launch",
]
SEARCH_TYPES = {"start": "date", "date": "date", "birthdate": "date", "_id": "token"}
STRINGS = {"name", "family", "given", "agent-name", "practitioner.name"}
REFERENCES = {"schedule", "actor", "practitioner", "location", "based-on", "patient", "agent"}


def security(base: str) -> Json:
    """Every call but /metadata, discovery, /health and /token needs a bearer token (README,
    Security); SMART clients find the token endpoint here and at
    /.well-known/smart-configuration."""
    return {
        "cors": False,
        "extension": [
            {"url": OAUTH_URIS, "extension": [{"url": "token", "valueUri": f"{base}/token"}]}
        ],
        "service": [
            {
                "coding": [
                    {"system": SECURITY_SERVICE, "code": "SMART-on-FHIR"},
                    {"system": SECURITY_SERVICE, "code": "OAuth"},
                ]
            }
        ],
        "description": "OAuth2 bearer tokens (JWT) from POST /token (password grant), or from "
        "the configured OpenID Connect issuer; access by role, see the README's Security "
        "section.",
    }


def _search_type(name: str) -> str:
    if name in STRINGS:
        return "string"
    return "reference" if name in REFERENCES else SEARCH_TYPES.get(name, "token")


def _resource(kind: str) -> Json:
    params, type_operations, instance_operations = RESOURCES[kind]
    operations = [{"name": name, "definition": url} for name, url in type_operations]
    operations += [
        {"name": name, "definition": f"{OWN}/{kind}-{name}"}
        for name in instance_operations
        if name not in {n for n, _ in type_operations}
    ]
    interactions = ["read"] if kind in DEFINITIONS else ["read", "search-type"]
    found: Json = {
        "type": kind,
        "interaction": [{"code": code} for code in interactions],
        # If-None-Match and If-Modified-Since answer 304 (api/fhir_http.py)
        "conditionalRead": "full-support",
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
            "implementationGuide": IMPLEMENTATION_GUIDES,
            "rest": [
                {
                    "mode": "server",
                    "security": security(base),
                    "resource": [_resource(kind) for kind in RESOURCES],
                }
            ],
        }
    )


# The audit trail's FHIR reads are served with the capabilities that declare them.
router.include_router(audit_events.router)
router.include_router(conformance.router)
