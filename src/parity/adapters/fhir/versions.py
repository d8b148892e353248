"""Resource versions: `meta.versionId`, `meta.lastUpdated` and the ETag (pure functions).

Every stored record counts its writes (`version`, 1 when added) and keeps when it was
last written (`last_updated`); see `domain.ports.RecordStamp` and migration r0012. A
resource is read from one record or a few (`parts_of`): an Appointment from the visit and
the care request whose window it shows, a booked hold also from its visit. Its versionId
is the sum of their counters, so it grows by at least one with every change to any of
them, and its lastUpdated is the latest of their times (docs/adr/0015).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from parity.adapters.fhir.common import EXTENSIONS, Json, instant
from parity.domain.ports import RecordStamp

Part = tuple[str, Any]  # (the repository's name, the record's key)
UNVERSIONED = frozenset({"Bundle", "OperationOutcome", "Parameters", "CapabilityStatement"})
# Parity's published definitions change only with a release of Parity: their version is
# the definitions' own edition, raised with any change (a unit test pins their content).
DEFINITIONS_VERSION = 4
DEFINITIONS_PUBLISHED = datetime(2026, 12, 8, tzinfo=UTC)
DEFINITIONS = frozenset({"CodeSystem", "StructureDefinition", "OperationDefinition"})
# Task ids name the record they are read from: `offer-3` is the offer 3.
TASK_KINDS = {
    "offer": "offers",
    "exception": "clinical_exceptions",
    "referral": "referrals",
    "waitlist": "waitlist",
    "todo": "requests",
}
# Records referenced from a resource, by the type of the reference.
REFERENCED = {"ServiceRequest": "requests", "Slot": "slots"}
# Resources read from one record of the same key.
ONE_RECORD = {
    "Patient": "members",
    "Practitioner": "clinicians",
    "PractitionerRole": "clinicians",
    "Schedule": "clinicians",
    "Location": "clinics",
    "ServiceRequest": "requests",
}


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def _referenced(value: Any, resource_type: str) -> list[Part]:
    """The key of the first `{resource_type}/{n}` reference in a list of references."""
    number = _referenced_number(value, resource_type)
    return [] if number is None else [(REFERENCED[resource_type], number)]


def _referenced_number(value: Any, resource_type: str) -> int | None:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        kind, _, key = str(value[0].get("reference", "")).partition("/")
        number = _number(key)
        if kind == resource_type and kind in REFERENCED and number is not None:
            return number
    return None


def _booked_as(resource: Json) -> list[Part]:
    for item in resource.get("extension") or []:
        if item.get("url") == f"{EXTENSIONS}/booked-as":
            key = str(item.get("valueReference", {}).get("reference", "")).rpartition("/")[2]
            number = _number(key)
            return [] if number is None else [("appointments", number)]
    return []


def _appointment_parts(key: str, resource: Json) -> list[Part]:
    request = _referenced(resource.get("basedOn"), "ServiceRequest")
    if (number := _number(key)) is not None:
        return [("appointments", number), *request]
    kind, _, rest = key.partition("-")
    if kind == "hold" and (number := _number(rest)) is not None:
        return [("holds", number), *request, *_booked_as(resource)]
    if kind == "proposal":
        return proposal_parts(
            _referenced_number(resource.get("basedOn"), "ServiceRequest"),
            _referenced_number(resource.get("slot"), "Slot"),
        )
    return []


def proposal_parts(request_id: int | None, slot_id: int | None) -> list[Part]:
    """A `$find` proposal is read from its request and its slot (those its `basedOn` and
    `slot` reference): what a route that rendered it passes to `stamp_from` instead of
    parsing its references again (docs/adr/0017-booking-api-speed.md)."""
    found: list[Part] = []
    if request_id is not None:
        found.append((REFERENCED["ServiceRequest"], request_id))
    if slot_id is not None:
        found.append((REFERENCED["Slot"], slot_id))
    return found


def _slot_parts(key: str) -> list[Part]:
    if (number := _number(key)) is not None:
        return [("slots", number)]
    # Protected time (`ipc-{clinician}-{seconds}`) is laid from the clinician's contract.
    clinician = key.removeprefix("ipc-").rpartition("-")[0]
    return [("clinicians", clinician)] if key.startswith("ipc-") and clinician else []


def parts_of(resource: Json) -> list[Part]:
    """The stored records a resource is read from (none for computed or static ones)."""
    kind, key = resource.get("resourceType"), str(resource.get("id", ""))
    if not key:
        return []
    if kind in ONE_RECORD:
        return [(ONE_RECORD[str(kind)], _number(key) if kind == "ServiceRequest" else key)]
    if kind == "Appointment":
        return _appointment_parts(key, resource)
    if kind == "Slot":
        return _slot_parts(key)
    if kind == "Task":
        prefix, _, rest = key.partition("-")
        number = _number(rest)
        return [] if prefix not in TASK_KINDS or number is None else [(TASK_KINDS[prefix], number)]
    return []


def stamp_of(resource: Json, stamps: Mapping[Part, RecordStamp]) -> RecordStamp | None:
    """The resource's version and time, from the stamps of the records it is read from."""
    kind = resource.get("resourceType")
    if kind in DEFINITIONS:
        return RecordStamp(DEFINITIONS_VERSION, DEFINITIONS_PUBLISHED)
    if kind == "AuditEvent":  # append-only: written once, at the time it records
        recorded = resource.get("recorded")
        return RecordStamp(1, datetime.fromisoformat(str(recorded).replace("Z", "+00:00")))
    return stamp_from(parts_of(resource), stamps)


