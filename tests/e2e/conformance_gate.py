"""The conformance gate of the e2e suite (docs/adr/0015): every FHIR JSON body the API sends
is validated against the official FHIR R4 JSON schema (fhir_r4/fhir.schema.json, see
fhir_r4/README.md) with jsonschema-rs, and the R4 invariants that matter for scheduling
are checked with FHIRPath (fhirpathpy), as an ASGI middleware around the app the tests
drive, so no test can skip it. Problems fail the test that received the body; the
resources checked are counted by type and printed at the end of the run."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from fhirpathpy import evaluate
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SCHEMA = Path(__file__).parent / "fhir_r4" / "fhir.schema.json"
CHECKED: Counter[str] = Counter()


@cache
def _definitions() -> dict[str, Any]:
    """The schema's definitions. The file is R4's first release (4.0.0); the technical
    correction 4.0.1, the version Parity declares, changed no structure but added its own
    code to the `fhirVersion` value sets, so that code is allowed here too."""
    found: dict[str, Any] = json.loads(SCHEMA.read_text())["definitions"]
    for definition in found.values():
        version = definition.get("properties", {}).get("fhirVersion", {})
        if "4.0.0" in version.get("enum", []):
            version["enum"] = [*version["enum"], "4.0.1"]
    return found


@cache
def _validator(resource_type: str) -> Any:
    """A validator of one resource type (its own definition: precise error messages)."""
    schema = {"$ref": f"#/definitions/{resource_type}", "definitions": _definitions()}
    return jsonschema_rs.Draft6Validator(schema)


# The R4 invariants that matter for scheduling, as the specification states them
# (hl7.org/fhir/R4: Appointment app-2..4, Bundle bdl-1, bdl-2, bdl-7, ServiceRequest prr-1),
# checked with a FHIRPath engine.
INVARIANTS: dict[str, dict[str, str]] = {
    "Appointment": {
        "app-2": "start.exists() = end.exists()",
        "app-3": "(start.exists() and end.exists()) or "
        "(status in ('proposed' | 'cancelled' | 'waitlist'))",
        "app-4": "cancelationReason.exists().not() or (status='noshow' or status='cancelled')",
    },
    "Bundle": {
        "bdl-1": "total.empty() or (type = 'searchset') or (type = 'history')",
        "bdl-2": "entry.search.empty() or (type = 'searchset')",
        "bdl-7": "(type = 'history') or entry.where(fullUrl.exists())"
        ".select(fullUrl & resource.meta.versionId).isDistinct()",
    },
    "ServiceRequest": {"prr-1": "orderDetail.empty() or code.exists()"},
}
EVALUATED: Counter[str] = Counter()


def broken_invariants(resource: dict[str, Any]) -> list[str]:
    kind = str(resource.get("resourceType"))
    found = []
    for key, expression in INVARIANTS.get(kind, {}).items():
        EVALUATED[key] += 1
        if evaluate(resource, expression) != [True]:
            found.append(f"{kind}/{resource.get('id', '')} breaks {key}: {expression}")
    return found


def empties(value: Any, path: str = "") -> list[str]:
    """Where a body holds an empty array, object or string, which R4's JSON format forbids
    (hl7.org/fhir/R4/json.html) and the JSON schema does not catch."""
    if value in ([], {}, ""):
        return [f"empty value at {path or '/'}"]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in empties(v, f"{path}/{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in empties(v, f"{path}/{i}")]
    return []


def _resources(body: dict[str, Any]) -> list[dict[str, Any]]:
    nested = [e["resource"] for e in body.get("entry") or [] if isinstance(e.get("resource"), dict)]
    return [body, *nested]


def problems(body: Any) -> list[str]:
    """What the R4 schema finds wrong with a body (and count what it checked)."""
    kind = body.get("resourceType") if isinstance(body, dict) else None
    if not isinstance(kind, str) or kind not in _definitions():
        return [f"not a FHIR resource: {str(body)[:120]}"]
    found = [
        f"{kind}: {e.message[:300]} at {list(e.instance_path)}"
        for e in _validator(kind).iter_errors(body)
    ]
    found += empties(body)
    for resource in _resources(body):
        CHECKED[str(resource.get("resourceType"))] += 1
        found += broken_invariants(resource)
    return found


class SchemaGate:
    """Validates each `application/fhir+json` response; `failures` collects what it found."""

    def __init__(self, app: ASGIApp, failures: list[str]) -> None:
        self.app = app
        self.failures = failures

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "HEAD":  # HEAD: GET's headers, no body
            await self.app(scope, receive, send)
            return
        fhir = False
        chunks: list[bytes] = []

        async def watch(message: Message) -> None:
            nonlocal fhir
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                fhir = headers.get(b"content-type", b"").startswith(b"application/fhir+json")
            elif message["type"] == "http.response.body" and fhir:
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    self._check(scope, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, watch)

    def _check(self, scope: Scope, raw: bytes) -> None:
        where = f"{scope['method']} {scope['path']}"
        self.failures += [f"{where}: {p}" for p in problems(json.loads(raw))]
