"""FHIR operation inputs to service commands. `adapters.fhir.Parameters` reads values by
name; this module knows which operation takes which parameter and builds the commands
(adapters may not import services, so commands are made here, at the edge)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import TypeVar
from zoneinfo import ZoneInfo

from parity.adapters.fhir import (
    Json,
    Parameters,
    appointment_reference,
    language_from,
    parse_datetime,
)
from parity.domain import ids
from parity.domain.care import Appointment, CancelledBy
from parity.domain.errors import InvalidInput
from parity.domain.members import Member
from parity.domain.scope import MemberScope, Reach
from parity.domain.standards import VisitType
from parity.domain.users import Forbidden, Principal
from parity.domain.workforce import PROVIDER_CLASS_OF, Discipline, Modality, ProviderClass
from parity.entrypoints.api.responses import UnknownParameter
from parity.entrypoints.api.schemas import ParametersIn
from parity.entrypoints.api.search import int_ref, ref, tokens
from parity.services.requests import RequestCare
from parity.services.time_window import Window

E = TypeVar("E", bound=Enum)

OPENING = frozenset(
    {"visit-type", "specialty", "language", "service-type", "location-reference"}
    | {"prior-appointment", "prior-authorization"}
)
FIND = OPENING | {"patient-reference", "service-request", "start", "end", "_count"}
HOLD = frozenset({"appt-id", "appt-resource"})
BOOK = HOLD | {"cancelled-appt-id", "patient-id", "channel", "comment"}
CANCEL = frozenset({"cancelled-by", "reason"})
EXCEPTION = frozenset({"reason", "extended-deadline"})
REFER = frozenset({"reason", "outside-provider", "appointment"})
REFERRAL_APPOINTMENT = frozenset({"outside-provider", "appointment"})
PREFER = frozenset({"date", "channel", "note"})
MEMBERS_WORD = frozenset({"channel", "note"})
OFFER = frozenset({"slot", "channel"})
ANSWER = frozenset({"channel", "note"})
CANCELLED_BY = {
    "member": CancelledBy.MEMBER,
    "patient": CancelledBy.MEMBER,
    "pat": CancelledBy.MEMBER,
    "clinic": CancelledBy.CLINIC,
    "provider": CancelledBy.CLINIC,
    "prov": CancelledBy.CLINIC,
}


def read(body: ParametersIn | None, allowed: frozenset[str]) -> Parameters:
    return Parameters.of(body.as_json() if body is not None else {}, allowed)


def no_parameters(body: ParametersIn | None, operation: str) -> None:
    """Refuse any parameter given to an operation that takes none: ignored, a body saying
    "not required" or naming another determiner would be recorded as the opposite
    (docs/adr/0012, "2026-12-07 (night)")."""
    given = (body.as_json() if body is not None else {}).get("parameter") or ()
    names = sorted({str(p.get("name")) for p in given})
    if names:
        raise InvalidInput(
            f"{operation} takes no parameters ({', '.join(names)} given): what it records is "
            "the signed-in caller's, at the server's time"
        )


def read_only_body(query: Iterable[str], body: ParametersIn, allowed: frozenset[str]) -> Parameters:
    """`read` for an operation whose parameters all come in its body: a parameter sent in
    the query string instead (but `_format`) would otherwise be ignored silently; it is
    refused with 400, as an unknown search parameter is (`responses.UnknownParameter`). An
    unknown name in the body is refused by `Parameters.of` (422, naming the known ones)."""
    unknown = sorted({*query} - {"_format"})
    if unknown:
        known = ", ".join(sorted(allowed))
        raise UnknownParameter(
            f"unknown parameter(s) {', '.join(unknown)} in the query: send the operation's "
            f"parameters in the Parameters body ({known})"
        )
    return read(body, allowed)


def choice(kind: type[E], text: str, name: str) -> E:
    try:
        return kind(text.strip().lower())
    except ValueError:
        known = ", ".join(str(member.value) for member in kind)
        raise InvalidInput(f"{name} {text!r} unknown; use one of {known}") from None


# -- $find -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FindInputs:
    member_id: str
    request_id: int | None
    prior_appointment_id: int | None
    window: Window
    limit: int | None


def find_inputs(params: Parameters, tz: ZoneInfo) -> FindInputs:
    """Who is looking, for which request (given, or to be opened), in which window."""
    request_id = int_ref(params.text("service-request"), "ServiceRequest")
    opening = sorted(name for name in OPENING if params.all(name))
    if request_id is not None and opening:
        raise InvalidInput(
            f"give either service-request or the parameters to open one, not both ({', '.join(opening)})"
        )
    return FindInputs(
        member_id=ref(params.required("patient-reference"), "Patient") or "",
        request_id=request_id,
        prior_appointment_id=int_ref(params.text("prior-appointment"), "Appointment"),
        window=_window(params, tz),
        limit=params.count("_count"),
    )


def _window(params: Parameters, tz: ZoneInfo) -> Window:
    """The search window; an end before its start is refused before a request is opened."""
    start, end = params.moment("start", tz), params.moment("end", tz)
    if start is not None and end is not None and end < start:
        raise InvalidInput(f"end {end.isoformat()} is before start {start.isoformat()}")
    return Window(start, end)


def provider_class(text: str) -> ProviderClass:
    """A provider class, or a discipline standing for its class (`psychologist`)."""
    lowered = text.strip().lower()
    if lowered in {d.value for d in Discipline}:
        return PROVIDER_CLASS_OF[Discipline(lowered)]
    return choice(ProviderClass, lowered, "specialty")


def request_care(
    params: Parameters,
    member: Member,
    prior: Appointment | None,
    not_before: datetime | None,
    caller: Principal | None = None,
) -> RequestCare:
    """The care request `$find` opens when it is given none: the member's own language,
    modalities and clinic unless the parameters say otherwise. `prior-authorization` is the
    signed-in caller's determination, recorded as theirs (a member's is refused)."""
    visit = choice(VisitType, params.text("visit-type") or VisitType.INITIAL, "visit-type")
    if (visit is VisitType.FOLLOW_UP) != (prior is not None):
        raise InvalidInput(
            "prior-appointment is required for, and only for, a follow-up visit "
            "(SB 221: its clock starts at the prior appointment)"
        )
    modalities = tuple(
        choice(Modality, t, "service-type") for t in tokens(params.texts("service-type"))
    )
    return RequestCare(
        member_id=member.id,
        visit=visit,
        provider_class=provider_class(params.text("specialty") or ProviderClass.THERAPIST),
        language=language_from(params.text("language") or member.language),
        modalities=modalities or member.modalities,
        clinic_id=ref(params.text("location-reference"), "Location") or member.clinic_id,
        preferred_clinician_id=prior.clinician_id if prior else None,
        prior_authorization=bool(params.flag("prior-authorization")),
        prior_authorized_by=caller,
        not_before=not_before,
        prior_appointment_start=prior.start if prior else None,
        prior_appointment_id=prior.id if prior else None,
    )


# -- appointment ids: proposals, holds, visits ---------------------------------------------


@dataclass(frozen=True, slots=True)
class ProposalId:
    request_id: int
    slot_id: int


@dataclass(frozen=True, slots=True)
class HoldId:
    hold_id: int


@dataclass(frozen=True, slots=True)
class VisitId:
    appointment_id: int


AppointmentId = ProposalId | HoldId | VisitId


def _number(text: str) -> int | None:
    return int(text) if ids.is_number(text) else None


def appointment_id(text: str) -> AppointmentId | None:
    """`12` (a visit), `hold-3` (a hold), `proposal-7-123` (request 7, slot 123)."""
    if text.startswith("hold-"):
        hold = _number(text.removeprefix("hold-"))
        return None if hold is None else HoldId(hold)
    if text.startswith("proposal-"):
        request, _, slot = text.removeprefix("proposal-").partition("-")
        numbers = _number(request), _number(slot)
        return None if None in numbers else ProposalId(int(request), int(slot))
    visit = _number(text)
    return None if visit is None else VisitId(visit)


def target(params: Parameters) -> ProposalId | HoldId:
    """What `$hold` or `$book` acts on: `appt-id`, or the `appt-resource` it was given."""
    text, resource = params.text("appt-id"), params.resource("appt-resource", "Appointment")
    if (text is None) == (resource is None):
        raise InvalidInput("give exactly one of appt-id and appt-resource")
    return _target_of(text) if text is not None else _resource_target(resource or {})


def _target_of(text: str) -> ProposalId | HoldId:
    found = appointment_id(ref(text, "Appointment") or "")
    if isinstance(found, ProposalId | HoldId):
        return found
    raise InvalidInput(
        f"appointment {text} is not a $find proposal (proposal-{{request}}-{{slot}}) "
        "or a $hold (hold-{n})"
    )


def _resource_target(resource: Json) -> ProposalId | HoldId:
    key = str(resource.get("id") or "")
    if key.startswith("hold-"):
        return _target_of(key)
    if not key.startswith("proposal-"):
        return ProposalId(*appointment_reference(resource))
    found = _target_of(key)
    # A proposal that also names its request and slot must name its own.
    if (resource.get("basedOn") or resource.get("slot")) and (
        ProposalId(*appointment_reference(resource)) != found
    ):
        raise InvalidInput(f"appt-resource {key} names another request or slot than its id")
    return found


def cancelled_appointment(params: Parameters) -> int | None:
    return int_ref(params.text("cancelled-appt-id"), "Appointment")


def cancelled_by(params: Parameters, scope: MemberScope) -> CancelledBy:
    """Who cancelled. A member (a caller whose scope is themselves) speaks for themselves
    only: their cancellation recorded as the clinic's would count against the plan and put
    their request at the head of the waitlist (docs/adr/0012, 2026-12-07)."""
    text = params.required("cancelled-by").lower()
    if text not in CANCELLED_BY:
        raise InvalidInput(f"cancelled-by {text!r} unknown; use member or clinic")
    by = CANCELLED_BY[text]
    if by is CancelledBy.CLINIC and scope.reach is Reach.SELF:
        raise Forbidden("a member cancels as the member; the clinic's staff record its own")
    return by


def deadline(params: Parameters, name: str, tz: ZoneInfo) -> datetime:
    """A deadline parameter; a bare date means the end of that clinic-local day."""
    text = params.required(name)
    start, end = parse_datetime(text, tz)
    return end - timedelta(seconds=1) if len(text) == 10 else start
