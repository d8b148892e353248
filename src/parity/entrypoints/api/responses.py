"""FHIR JSON responses: `application/fhir+json`, resources, Bundles and OperationOutcomes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse

from parity.adapters.fhir import Json, concept
from parity.entrypoints.api.context import Paging

T = TypeVar("T")
FHIR_JSON = "application/fhir+json"


class FhirResponse(JSONResponse):
    media_type = FHIR_JSON

    def render(self, content: Any) -> bytes:
        """orjson, several times faster than the standard encoder on a Bundle of proposals
        (docs/adr/0017-booking-api-speed.md); compact UTF-8 like Starlette's."""
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def outcome(severity: str, code: str, diagnostics: str, rule: str | None = None) -> Json:
    """An OperationOutcome with one issue; `rule` names the Parity rule in `details`."""
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if rule:
        issue["details"] = concept("rule", rule)
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def entry(base: str, resource: Json, mode: str | None = None) -> Json:
    found: Json = {"resource": resource}
    if "id" in resource:
        found["fullUrl"] = f"{base}/{resource['resourceType']}/{resource['id']}"
    if mode:
        found["search"] = {"mode": mode}
    return found


def bundle(kind: str, entries: list[Json], total: int | None = None) -> FhirResponse:
    found: Json = {"resourceType": "Bundle", "type": kind, "entry": entries}
    if total is not None:
        found["total"] = total
    return FhirResponse(found)


def search_results(
    request: Request,
    base: str,
    items: Sequence[T],
    to_fhir: Callable[[T], Json],
    paging: Paging,
) -> FhirResponse:
    """A `searchset` Bundle of one page of `items` (mapped only for that page), with
    `total` and self/next/previous links that carry `_count` and `_offset`."""
    page = items[paging.offset : paging.offset + paging.count]
    entries = [entry(base, to_fhir(item), "match") for item in page]
    found: Json = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(items),
        "link": _links(request, paging, len(items)),
        "entry": entries,
    }
    return FhirResponse(found)


def _links(request: Request, paging: Paging, total: int) -> list[Json]:
    def at(offset: int) -> str:
        return str(request.url.include_query_params(_count=paging.count, _offset=offset))

    links = [{"relation": "self", "url": str(request.url)}]
    if paging.count and paging.offset + paging.count < total:
        links.append({"relation": "next", "url": at(paging.offset + paging.count)})
    if paging.count and paging.offset > 0:
        links.append({"relation": "previous", "url": at(max(0, paging.offset - paging.count))})
    return links
