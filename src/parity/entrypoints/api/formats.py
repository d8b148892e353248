"""Formats: Parity speaks FHIR JSON only. A client that asks for XML (`_format=xml`, or an
`Accept` that takes no JSON) is told so with 406, and an XML body is refused with 415, both
as OperationOutcomes (R4 3.1.0.1.10; docs/adr/0015-fhir-conformance.md)."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from parity.entrypoints.api.responses import FHIR_JSON, outcome

# The pages, their forms, the token endpoint and the API description speak other formats.
NOT_FHIR = ("/app", "/docs", "/redoc", "/openapi.json", "/token", "/health", "/.well-known")
JSON_TYPES = ("json", "*/*", "application/*")


def _header(scope: Scope, name: bytes) -> str:
    found: bytes = dict(scope.get("headers") or []).get(name, b"")
    return found.decode("latin-1").lower()


def _asks_xml(scope: Scope) -> bool:
    """Whether the client asks for a format other than FHIR JSON: `_format` naming one
    (`xml`, `ttl`, `text/html`), or an `Accept` that takes no JSON, or JSON of another FHIR
    version (`fhirVersion=3.0`; R4 http.html#mime-type and #version-parameter)."""
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    asked = query.get("_format", "").lower()
    if asked and "json" not in asked:
        return True
    accept = _header(scope, b"accept")
    if accept and not any(t in accept for t in JSON_TYPES):
        return True
    return "fhirversion=" in accept.replace(" ", "") and not _takes_r4(accept)


def _takes_r4(accept: str) -> bool:
    """Some media range of `accept` names no FHIR version or version 4.0."""
    for media_range in accept.replace(" ", "").split(","):
        version = media_range.partition("fhirversion=")[2].split(";")[0].strip('"')
        if not version or version in ("4.0", "4.0.1"):
            return True
    return False


def refusal(scope: Scope) -> tuple[int, str] | None:
    """406 or 415 with the reason, or None when the request may go on."""
    path = str(scope.get("path", ""))
    if scope["type"] != "http" or path == "/" or path.startswith(NOT_FHIR):  # "/": the pages
        return None
    if "xml" in _header(scope, b"content-type") and scope["method"] in ("POST", "PUT", "PATCH"):
        return 415, "unsupported-media-type: send FHIR JSON (application/fhir+json), not XML"
    if _asks_xml(scope):
        return 406, "not-acceptable: this server answers FHIR R4 JSON (application/fhir+json) only"
    return None


class FormatCheck:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = refusal(scope)
        if refused is None:
            await self.app(scope, receive, send)
            return
        status, message = refused
        body = json.dumps(outcome("error", "not-supported", message, message.split(":")[0]))
        headers = [
            (b"content-type", FHIR_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body.encode()})
