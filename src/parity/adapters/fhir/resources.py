"""FHIR R4 rendering: Parity's domain records as FHIR JSON resources.

Pure functions over dicts: no web framework, no repositories, no clock. Identity scheme
(docs/adr/0003-fhir-scheduling-api.md):

* Practitioner, PractitionerRole and Schedule share the clinician's id (one schedule each);
  Location is a clinic, Patient a member, ServiceRequest a care request.
* Slot/{n} is a bookable slot; Slot/ipc-{clinician}-{epoch seconds} is protected
  indirect-patient-care time, exposed read-only as `busy-unavailable`.
* Appointment/{n} is a booked visit; Appointment/proposal-{request}-{slot} a `$find`
  proposal (stateless: the id says what it proposes); Appointment/hold-{n} a `$hold`.
* Task/offer-{n}, Task/exception-{n}, Task/referral-{n}: the evidence the law asks for.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from parity.adapters.fhir.common import (
    APPOINTMENT_STATUS,
    CANCELLATION_REASON,
    CANCELLED_BY_CODES,
    CODES,
    MEMBER_NUMBER,
    REQUEST_STATUS,
    TIMEZONE_EXTENSION,
    V2_APPOINTMENT_TYPE,
    V2_VISIT_CODES,
    VISIT_TITLES,
    Json,
    concept,
    extension,
    instant,
    language_concept,
    reference,
)
from parity.domain.availability import serving
from parity.domain.calendar import EPOCH
from parity.domain.care import (
    Appointment,
    CancelledBy,
    CareRequest,
)
from parity.domain.errors import NotFound
from parity.domain.holds import Hold, HoldStatus
from parity.domain.members import Member
from parity.domain.schedule import ProtectedTime, Slot
from parity.domain.standards import AccessStandard, RuleSet, VisitType
from parity.domain.workforce import Clinic, Clinician, Modality

# -- directory: clinicians, clinics, members -------------------------------------------


def practitioner(clinician: Clinician) -> Json:
    return {
        "resourceType": "Practitioner",
        "id": clinician.id,
        "active": True,
        "name": [{"text": clinician.name}],
        "qualification": [{"code": concept("discipline", clinician.discipline)}],
        "communication": [language_concept(lang) for lang in sorted(clinician.languages)],
    }


def practitioner_role(clinician: Clinician) -> Json:
    return {
        "resourceType": "PractitionerRole",
        "id": clinician.id,
        "active": True,
        "practitioner": reference("Practitioner", clinician.id, clinician.name),
        "location": [reference("Location", clinic) for clinic in clinician.clinic_ids],
        "code": [concept("provider-class", clinician.provider_class)],
        "specialty": [concept("discipline", clinician.discipline)],
        "extension": [
            extension("fte", valueDecimal=clinician.fte),
            *(extension("modality", valueCode=m) for m in sorted(clinician.modalities)),
        ],
    }


def location(clinic: Clinic) -> Json:
    found: Json = {
        "resourceType": "Location",
        "id": clinic.id,
        "status": "active",
        "name": clinic.name,
        "mode": "instance",
        "address": {"line": [clinic.address], "text": clinic.address},
        "extension": [{"url": TIMEZONE_EXTENSION, "valueCode": clinic.timezone}],
    }
    if clinic.lat or clinic.lon:
        found["position"] = {"latitude": clinic.lat, "longitude": clinic.lon}
    return found


def _human_name(member: Member) -> Json:
    found: Json = {"use": "official", "text": member.name, "family": member.family}
    if member.given:
        found["given"] = member.given.split()
    return found


def patient(member: Member, deidentified: bool = False) -> Json:
    """A member as US Core's Patient: member number, name parts, gender, birth date and
    phone; `deidentified` (an auditor) withholds the name, contacts and birth date."""
    found: Json = {
        "resourceType": "Patient",
        "id": member.id,
        "identifier": [{"system": MEMBER_NUMBER, "value": member.id}],
        "active": True,
        "gender": member.gender,
        "communication": [{"language": language_concept(member.language), "preferred": True}],
        "extension": [
            extension("home-clinic", valueReference=reference("Location", member.clinic_id)),
            *(extension("modality", valueCode=m) for m in member.modalities),
        ],
    }
    if deidentified:
        return found
    found["name"] = [_human_name(member)]
    found["telecom"] = [
        {"system": system, "value": value}
        for system, value in (("phone", member.phone), ("email", member.email))
        if value
    ]
    if member.birth_date is not None:
        found["birthDate"] = member.birth_date.isoformat()
    return found


def schedule(clinician: Clinician) -> Json:
    return {
        "resourceType": "Schedule",
        "id": clinician.id,
        "active": True,
        "actor": [
            reference("Practitioner", clinician.id, clinician.name),
            *(reference("Location", clinic) for clinic in clinician.clinic_ids),
        ],
        "specialty": [concept("discipline", clinician.discipline)],
        "comment": f"Bookable slots and protected indirect patient care time of {clinician.name}",
    }


# -- availability ------------------------------------------------------------------------


def slot(found: Slot) -> Json:
    return {
        "resourceType": "Slot",
        "id": str(found.id),
        "schedule": reference("Schedule", found.clinician_id),
        "status": str(found.status),
        "start": instant(found.start),
        "end": instant(found.end),
        "serviceType": [concept("slot-kind", found.kind)],
        "extension": [extension("location", valueReference=reference("Location", found.clinic_id))],
    }


def protected_slot_id(block: ProtectedTime) -> str:
    return f"ipc-{block.clinician_id}-{int((block.start - EPOCH).total_seconds())}"


def parse_protected_slot_id(text: str) -> tuple[str, datetime]:
    """The clinician and start of `ipc-{clinician}-{epoch seconds}`, or `NotFound`."""
    clinician_id, _, seconds = text.removeprefix("ipc-").rpartition("-")
    if not text.startswith("ipc-") or not clinician_id or not seconds.isdigit():
        raise NotFound(f"Slot {text} not found", resource="Slot", id=text)
    return clinician_id, EPOCH + timedelta(seconds=int(seconds))


def protected_slot(block: ProtectedTime) -> Json:
    return {
        "resourceType": "Slot",
        "id": protected_slot_id(block),
        "schedule": reference("Schedule", block.clinician_id),
        "status": "busy-unavailable",
        "start": instant(block.start),
        "end": instant(block.end),
        "serviceType": [concept("slot-kind", "ipc", "Protected indirect patient care")],
        "comment": "Protected indirect patient care time (contract): no booking path may use it",
    }


# -- care requests -----------------------------------------------------------------------


def service_request(stored: CareRequest, rules: RuleSet, judged: CareRequest | None = None) -> Json:
    """The care request with its legal window: `authoredOn` is the request, and
    `occurrencePeriod.end` the effective deadline (a clinical exception may extend it);
    the note gives the deadline on the clinic's calendar too, where the law counts it.
    `judged`: the request under the standard its record supports (a claimed prior
    authorisation nobody is on record for allows no 96 hours), whose standard and deadline
    are shown; the determination extension is the stored record's (docs/adr/0013)."""
    request = stored if judged is None else judged
    standard = rules.standard(request.standard)
    due = request.effective_deadline.astimezone(rules.timezone)
    found: Json = {
        "resourceType": "ServiceRequest",
        "id": str(request.id),
        "status": REQUEST_STATUS[request.status],
        "intent": "order",
        "priority": "urgent" if request.visit is VisitType.URGENT else "routine",
        "code": concept("visit-type", request.visit, VISIT_TITLES[request.visit]),
        "subject": reference("Patient", request.member_id),
        "authoredOn": instant(request.requested_at),
        "occurrencePeriod": {
            "start": instant(request.not_before),
            "end": instant(request.effective_deadline),
        },
        "performerType": concept("provider-class", request.provider_class),
        "locationReference": [reference("Location", request.clinic_id)],
        "orderDetail": [concept("modality", m) for m in request.modalities],
        "extension": [
            extension("request-status", valueCode=str(request.status)),
            extension("language", valueCodeableConcept=language_concept(request.language)),
            _standard_extension(request, standard),
        ],
        "note": [
            {
                "text": f"{standard.title}: {standard.limit_text} ({standard.citation}); "
                f"due {due:%Y-%m-%d %H:%M:%S %Z} ({rules.timezone.key})"
            }
        ],
    }
    if request.preferred_clinician_id:
        found["performer"] = [reference("Practitioner", request.preferred_clinician_id)]
    if request.prior_appointment_id:
        found["supportingInfo"] = [reference("Appointment", request.prior_appointment_id)]
    determined = _prior_authorization_extension(stored)
    if determined is not None:
        found["extension"].append(determined)
    return found


