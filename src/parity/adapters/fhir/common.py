"""What every FHIR mapping shares: Parity's canonical URLs, the code maps, and the small
builders of instants, references, concepts and extensions (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from parity.domain.care import (
    AppointmentStatus,
    CancelledBy,
    OfferResponse,
    RequestStatus,
)
from parity.domain.standards import VisitType

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


@lru_cache(maxsize=4096)
def instant(moment: datetime) -> str:
    """An aware datetime as a FHIR instant in UTC, whatever zone the store returned it in.
    Remembered (a pure function of the instant: equal datetimes are the same instant): a
    Bundle of 20 proposals renders some 120, mostly the same slot times and request
    deadlines again (docs/adr/0017-booking-api-speed.md)."""
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
