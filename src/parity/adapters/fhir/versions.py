"""Resource versions: `meta.versionId`, `meta.lastUpdated` and the ETag (pure functions).

The version id is a digest of the resource's content, so any change to what a client
reads changes it, whichever service made the change and whichever store holds the record;
`If-Match` compares a client's ETag with it. `lastUpdated` is the latest instant the record
itself recorded (a booking, a cancellation, an answer, an audit event's time); a record
that keeps no such time gets none rather than an invented one (docs/adr/0015).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

Json = dict[str, Any]
UNVERSIONED = frozenset({"Bundle", "OperationOutcome", "Parameters", "CapabilityStatement"})
# Where each kind of record keeps the instants it changed at (top-level elements, and
# Parity's extensions by name).
CHANGED_AT = ("created", "authoredOn", "lastModified", "recorded")
CHANGED_AT_EXTENSIONS = ("cancelled-at",)


def version_id(resource: Json) -> str:
    """A digest of the resource without its `meta` (16 hex digits)."""
    content = {k: v for k, v in resource.items() if k != "meta"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def last_updated(resource: Json) -> str | None:
    """The latest instant the record keeps of its own changes, or None."""
    found = [resource[k] for k in CHANGED_AT if isinstance(resource.get(k), str)]
    for item in resource.get("extension") or []:
        if str(item.get("url", "")).rsplit("/", 1)[-1] in CHANGED_AT_EXTENSIONS:
            found.append(item.get("valueDateTime") or item.get("valueInstant"))
    return max((f for f in found if isinstance(f, str)), default=None)


def stamped(resource: Json) -> Json:
    """The resource with `meta.versionId` (and `meta.lastUpdated` when it keeps one)."""
    if resource.get("resourceType") in UNVERSIONED or "id" not in resource:
        return resource
    meta: Json = {**resource.get("meta", {}), "versionId": version_id(resource)}
    updated = last_updated(resource)
    if updated is not None:
        meta["lastUpdated"] = updated
    return {**resource, "meta": meta}


def etag(resource: Json) -> str:
    return f'W/"{version_id(resource)}"'


def stamp_all(body: Json) -> Json:
    """Stamp a resource, or every resource of a Bundle's entries."""
    if body.get("resourceType") != "Bundle":
        return stamped(body)
    entries = [
        {**e, "resource": stamped(e["resource"])} if isinstance(e.get("resource"), dict) else e
        for e in body.get("entry") or []
    ]
    return {**body, "entry": entries} if entries else body