def _prior_authorization_extension(request: CareRequest) -> Json | None:
    """The prior-authorisation determination as the evidence documents give it: who, in
    which role and when it was recorded, and whether it applies (recorded by the urgent
    deadline); a claim nobody is on record for says `on-record` false (docs/adr/0013,
    "2026-12-07 (late evening)"). None when the request neither claims nor records one."""
    if request.prior_authorization_at is None and not request.prior_authorization:
        return None
    on_record = request.authorization_on_record
    parts: list[Json] = [
        {"url": "on-record", "valueBoolean": on_record},
        {"url": "applied", "valueBoolean": request.authorization_applies},
    ]
    if request.prior_authorization_by:
        parts.append({"url": "determined-by", "valueString": request.prior_authorization_by})
    if request.prior_authorization_role:
        parts.append({"url": "role", "valueCode": request.prior_authorization_role})
    if request.prior_authorization_at is not None:
        parts.append({"url": "recorded", "valueDateTime": instant(request.prior_authorization_at)})
    return extension("prior-authorization", extension=parts)


def _standard_extension(request: CareRequest, standard: AccessStandard) -> Json:
    return extension(
        "access-standard",
        extension=[
            {"url": "name", "valueCode": standard.name},
            {"url": "citation", "valueString": standard.citation},
            {"url": "limit", "valueString": standard.limit_text},
            {"url": "clock-start", "valueDateTime": instant(request.clock_start)},
            {"url": "legal-deadline", "valueDateTime": instant(request.deadline)},
        ],
    )