def stamp_from(parts: Iterable[Part], stamps: Mapping[Part, RecordStamp]) -> RecordStamp | None:
    """The stamp of a resource read from these records: the sum of their versions and the
    latest of their times (those of the records whose stamps are known); None if none is."""
    version, latest, known = 0, None, False
    for part in parts:
        stamp = stamps.get(part)
        if stamp is None:
            continue
        known = True
        version += stamp.version
        moment = stamp.last_updated
        if moment is not None and (latest is None or moment > latest):
            latest = moment
    return RecordStamp(version, latest) if known else None


def stamped(resource: Json, stamps: Mapping[Part, RecordStamp]) -> Json:
    """The resource with `meta.versionId` and `meta.lastUpdated` (when its records have
    them); unversioned kinds and id-less resources are returned as they are."""
    if resource.get("resourceType") in UNVERSIONED or "id" not in resource:
        return resource
    stamp = stamp_of(resource, stamps)
    if stamp is None:
        return resource
    return {**resource, "meta": _meta(resource, stamp)}


def stamp_in_place(resource: Json, stamp: RecordStamp | None) -> Json:
    """`stamped`'s `meta` set on the resource itself, for one a route has just rendered
    and owns, whose stamp it computed with `stamp_from` (no copy of the resource; the
    same keys in the same order as `stamped` gives)."""
    if stamp is not None:
        resource["meta"] = _meta(resource, stamp)
    return resource


def _meta(resource: Json, stamp: RecordStamp) -> Json:
    kept = resource.get("meta")
    version = str(stamp.version)
    meta: Json = {"versionId": version} if kept is None else {**kept, "versionId": version}
    if stamp.last_updated is not None:
        meta["lastUpdated"] = instant(stamp.last_updated)
    return meta


def resources_in(body: Json) -> list[Json]:
    """A resource, or the resources of a Bundle's entries."""
    if body.get("resourceType") != "Bundle":
        return [body]
    return [e["resource"] for e in body.get("entry") or [] if isinstance(e.get("resource"), dict)]


def stamp_all(body: Json, stamps: Mapping[Part, RecordStamp]) -> Json:
    """Stamp a resource, or every resource of a Bundle's entries."""
    if body.get("resourceType") != "Bundle":
        return stamped(body, stamps)
    entries = [
        {**e, "resource": stamped(e["resource"], stamps)}
        if isinstance(e.get("resource"), dict)
        else e
        for e in body.get("entry") or []
    ]
    return {**body, "entry": entries} if entries else body


def etag(version: int | str) -> str:
    return f'W/"{version}"'


def matches(if_match: str, version: int) -> bool:
    """Whether an `If-Match` header (one ETag, a list, or `*`) names `version`."""
    tags = {t.strip().removeprefix("W/").strip('"') for t in if_match.split(",")}
    return "*" in tags or str(version) in tags
