"""FHIR R4 mapping: Parity's domain to FHIR JSON, and FHIR `Parameters` to plain inputs.

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

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from parity.domain import ids
from parity.domain.calendar import local_instant
from parity.domain.care import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    CareRequest,
    ClinicalException,
    Offer,
    OfferResponse,
    Referral,
    RequestStatus,
)
from parity.domain.errors import InvalidInput, NotFound
from parity.domain.holds import Hold, HoldStatus
from parity.domain.members import Member
from parity.domain.schedule import ProtectedTime, Slot
from parity.domain.standards import AccessStandard, RuleSet, VisitType
from parity.domain.workforce import Clinic, Clinician, Modality

Json = dict[str, Any]

PARITY = "https://parity.example/fhir"
CODES = f"{PARITY}/CodeSystem"
EXTENSIONS = f"{PARITY}/StructureDefinition"
BCP47 = "urn:ietf:bcp:47"
MEMBER_NUMBER = f"{PARITY}/member-number"
V2_APPOINTMENT_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0276"
CANCELLATION_REASON = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"
# R4 core's time zone extension (the `timezone` one is not in R4).
TIMEZONE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/tz-code"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

LANGUAGE_TAGS = {"english": "en", "spanish": "es", "vietnamese": "vi", "chinese": "zh"}
VISIT_TITLES = {
    VisitType.URGENT: "Urgent visit",
    VisitType.INITIAL: "Initial visit",
    VisitType.FOLLOW_UP: "Follow-up visit",
}
V2_VISIT_CODES = {VisitType.INITIAL: "ROUTINE", VisitType.FOLLOW_UP: "FOLLOWUP"}
APPOINTMENT_STATUS = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.FULFILLED: "fulfilled",
    AppointmentStatus.NOSHOW: "noshow",
    AppointmentStatus.CANCELLED: "cancelled",
}
REQUEST_STATUS = {
    RequestStatus.OPEN: "active",
    RequestStatus.BOOKED: "completed",
    RequestStatus.REFERRED: "completed",
    RequestStatus.WITHDRAWN: "revoked",
}
OFFER_STATUS = {
    OfferResponse.PENDING: "requested",
    OfferResponse.ACCEPTED: "accepted",
    OfferResponse.DECLINED: "rejected",
    OfferResponse.EXPIRED: "cancelled",
}
# HL7's appointment-cancellation-reason: "pat" (patient) and "prov" (provider) say who.
CANCELLED_BY_CODES = {CancelledBy.MEMBER: "pat", CancelledBy.CLINIC: "prov"}


def instant(moment: datetime) -> str:
    """An aware datetime as a FHIR instant in UTC, whatever zone the store returned it in."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def reference(resource_type: str, key: object, display: str | None = None) -> Json:
    found: Json = {"reference": f"{resource_type}/{key}"}
    if display:
        found["display"] = display
    return found


