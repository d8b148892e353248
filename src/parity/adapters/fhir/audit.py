"""AuditEvent records as FHIR R4 AuditEvent resources (pure functions)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from parity.domain.audit import AuditEvent
from parity.domain.audit_query import members_of, outcome_code

Json = dict[str, Any]
EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
NETWORK_IP = "2"  # http://hl7.org/fhir/network-type: IP address


def _entities(event: AuditEvent) -> list[Json]:
    found: list[Json] = [
        {
            "what": {"display": f"{event.entity_type}/{event.entity_id}"},
            "type": {"code": event.entity_type},
            "description": event.route,
        }
    ]
    for member_id in sorted(members_of(event)):
        found.append(
            {
                "what": {"reference": f"Patient/{member_id}"},
                "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"},
            }
        )
    return found


def audit_event(event: AuditEvent) -> Json:
    return {
        "resourceType": "AuditEvent",
        "id": str(event.id),
        "type": {"system": EVENT_TYPE, "code": "rest", "display": "RESTful Operation"},
        "action": event.action.value,
        "recorded": event.recorded.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "outcome": outcome_code(event.outcome),
        "outcomeDesc": f"HTTP {event.outcome}",
        "agent": [
            {
                "who": {"identifier": {"value": event.agent}, "display": event.agent},
                "role": [{"text": event.role}],
                "requestor": True,
                "network": {"address": event.source, "type": NETWORK_IP},
            }
        ],
        "source": {"site": "parity", "observer": {"display": "Parity"}},
        "entity": _entities(event),
    }
