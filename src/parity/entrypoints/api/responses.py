"""FHIR JSON responses: `application/fhir+json`, resources, Bundles and OperationOutcomes.

Every body is pruned of empty arrays and objects on its way out (FHIR forbids them, e.g. a
searchset without matches has no `entry`). A searchset's self link carries only the
parameters the route understood; an unknown one is ignored, or refused with 400 when the
client asked `Prefer: handling=strict` (docs/adr/0015-fhir-conformance.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse

from parity.adapters.fhir import Json, concept
from parity.domain.errors import InvalidInput
from parity.entrypoints.api import addresses
from parity.entrypoints.api.context import Paging
from parity.entrypoints.api.search import declared_parameters

FHIR_JSON = "application/fhir+json"
# Result parameters every search understands (R4 3.1.1.5.7, and `_format`).
RESULT_PARAMETERS = frozenset({"_count", "_offset", "_format", "_total"})


class UnknownParameter(InvalidInput):
    """A search parameter the server does not know, under `Prefer: handling=strict`."""

    rule = "unknown-parameter"
    http_status = 400


def pruned(value: Any) -> Any:
    """`value` without empty arrays, objects and strings (and None), at any depth. Loops,
    the test of each item inline (no call per item, no membership test against a tuple of
    empties): it walks every FHIR body (docs/adr/0017-booking-api-speed.md)."""
    if isinstance(value, dict):
        return _pruned_dict(value)
    if isinstance(value, list):
        return _pruned_list(value)
    return value


def _pruned_dict(value: dict[Any, Any]) -> dict[Any, Any]:
    kept: dict[Any, Any] = {}
    for key, item in value.items():
        if isinstance(item, _NESTED):
            item = _pruned_dict(item) if isinstance(item, dict) else _pruned_list(item)
            if item:
                kept[key] = item
        elif item is not None and item != "":
            kept[key] = item
    return kept


def _pruned_list(value: list[Any]) -> list[Any]:
    kept: list[Any] = []
    for item in value:
        if isinstance(item, _NESTED):
            item = _pruned_dict(item) if isinstance(item, dict) else _pruned_list(item)
            if item:
                kept.append(item)
        elif item is not None and item != "":
            kept.append(item)
    return kept


_NESTED = (dict, list)


class FhirResponse(JSONResponse):
    """A FHIR JSON body, pruned; a single resource stamped with its version (api/versions.py)
    also answers with `ETag` and `Last-Modified` (docs/adr/0015). `clean`: the body was
    built without empty values (the scheduling operations' answers), and is not walked
    again (docs/adr/0017-booking-api-speed.md)."""

    media_type = FHIR_JSON

    def __init__(
        self,
        content: Any,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        *,
        clean: bool = False,
    ) -> None:
        if not clean:
            content = pruned(content)  # once, here: `render` gets it pruned
        super().__init__(content, status_code, {**_version_headers(content), **(headers or {})})

    def render(self, content: Any) -> bytes:
        """orjson, several times faster than the standard encoder on a Bundle of proposals
        (docs/adr/0017-booking-api-speed.md); compact UTF-8 like Starlette's. The content
        comes pruned of empty values from `__init__`: R4 forbids empty arrays and objects.
        Keys are text in every FHIR body, which orjson writes on its fast path; a body with
        other keys (a number) is written again with them turned to text, as before."""
        try:
            return orjson.dumps(content)
        except TypeError:
            return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def _version_headers(content: Any) -> dict[str, str]:
    meta = content.get("meta") if isinstance(content, dict) else None
    if not isinstance(meta, dict) or "versionId" not in meta:
        return {}
    found = {"ETag": f'W/"{meta["versionId"]}"'}
    if "lastUpdated" in meta:
        moment = datetime.fromisoformat(meta["lastUpdated"].replace("Z", "+00:00"))
        found["Last-Modified"] = format_datetime(moment.astimezone(UTC), usegmt=True)
    return found


def outcome(severity: str, code: str, diagnostics: str, rule: str | None = None) -> Json:
    """An OperationOutcome with one issue; `rule` names the Parity rule in `details`."""
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if rule:
        issue["details"] = concept("rule", rule)
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def entry(base: str, resource: Json, mode: str | None = None) -> Json:
    """A Bundle entry; a resource without an id (an OperationOutcome) gets a `urn:uuid`
    fullUrl, as R4 asks of every entry with a resource."""
    found: Json = {"resource": resource}
    if "id" in resource:
        found["fullUrl"] = f"{base}/{resource['resourceType']}/{resource['id']}"
    else:
        found["fullUrl"] = f"urn:uuid:{uuid.uuid4()}"
    if mode:
        found["search"] = {"mode": mode}
    return found


def bundle(kind: str, entries: list[Json], total: int | None = None) -> FhirResponse:
    found: Json = {"resourceType": "Bundle", "type": kind, "entry": entries}
    if total is not None:
        found["total"] = total
    return FhirResponse(found)


def operation_result(
    request: Request,
    base: str,
    matches: list[Json],
    others: list[tuple[Json, str]],
    *,
    clean: bool = False,
) -> FhirResponse:
    """The Bundle a scheduling operation answers, as the Argonaut IG shows it: a
    `searchset` whose `total` counts the Appointments (`match`), with what is included
    (`include`) and an OperationOutcome (`outcome`), and a self link to the operation.
    `clean`: the resources come without empty values (the Bundle around them has none)."""
    entries = [entry(base, found, "match") for found in matches]
    entries += [entry(base, found, mode) for found, mode in others]
    body: Json = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(matches),
        "link": [{"relation": "self", "url": addresses.address(request)}],
        "entry": entries,
    }
    return FhirResponse(body, clean=clean)


def known_parameters(request: Request) -> frozenset[str]:
    """The query parameters the matched route declares (its own and its dependencies')."""
    return RESULT_PARAMETERS | declared_parameters(request)


def used_parameters(request: Request) -> list[tuple[str, str]]:
    """The query's parameters the route understands, in order; refuse unknown ones with
    400 under `Prefer: handling=strict` (R4 3.1.1.5.1), else ignore them. Of `_summary`
    only `count` is applied (api/context.py); another value is not understood."""
    known = known_parameters(request)
    items = request.query_params.multi_items()
    used = [(k, v) for k, v in items if k in known and (k != "_summary" or v == "count")]
    unknown = sorted({k for k, _ in items} - {k for k, _ in used})
    if unknown and "handling=strict" in request.headers.get("prefer", "").replace(" ", ""):
        raise UnknownParameter(f"unknown search parameter(s) {', '.join(unknown)}")
    return [(k, v) for k, v in used if k not in ("_count", "_offset")]


def searchset(request: Request, entries: list[Json], total: int, paging: Paging) -> FhirResponse:
    """A `searchset` Bundle of one page, with `total` and self/next/previous links."""
    found: Json = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": _links(request, paging, total),
        "entry": entries,
    }
    return FhirResponse(found)


def _links(request: Request, paging: Paging, total: int) -> list[Json]:
    used = used_parameters(request)
    url = str(request.url.replace(query=""))

    def at(offset: int) -> str:
        return f"{url}?{urlencode([*used, ('_count', paging.count), ('_offset', offset)])}"

    links = [{"relation": "self", "url": at(paging.offset)}]
    if paging.count and paging.offset + paging.count < total:
        links.append({"relation": "next", "url": at(paging.offset + paging.count)})
    if paging.count and paging.offset > 0:
        links.append({"relation": "previous", "url": at(max(0, paging.offset - paging.count))})
    return links
