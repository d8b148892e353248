"""What Parity defines, as FHIR definitions validators can read: its CodeSystems and its
extensions' StructureDefinitions, at the canonical URLs its resources use
(`{PARITY}/CodeSystem/{id}`, `{PARITY}/StructureDefinition/{id}`; docs/adr/0015).

The codes come from the domain's own enumerations, so a new code is published with it.
"""

from __future__ import annotations

from collections.abc import Iterable

from parity.adapters.fhir.common import CODES, EXTENSIONS, Json
from parity.domain.care import CancelledBy
from parity.domain.schedule import BlockKind
from parity.domain.standards import VisitType
from parity.domain.workforce import Discipline, Modality, ProviderClass

TASK_CODES = ("offer", "clinical-exception", "out-of-network-referral")
# Rules named in OperationOutcome details: the list grows with the rules, so it is a fragment.
RULE_CODES = (
    "deadline-unreachable", "forbidden", "import-rejected", "invalid-input",
    "invalid-transition", "link-expired", "link-invalid", "not-authenticated", "not-found",
    "offer-expired", "parity", "protected-time", "protected-time-shortfall", "rule-file",
    "schedule-overlap", "slot-mismatch", "slot-unavailable", "too-many-attempts",
    "unknown-parameter", "unknown-standard", "version-conflict", "invalid-request",
    "not-acceptable", "unsupported-media-type", "database-unavailable", "internal-error",
    "unsupported-modifier",
)  # fmt: skip

CODE_SYSTEMS: dict[str, tuple[str, Iterable[str], str]] = {
    "modality": ("How a visit is held", [m.value for m in Modality], "complete"),
    "provider-class": ("Which access standard a provider falls under", [p.value for p in ProviderClass], "complete"),
    "discipline": ("A clinician's discipline", [d.value for d in Discipline], "complete"),
    "visit-type": ("Urgent, initial or follow-up visit", [v.value for v in VisitType], "complete"),
    "slot-kind": ("What a block of a clinician's week is for", [k.value for k in BlockKind], "complete"),
    "task": ("Evidence kept as Task", TASK_CODES, "complete"),
    "cancelled-by": ("Who cancelled a visit (the law treats them differently)", [c.value for c in CancelledBy], "complete"),
    "rule": ("The Parity rule a refusal enforces", RULE_CODES, "fragment"),
}  # fmt: skip

# extension id -> (value type, the resources it appears on, what it says)
EXTENSION_TYPES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "access-standard": ("", ("ServiceRequest",), "The access standard, citation and legal deadline"),
    "booked-as": ("Reference", ("Appointment",), "The visit a booked hold became"),
    "cancelled-at": ("dateTime", ("Appointment",), "When the visit was cancelled"),
    "fte": ("decimal", ("PractitionerRole",), "Full-time equivalent"),
    "hold-expires": ("instant", ("Appointment",), "When a hold lapses"),
    "hold-status": ("code", ("Appointment",), "What became of a hold"),
    "home-clinic": ("Reference", ("Patient",), "The member's home clinic (service area)"),
    "language": ("CodeableConcept", ("ServiceRequest",), "The language care is asked in"),
    "location": ("Reference", ("Slot",), "Where the slot is held"),
    "modality": ("code", ("Patient", "PractitionerRole"), "A modality offered or accepted"),
    "prior-authorization": ("", ("ServiceRequest",), "The prior-authorisation determination on record: who, role, when, applied"),
    "proposal-reason": ("string", ("Appointment",), "Why $find proposes this appointment"),
    "request-status": ("code", ("ServiceRequest",), "open, booked, referred or withdrawn"),
    "timely": ("boolean", ("Appointment",), "Whether the proposal meets the deadline"),
    "waitlist-rank": ("integer", ("Task",), "Place on the waitlist"),
}  # fmt: skip
ACCESS_STANDARD_PARTS = {
    "name": "code",
    "citation": "string",
    "limit": "string",
    "clock-start": "dateTime",
    "legal-deadline": "dateTime",
}
# The determination (docs/adr/0013, "2026-12-07 (late evening)"): `on-record` and `applied`
# always; who, in which role and when only where a determination is on record.
PRIOR_AUTHORIZATION_PARTS = {
    "on-record": "boolean",
    "applied": "boolean",
    "determined-by": "string",
    "role": "code",
    "recorded": "dateTime",
}
OPTIONAL_PARTS = frozenset({"determined-by", "role", "recorded"})
# complex extension id -> its parts, each with its value type
COMPLEX_PARTS = {
    "access-standard": ACCESS_STANDARD_PARTS,
    "prior-authorization": PRIOR_AUTHORIZATION_PARTS,
}


def code_system(key: str) -> Json:
    title, codes, content = CODE_SYSTEMS[key]
    listed = [{"code": code, "display": code.replace("-", " ")} for code in codes]
    return {
        "resourceType": "CodeSystem",
        "id": key,
        "url": f"{CODES}/{key}",
        "name": key.title().replace("-", ""),
        "title": title,
        "status": "active",
        "caseSensitive": True,
        "content": content,
        "count": len(listed),
        "concept": listed,
    }


def _element(path: str, **more: object) -> Json:
    return {"id": path, "path": path, **more}


def _value(path: str, kind: str) -> list[Json]:
    return [_element(f"{path}.value[x]", min=1, type=[{"code": kind}])]


def _elements(key: str, kind: str) -> list[Json]:
    url = f"{EXTENSIONS}/{key}"
    found = [_element("Extension", short=EXTENSION_TYPES[key][2])]
    if kind:
        return [*found, _element("Extension.url", fixedUri=url), *_value("Extension", kind)]
    for part, part_kind in COMPLEX_PARTS[key].items():
        slice_path = f"Extension.extension:{part}"
        least = 0 if part in OPTIONAL_PARTS else 1
        found += [
            {**_element(slice_path, sliceName=part, min=least, max="1")},
            _element(f"{slice_path}.url", fixedUri=part),
            *_value(slice_path, part_kind),
        ]
    found.append(_element("Extension.url", fixedUri=url))
    found.append(_element("Extension.value[x]", max="0"))
    return found


def structure_definition(key: str) -> Json:
    kind, contexts, description = EXTENSION_TYPES[key]
    return {
        "resourceType": "StructureDefinition",
        "id": key,
        "url": f"{EXTENSIONS}/{key}",
        "name": key.title().replace("-", ""),
        "status": "active",
        "description": description,
        "fhirVersion": "4.0.1",
        "kind": "complex-type",
        "abstract": False,
        "context": [{"type": "element", "expression": c} for c in contexts],
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint",
        "differential": {"element": _elements(key, kind)},
    }
