"""FHIR R4 mapping, as pure functions over dicts (no web framework, repositories or clock).

`resources` and `tasks` render the domain as resources, `parameters` reads FHIR inputs,
`audit`, `definitions` and `versions` cover AuditEvent, Parity's published definitions
and resource versions. The names most routes use are re-exported here (`fhir.slot(...)`).
"""

from __future__ import annotations

from parity.adapters.fhir.common import (
    APPOINTMENT_STATUS,
    BCP47,
    CODES,
    MEMBER_NUMBER,
    PARITY,
    Json,
    concept,
    extension,
    instant,
    language_from,
    reference,
)
from parity.adapters.fhir.parameters import (
    Parameters,
    appointment_reference,
    parse_datetime,
    parse_search_date,
)
from parity.adapters.fhir.resources import (
    appointment,
    held_appointment,
    location,
    modality_for,
    parse_protected_slot_id,
    patient,
    practitioner,
    practitioner_role,
    proposal_id,
    proposed_appointment,
    proposed_appointments,
    protected_slot,
    protected_slot_id,
    schedule,
    service_request,
    slot,
)
from parity.adapters.fhir.tasks import (
    exception_task,
    offer_task,
    parse_task_id,
    referral_task,
)

__all__ = [
    "APPOINTMENT_STATUS",
    "BCP47",
    "CODES",
    "MEMBER_NUMBER",
    "PARITY",
    "Json",
    "Parameters",
    "appointment",
    "appointment_reference",
    "concept",
    "exception_task",
    "extension",
    "held_appointment",
    "instant",
    "language_from",
    "location",
    "modality_for",
    "offer_task",
    "parse_datetime",
    "parse_protected_slot_id",
    "parse_search_date",
    "parse_task_id",
    "patient",
    "practitioner",
    "practitioner_role",
    "proposal_id",
    "proposed_appointment",
    "proposed_appointments",
    "protected_slot",
    "protected_slot_id",
    "reference",
    "referral_task",
    "schedule",
    "service_request",
    "slot",
]