# -- appointments ------------------------------------------------------------------------


def _visit_types(visit: VisitType) -> list[Json]:
    codes = [concept("visit-type", visit, VISIT_TITLES[visit])["coding"][0]]
    if visit in V2_VISIT_CODES:
        codes.append({"system": V2_APPOINTMENT_TYPE, "code": V2_VISIT_CODES[visit]})
    return codes


class _FromRequest:
    """An Appointment's elements that come from its care request alone (and the patient's
    participation status). Built once per rendering; `proposed_appointments` builds them
    once for all of a request's proposals, which then share them (docs/adr/0017)."""

    __slots__ = ("appointment_type", "based_on", "patient", "requested", "specialty")

    def __init__(self, request: CareRequest, patient: str) -> None:
        self.specialty = [concept("provider-class", request.provider_class)]
        self.appointment_type = {"coding": _visit_types(request.visit)}
        self.based_on = [reference("ServiceRequest", request.id)]
        self.patient = {
            "actor": reference("Patient", request.member_id),
            "required": "required",
            "status": patient,
        }
        self.requested = [
            {"start": instant(request.not_before), "end": instant(request.effective_deadline)}
        ]


def _accepted(resource_type: str, key: str) -> Json:
    return {"actor": reference(resource_type, key), "required": "required", "status": "accepted"}


def _visit(
    key: str,
    status: str,
    request: CareRequest | _FromRequest,
    found: Slot,
    service_type: list[Json] | Modality | None,
    patient: str = "",
    clinician: Json | None = None,
    clinic: Json | None = None,
) -> Json:
    """An Appointment's common elements, without an empty one: the scheduling operations
    answer it unpruned (docs/adr/0017-booking-api-speed.md). `request` as a `_FromRequest`
    and `service_type`, `clinician` and `clinic` built already (the participants of the
    slot's clinician and clinic): parts shared by several Appointments of one answer."""
    shared = request if isinstance(request, _FromRequest) else _FromRequest(request, patient)
    visit: Json = {"resourceType": "Appointment", "id": key, "status": status}
    if isinstance(service_type, list):
        visit["serviceType"] = service_type
    elif service_type is not None:
        visit["serviceType"] = [concept("modality", service_type)]
    visit["specialty"] = shared.specialty
    visit["appointmentType"] = shared.appointment_type
    visit["start"] = instant(found.start)
    visit["end"] = instant(found.end)
    visit["minutesDuration"] = found.duration_minutes
    visit["slot"] = [reference("Slot", found.id)]
    visit["basedOn"] = shared.based_on
    visit["participant"] = [
        shared.patient,
        clinician or _accepted("Practitioner", found.clinician_id),
        clinic or _accepted("Location", found.clinic_id),
    ]
    visit["requestedPeriod"] = shared.requested
    return visit


def modality_for(request: CareRequest, found: Slot, clinician: Clinician) -> Modality | None:
    """How the slot serves the request, by the one modality and area rule
    (`domain.availability.serving`); None where it no longer can (the clinician's
    modalities changed after the hold): the Appointment then names no modality rather
    than one the visit cannot have."""
    how = serving(request, found, clinician)
    return None if how is None else how.modality


def proposal_id(request_id: int, slot_id: int) -> str:
    return f"proposal-{request_id}-{slot_id}"


def proposed_appointment(
    request: CareRequest,
    found: Slot,
    clinician: Clinician,
    reason: str,
    deadline: datetime,
) -> Json:
    """A `$find` result: a `proposed` Appointment that says why it is proposed."""
    return proposed_appointments(request, [(found, clinician, reason)], deadline)[0]


