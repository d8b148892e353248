"""Parity's own operations as R4 OperationDefinitions, readable at the canonical URLs the
CapabilityStatement names (`{PARITY}/OperationDefinition/{Type}-{code}`; the scheduling
operations `$find`, `$hold` and `$book` are Argonaut's and defined there).

A client reads one before it calls: which resource, on the instance or the type, whether it
changes anything, and the input parameters by name (docs/adr/0015-fhir-conformance.md,
2026-12-08). Each answers a Bundle or the changed resource; the README says which.
"""

from __future__ import annotations

from parity.adapters.fhir.common import PARITY, Json

OPERATIONS = f"{PARITY}/OperationDefinition"
SLOT = "http://hl7.org/fhir/StructureDefinition/Slot"
PRACTITIONER = "http://hl7.org/fhir/StructureDefinition/Practitioner"
LOCATION = "http://hl7.org/fhir/StructureDefinition/Location"

# An input parameter: (name, min, max, FHIR type, target profile of a Reference or "").
Param = tuple[str, int, str, str, str]
CHANNEL: Param = ("channel", 0, "1", "code", "")
NOTE: Param = ("note", 0, "1", "string", "")
MEMBERS_WORD = (CHANNEL, NOTE)

# id -> (what it does, its input parameters)
OPERATION_DEFINITIONS: dict[str, tuple[str, tuple[Param, ...]]] = {
    "Appointment-cancel": (
        "Cancel a visit or a hold, recording who cancelled (member or clinic)",
        (("cancelled-by", 1, "1", "code", ""), ("reason", 0, "1", "string", "")),
    ),
    "ServiceRequest-clinical-exception": (
        "Record a documented clinical exception that extends the request's deadline",
        (("reason", 1, "1", "string", ""), ("extended-deadline", 0, "1", "dateTime", "")),
    ),
    "ServiceRequest-refer": (
        "Refer the request out of network, as the access law requires when no timely visit exists",
        (
            ("reason", 1, "1", "string", ""),
            ("outside-provider", 0, "1", "string", ""),
            ("appointment", 0, "1", "dateTime", ""),
        ),
    ),
    "ServiceRequest-referral-appointment": (
        "Record where and when the referred member is seen out of network",
        (("outside-provider", 1, "1", "string", ""), ("appointment", 1, "1", "dateTime", "")),
    ),
    "ServiceRequest-offer": (
        "Offer the member a slot (kept as a Task, the offer's evidence)",
        (("slot", 1, "1", "Reference", SLOT), ("channel", 1, "1", "code", "")),
    ),
    "ServiceRequest-waitlist": (
        "Put the request on the waitlist (POST) or take it off (DELETE)",
        (
            ("weekday", 0, "*", "code", ""),
            ("earliest", 0, "1", "time", ""),
            ("latest", 0, "1", "time", ""),
            ("practitioner", 0, "1", "Reference", PRACTITIONER),
            ("modality", 0, "1", "code", ""),
            ("location", 0, "1", "Reference", LOCATION),
        ),
    ),
    "ServiceRequest-prior-authorization": (
        "Record that the signed-in caller determined prior authorisation is not required",
        (),
    ),
    "ServiceRequest-withdraw": ("The member withdraws the request", MEMBERS_WORD),
    "ServiceRequest-prefer-later": (
        "The member's own later date, which the deadline then follows",
        (("date", 1, "1", "date", ""), CHANNEL, NOTE),
    ),
    "Task-accept": ("Accept an offer: book its slot", MEMBERS_WORD),
    "Task-decline": ("Decline an offer (kept as evidence)", MEMBERS_WORD),
}


def _parameter(param: Param) -> Json:
    name, low, high, kind, target = param
    found: Json = {"name": name, "use": "in", "min": low, "max": high, "type": kind}
    if target:
        found["targetProfile"] = [target]
    return found


def operation_definition(key: str) -> Json:
    """The OperationDefinition `key` (`ServiceRequest-refer`): every Parity operation is
    called on an instance and changes what it is called on."""
    description, params = OPERATION_DEFINITIONS[key]
    resource, code = key.split("-", 1)
    return {
        "resourceType": "OperationDefinition",
        "id": key,
        "url": f"{OPERATIONS}/{key}",
        "name": "".join(part[:1].upper() + part[1:] for part in key.split("-")),
        "status": "active",
        "kind": "operation",
        "description": description,
        "affectsState": True,
        "code": code,
        "resource": [resource],
        "system": False,
        "type": False,
        "instance": True,
        "parameter": [_parameter(p) for p in params],
    }
