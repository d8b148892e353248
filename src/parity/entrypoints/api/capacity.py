"""`$find` without a patient: a scheduler looking for capacity before there is a member.

The proposed Appointments name the practitioner, the location and the slot, but no
patient and no request, so they have no id and cannot be held: a `$find` for the member
opens their request and proposes holdable times (docs/adr/0015-fhir-conformance.md).
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request

from parity.adapters import fhir
from parity.domain.errors import InvalidInput
from parity.domain.ports import UnitOfWork
from parity.domain.schedule import Slot
from parity.domain.standards import VisitType
from parity.domain.workforce import Clinician, Modality, ProviderClass
from parity.entrypoints.api import inputs
from parity.entrypoints.api.context import ApiContext
from parity.entrypoints.api.responses import FhirResponse, operation_result, outcome
from parity.entrypoints.api.search import ref, tokens
from parity.services.capacity import CapacityQuery, find_capacity

DEFAULT_WINDOW = timedelta(days=14)
REMOTE = (Modality.VIDEO, Modality.PHONE)
NOT_HOLDABLE = (
    "capacity only: no patient was named, so nothing is proposed to anyone and nothing can "
    "be held; $find with patient-reference to open the member's request"
)


def _query(params: fhir.Parameters, context: ApiContext) -> CapacityQuery:
    now = context.clock.now()
    start = params.moment("start", context.tz)
    end = params.moment("end", context.tz) or (start or now) + DEFAULT_WINDOW
    clinic = ref(params.text("location-reference"), "Location") or ""
    asked = tuple(
        inputs.choice(Modality, t, "service-type") for t in tokens(params.texts("service-type"))
    )
    return CapacityQuery(
        visit=inputs.choice(VisitType, params.text("visit-type") or "initial", "visit-type"),
        provider_class=inputs.provider_class(params.text("specialty") or ProviderClass.THERAPIST),
        language=fhir.language_from(params.text("language") or "english"),
        modalities=asked or ((Modality.IN_PERSON, *REMOTE) if clinic else REMOTE),
        clinic_id=clinic,
        start=start,
        end=end,
        limit=params.count("_count") or context.policy.offer_limit,
    )


def _proposed(slot: Slot, clinician: Clinician, query: CapacityQuery) -> fhir.Json:
    modality = next((m for m in query.modalities if m in clinician.modalities), query.modalities[0])
    return {
        "resourceType": "Appointment",
        "status": "proposed",
        "serviceType": [fhir.concept("modality", modality)],
        "specialty": [fhir.concept("provider-class", query.provider_class)],
        "start": fhir.instant(slot.start),
        "end": fhir.instant(slot.end),
        "minutesDuration": slot.duration_minutes,
        "slot": [fhir.reference("Slot", slot.id)],
        "comment": "Free capacity; not proposed to a member",
        "participant": [
            {
                "actor": fhir.reference("Practitioner", clinician.id, clinician.name),
                "required": "required",
                "status": "accepted",
            },
            {
                "actor": fhir.reference("Location", slot.clinic_id),
                "required": "required",
                "status": "accepted",
            },
        ],
    }


def find(
    request: Request, params: fhir.Parameters, context: ApiContext, uow: UnitOfWork, base: str
) -> FhirResponse:
    if params.text("service-request") or params.text("prior-appointment"):
        raise InvalidInput("service-request and prior-appointment need patient-reference")
    query = _query(params, context)
    found = find_capacity(query, uow, context.clock, context.policy)
    matches = [_proposed(slot, clinician, query) for slot, clinician in found]
    note = outcome("information", "informational", NOT_HOLDABLE)
    return operation_result(request, base, matches, [(note, "outcome")])