def proposed_appointments(
    request: CareRequest,
    proposals: Iterable[tuple[Slot, Clinician, str]],
    deadline: datetime,
) -> list[Json]:
    """`$find`'s results for one request, in order: each a `proposed` Appointment that says
    why it is proposed. What several of them hold alike (the request's elements, a
    modality's serviceType, a clinician's or clinic's participant, a reason's comment and
    extension) is built once and shared between them: read them, do not change them below
    their top level (docs/adr/0017-booking-api-speed.md). `deadline`: the one the booking
    engine books by (`slot_search.booking_deadline`), which each proposal's `timely` says
    it meets or not."""
    shared = _FromRequest(request, "needs-action")
    timely = {flag: extension("timely", valueBoolean=flag) for flag in (True, False)}
    service_types: dict[Modality, list[Json]] = {}
    clinicians: dict[str, Json] = {}
    clinics: dict[str, Json] = {}
    reasons: dict[str, tuple[str, Json | None]] = {}
    found: list[Json] = []
    for slot_found, clinician, reason in proposals:
        modality = modality_for(request, slot_found, clinician)
        service_type = None if modality is None else service_types.get(modality)
        if modality is not None and service_type is None:
            service_type = service_types[modality] = [concept("modality", modality)]
        practitioner = clinicians.get(slot_found.clinician_id)
        if practitioner is None:
            practitioner = clinicians[slot_found.clinician_id] = _accepted(
                "Practitioner", slot_found.clinician_id
            )
        clinic = clinics.get(slot_found.clinic_id)
        if clinic is None:
            clinic = clinics[slot_found.clinic_id] = _accepted("Location", slot_found.clinic_id)
        said = reasons.get(reason)
        if said is None:
            said = reasons[reason] = (
                f"Proposed: {reason}",
                extension("proposal-reason", valueString=reason) if reason else None,
            )
        proposed = _visit(
            proposal_id(request.id, slot_found.id),
            "proposed",
            shared,
            slot_found,
            service_type,
            clinician=practitioner,
            clinic=clinic,
        )
        proposed["comment"] = said[0]
        on_time = timely[slot_found.start <= deadline]
        proposed["extension"] = [said[1], on_time] if said[1] is not None else [on_time]
        found.append(proposed)
    return found


def held_appointment(
    hold: Hold,
    request: CareRequest,
    found: Slot,
    clinician: Clinician,
    now: datetime,
    visit: Appointment | None = None,
) -> Json:
    """A `$hold` result: `pending` while the hold lives; its expiry is an extension. Once
    booked it reads as what became of it: the visit's status (booked, cancelled, ...),
    with a `booked-as` reference to `Appointment/{n}` (docs/adr/0015)."""
    if visit is not None:
        return _became(hold, visit.id, appointment(visit, request, found))
    status = "pending" if hold.is_live(now) else _ended_hold_status(hold)
    modality = modality_for(request, found, clinician)
    held = _visit(f"hold-{hold.id}", status, request, found, modality, "tentative")
    held["created"] = instant(hold.held_at)
    held["comment"] = f"Hold {hold.status}, until {instant(hold.expires_at)}"
    held["extension"] = [
        extension("hold-expires", valueInstant=instant(hold.expires_at)),
        extension("hold-status", valueCode=str(hold.status)),
    ]
    if status == "cancelled":
        held["cancelationReason"] = {"text": f"hold {hold.status}"}
    return held


def _became(hold: Hold, visit_id: int, booked: Json) -> Json:
    booked["id"] = f"hold-{hold.id}"
    booked["extension"] = [
        *booked.get("extension", []),
        extension("hold-expires", valueInstant=instant(hold.expires_at)),
        extension("hold-status", valueCode=str(hold.status)),
        extension("booked-as", valueReference=reference("Appointment", visit_id)),
    ]
    return booked


def _ended_hold_status(hold: Hold) -> str:
    return "booked" if hold.status is HoldStatus.BOOKED else "cancelled"


def appointment(visit: Appointment, request: CareRequest, found: Slot) -> Json:
    """A booked (or later fulfilled, no-show or cancelled) visit; who cancelled is coded."""
    patient_status = "declined" if visit.cancelled_by is CancelledBy.MEMBER else "accepted"
    status = APPOINTMENT_STATUS[visit.status]
    booked = _visit(str(visit.id), status, request, found, visit.modality, patient_status)
    booked["created"] = instant(visit.booked_at)
    if visit.cancelled_by is not None:
        booked["cancelationReason"] = {
            "coding": [
                {"system": CANCELLATION_REASON, "code": CANCELLED_BY_CODES[visit.cancelled_by]},
                {"system": f"{CODES}/cancelled-by", "code": str(visit.cancelled_by)},
            ],
            "text": visit.cancel_reason or f"cancelled by the {visit.cancelled_by}",
        }
        if visit.cancelled_by is CancelledBy.CLINIC:
            booked["participant"][1]["status"] = "declined"
        if visit.cancelled_at is not None:
            booked["extension"] = [
                extension("cancelled-at", valueDateTime=instant(visit.cancelled_at))
            ]
    return booked