def concept(system: str, code: str, display: str | None = None) -> Json:
    """A CodeableConcept with one coding; Parity's own systems live under `CODES`."""
    coding: Json = {"system": system if ":" in system else f"{CODES}/{system}", "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding], "text": display or code}


def extension(name: str, **value: Any) -> Json:
    return {"url": f"{EXTENSIONS}/{name}", **value}


def language_concept(language: str) -> Json:
    tag = LANGUAGE_TAGS.get(language)
    return concept(BCP47, tag, language.title()) if tag else {"text": language}


def language_from(text: str) -> str:
    """Parity's language name from a BCP-47 tag (`es`) or a name (`Spanish`)."""
    lowered = text.strip().lower()
    by_tag = {tag: name for name, tag in LANGUAGE_TAGS.items()}
    return by_tag.get(lowered.split("-")[0], lowered)


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


def service_request(request: CareRequest, rules: RuleSet) -> Json:
    """The care request with its legal window: `authoredOn` is the request, and
    `occurrencePeriod.end` the effective deadline (a clinical exception may extend it);
    the note gives the deadline on the clinic's calendar too, where the law counts it."""
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
    return found


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


def _participants(member_id: str, clinician_id: str, clinic_id: str, patient: str) -> list[Json]:
    return [
        {"actor": reference("Patient", member_id), "required": "required", "status": patient},
        {
            "actor": reference("Practitioner", clinician_id),
            "required": "required",
            "status": "accepted",
        },
        {"actor": reference("Location", clinic_id), "required": "required", "status": "accepted"},
    ]


def _visit(
    key: str, status: str, request: CareRequest, found: Slot, modality: Modality, patient: str
) -> Json:
    return {
        "resourceType": "Appointment",
        "id": key,
        "status": status,
        "serviceType": [concept("modality", modality)],
        "specialty": [concept("provider-class", request.provider_class)],
        "appointmentType": {"coding": _visit_types(request.visit)},
        "start": instant(found.start),
        "end": instant(found.end),
        "minutesDuration": found.duration_minutes,
        "slot": [reference("Slot", found.id)],
        "basedOn": [reference("ServiceRequest", request.id)],
        "participant": _participants(
            request.member_id, found.clinician_id, found.clinic_id, patient
        ),
        "requestedPeriod": [
            {"start": instant(request.not_before), "end": instant(request.effective_deadline)}
        ],
    }


def modality_for(request: CareRequest, found: Slot, clinician: Clinician) -> Modality:
    """The member's most preferred modality this slot can serve: in person only at the
    member's own clinic (the area rule of the availability index), remote anywhere."""
    for modality in request.modalities:
        nearby = modality is not Modality.IN_PERSON or found.clinic_id == request.clinic_id
        if modality in clinician.modalities and nearby:
            return modality
    return request.modalities[0]


def proposal_id(request_id: int, slot_id: int) -> str:
    return f"proposal-{request_id}-{slot_id}"


def proposed_appointment(
    request: CareRequest, found: Slot, clinician: Clinician, reason: str
) -> Json:
    """A `$find` result: a `proposed` Appointment that says why it is proposed."""
    modality = modality_for(request, found, clinician)
    key = proposal_id(request.id, found.id)
    proposed = _visit(key, "proposed", request, found, modality, "needs-action")
    timely = found.start <= request.effective_deadline
    proposed["comment"] = f"Proposed: {reason}"
    proposed["extension"] = [
        extension("proposal-reason", valueString=reason),
        extension("timely", valueBoolean=timely),
    ]
    return proposed


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


# -- evidence: offers, clinical exceptions, referrals (Task) ------------------------------


def _task(key: str, code: str, status: str, request: CareRequest, authored: datetime) -> Json:
    return {
        "resourceType": "Task",
        "id": key,
        "status": status,
        "intent": "proposal" if code == "offer" else "order",
        "code": concept("task", code),
        "basedOn": [reference("ServiceRequest", request.id)],
        "for": reference("Patient", request.member_id),
        "authoredOn": instant(authored),
    }


def offer_task(offer: Offer, request: CareRequest) -> Json:
    """An offer kept as evidence; a declined offer is a `rejected` Task, who and when."""
    task = _task(
        f"offer-{offer.id}", "offer", OFFER_STATUS[offer.response], request, offer.offered_at
    )
    task["focus"] = reference("Slot", offer.slot_id)
    task["owner"] = reference("Patient", request.member_id)
    task["businessStatus"] = {"text": "timely" if offer.timely else "after the deadline"}
    task["input"] = [
        {"type": {"text": "slot-start"}, "valueDateTime": instant(offer.slot_start)},
        {
            "type": {"text": "practitioner"},
            "valueReference": reference("Practitioner", offer.clinician_id),
        },
        {"type": {"text": "timely"}, "valueBoolean": offer.timely},
        {"type": {"text": "channel"}, "valueString": offer.channel.value},
    ]
    if offer.offered_by:  # FHIR strings are never empty (offers recorded before r0008)
        task["input"].append({"type": {"text": "offered-by"}, "valueString": offer.offered_by})
    if offer.responded_at is not None:
        task["lastModified"] = instant(offer.responded_at)
        via = f" via {offer.response_channel}" if offer.response_channel else ""
        note = f": {offer.response_note}" if offer.response_note else ""
        task["note"] = [{"text": f"{offer.response} by {offer.responded_by}{via}{note}"}]
    return task


def exception_task(found: ClinicalException, request: CareRequest) -> Json:
    """A documented clinical exception (28 CCR §1300.67.2.2(c)(5)(G)): who, when, why."""
    task = _task(
        f"exception-{found.id}", "clinical-exception", "completed", request, found.recorded_at
    )
    task["requester"] = {"display": f"{found.author} ({found.author_role})"}
    if found.clinician_id:
        task["requester"] |= reference("Practitioner", found.clinician_id)
    task["reasonCode"] = {"text": found.reason}
    task["restriction"] = {"period": {"end": instant(found.extended_deadline)}}
    if found.late:
        task["businessStatus"] = {"text": "late determination: documented after the deadline"}
    return task


def referral_task(found: Referral, request: CareRequest, citation: str) -> Json:
    """An out-of-network referral at in-network cost sharing, with the engine's reasons."""
    task = _task(
        f"referral-{found.id}", "out-of-network-referral", "requested", request, found.created_at
    )
    task["reasonCode"] = {"text": found.reason}
    task["restriction"] = {"period": {"end": instant(found.deadline)}}
    task["note"] = [{"text": f"{citation}; {_explain(found.explanation)}"}]
    task["input"] = [
        {"type": {"text": "in-network-cost-sharing"}, "valueBoolean": found.in_network_cost_sharing}
    ]
    if found.outside_provider:  # FHIR strings are never empty: absent until it is known
        task["input"].append(
            {"type": {"text": "outside-provider"}, "valueString": found.outside_provider}
        )
    if found.appointment_at is not None:
        task["input"].append(
            {"type": {"text": "appointment"}, "valueDateTime": instant(found.appointment_at)}
        )
    return task


def _explain(explanation: dict[str, Any]) -> str:
    return "; ".join(f"{key}: {value}" for key, value in sorted(explanation.items())) or "-"


def parse_task_id(text: str) -> tuple[str, int]:
    """`offer-3` → ("offer", 3); anything else is `NotFound`."""
    kind, _, number = text.partition("-")
    if kind not in {"offer", "exception", "referral"} or not number.isdigit():
        raise NotFound(f"Task {text} not found", resource="Task", id=text)
    return kind, int(number)


# -- parsing: FHIR inputs to Parity's terms ----------------------------------------------


def parse_int_id(text: str, resource_type: str) -> int:
    """A numeric id in a path, in its one spelling (no padding, sign or Unicode digits)."""
    return ids.path_number(text, resource_type)


def reference_id(text: str, resource_type: str) -> str:
    """The id of a relative reference `Type/id` (or a bare id), in its one spelling: an
    absolute URL, another type or padding is refused (ADR 0012)."""
    return ids.reference(text, resource_type)


def parse_datetime(text: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A FHIR date or dateTime as the [start, end) it covers; without an offset it is
    clinic-local (the law's dates are the clinic's dates). A local time the clocks skipped
    (spring forward) is refused; one they showed twice (fall back) needs an offset."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime.combine(day, time(0), tzinfo=tz)
            return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise InvalidInput(
            f"{text!r} is not a FHIR date or dateTime (e.g. 2026-06-01T09:00-07:00)"
        ) from None
    moment = local_instant(moment, tz)
    return moment, moment + timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Parameters:
    """A FHIR `Parameters` body, read by name, with an error naming the parameter."""

    parameters: tuple[Json, ...]

    @classmethod
    def of(cls, body: Json, allowed: frozenset[str]) -> Parameters:
        found = tuple(body.get("parameter") or ())
        unknown = sorted({str(p.get("name")) for p in found} - allowed)
        if unknown:
            known = ", ".join(sorted(allowed))
            raise InvalidInput(f"unsupported parameter(s) {', '.join(unknown)}; supported: {known}")
        return cls(found)

    def all(self, name: str) -> list[Json]:
        return [p for p in self.parameters if p.get("name") == name]

    def one(self, name: str) -> Json | None:
        found = self.all(name)
        if len(found) > 1:
            raise InvalidInput(f"parameter {name} may appear only once")
        return found[0] if found else None

    def text(self, name: str) -> str | None:
        """A code, string, id, URI, reference, Coding or CodeableConcept parameter as text."""
        found = self.one(name)
        return None if found is None else _text_of(name, found)

    def texts(self, name: str) -> list[str]:
        return [_text_of(name, p) for p in self.all(name)]

    def required(self, name: str) -> str:
        found = self.text(name)
        if found is None:
            raise InvalidInput(f"parameter {name} is required")
        return found

    def moment(self, name: str, tz: ZoneInfo) -> datetime | None:
        found = self.text(name)
        return None if found is None else parse_datetime(found, tz)[0]

    def flag(self, name: str) -> bool | None:
        found = self.one(name)
        value = None if found is None else found.get("valueBoolean")
        if found is not None and not isinstance(value, bool):
            raise InvalidInput(f"parameter {name} must be a valueBoolean")
        return value

    def count(self, name: str) -> int | None:
        found = self.one(name)
        value = None if found is None else found.get("valueInteger", found.get("valuePositiveInt"))
        number = value if isinstance(value, int) and not isinstance(value, bool) else 0
        if found is not None and not 0 < number <= 100:
            raise InvalidInput(f"parameter {name} must be a valueInteger from 1 to 100")
        return None if found is None else number

    def resource(self, name: str, resource_type: str) -> Json | None:
        found = self.one(name)
        value = None if found is None else found.get("resource")
        if found is not None and (
            not isinstance(value, dict) or value.get("resourceType") != resource_type
        ):
            raise InvalidInput(f"parameter {name} must carry a {resource_type} resource")
        return value


_TEXT_KEYS = (
    "valueCode",
    "valueString",
    "valueId",
    "valueUri",
    "valueDateTime",
    "valueInstant",
    "valueDate",
)


def _text_of(name: str, parameter: Json) -> str:
    for key in _TEXT_KEYS:
        if isinstance(parameter.get(key), str) and parameter[key].strip():
            return str(parameter[key])  # as sent: ids are parsed strictly (ADR 0012)
    found = parameter.get("valueReference") or parameter.get("valueCoding")
    concept_value = parameter.get("valueCodeableConcept")
    if isinstance(concept_value, dict) and concept_value.get("coding"):
        found = concept_value["coding"][0]
    if isinstance(found, dict):
        text = found.get("reference") or found.get("code")
        if isinstance(text, str) and text.strip():
            return text
    raise InvalidInput(f"parameter {name} has no value Parity can read")


def _first_reference(value: Any, resource_type: str) -> str:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return reference_id(str(value[0].get("reference", "")), resource_type)
    return ""


def appointment_reference(resource: Json) -> tuple[int, int]:
    """The (request, slot) an Appointment resource points at, through `basedOn` and `slot`."""
    request = _first_reference(resource.get("basedOn"), "ServiceRequest")
    found = _first_reference(resource.get("slot"), "Slot")
    if not (request.isdigit() and found.isdigit() and len(request + found) <= 36):
        raise InvalidInput("appt-resource needs basedOn ServiceRequest/{id} and slot Slot/{id}")
    return int(request), int(found)
