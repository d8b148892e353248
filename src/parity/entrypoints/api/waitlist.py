"""The waitlist over FHIR: `GET /waitlist` (a Bundle of Tasks, best first, each with its
rank), `POST /ServiceRequest/{id}/$waitlist` to join with preferences, `DELETE` to leave.

A waitlist entry is a Task (`code` waitlist) based on its ServiceRequest: `requested`
while it waits, `in-progress` while an offer holds a slot for it, `completed` once
booked or referred, `cancelled` when taken off. Offers stay the `Task/offer-{n}` evidence.
"""

from __future__ import annotations

from datetime import time

from fastapi import APIRouter, Request

from parity.adapters import fhir
from parity.domain import ids
from parity.domain.errors import InvalidInput
from parity.domain.scope import MemberScope
from parity.domain.waitlist import Preferences, WaitlistEntry, WaitStatus
from parity.domain.workforce import Modality
from parity.entrypoints.api import inputs, versions
from parity.entrypoints.api.care_requests import read_resource
from parity.entrypoints.api.context import ApiContext, Base, Context, Uow
from parity.entrypoints.api.responses import FhirResponse, bundle, entry
from parity.entrypoints.api.schemas import OptionalParametersBody
from parity.entrypoints.api.search import ref
from parity.entrypoints.security.scope import Scope
from parity.services import queries, scoping
from parity.services.waitlist import JoinWaitlist, join_waitlist, leave_waitlist, ranked_waitlist

router = APIRouter(tags=["Waitlist"])

JOIN = frozenset({"weekday", "earliest", "latest", "practitioner", "modality", "location"})
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TASK_STATUS = {
    WaitStatus.WAITING: "requested",
    WaitStatus.OFFERED: "in-progress",
    WaitStatus.DONE: "completed",
    WaitStatus.REMOVED: "cancelled",
}


def waitlist_task(found: WaitlistEntry, rank: int | None = None) -> fhir.Json:
    """One waitlist entry as a Task; `rank` (1 = next to be offered) when listed."""
    task: fhir.Json = {
        "resourceType": "Task",
        "id": f"waitlist-{found.id}",
        "status": TASK_STATUS[found.status],
        "intent": "plan",
        "priority": "urgent" if found.head_of_line else "routine",
        "code": fhir.concept("task", "waitlist"),
        "basedOn": [fhir.reference("ServiceRequest", found.request_id)],
        "for": fhir.reference("Patient", found.member_id),
        "authoredOn": fhir.instant(found.joined_at),
        "reasonCode": {"text": found.reason.value},
        "restriction": {"period": {"end": fhir.instant(found.deadline)}},
        "input": _preferences(found.preferences),
    }
    if rank is not None:
        task["extension"] = [fhir.extension("waitlist-rank", valueInteger=rank)]
    return task


def _preferences(wanted: Preferences) -> list[fhir.Json]:
    found: list[fhir.Json] = [
        {"type": {"text": "weekday"}, "valueCode": WEEKDAYS[d]} for d in wanted.weekdays
    ]
    for name, value in (("earliest", wanted.earliest), ("latest", wanted.latest)):
        if value is not None:
            found.append({"type": {"text": name}, "valueTime": value.isoformat()})
    for name, text in (
        ("practitioner", wanted.clinician_id),
        ("modality", wanted.modality),
        ("location", wanted.clinic_id),
    ):
        if text:
            found.append({"type": {"text": name}, "valueString": str(text)})
    return found


def _time(params: fhir.Parameters, name: str) -> time | None:
    found = params.one(name)
    if found is None:
        return None
    text = found.get("valueTime") or found.get("valueString")
    try:
        return time.fromisoformat(str(text))
    except ValueError:
        raise InvalidInput(f"parameter {name} must be a valueTime such as 09:30:00") from None


def _weekday(text: str) -> int:
    if text.lower()[:3] not in WEEKDAYS:
        raise InvalidInput(f"weekday must be one of {', '.join(WEEKDAYS)}, got {text!r}")
    return WEEKDAYS.index(text.lower()[:3])


def preferences(params: fhir.Parameters) -> Preferences:
    modality = params.text("modality")
    practitioner = params.text("practitioner")
    location = params.text("location")
    return Preferences(
        weekdays=tuple(sorted({_weekday(t) for t in params.texts("weekday")})),
        earliest=_time(params, "earliest"),
        latest=_time(params, "latest"),
        clinician_id=ref(practitioner, "Practitioner"),
        modality=inputs.choice(Modality, modality, "modality") if modality else None,
        clinic_id=ref(location, "Location"),
    )


@router.get("/waitlist", summary="The waitlist, best first")
def list_waitlist(context: Context, uow: Uow, scope: Scope, base: Base) -> FhirResponse:
    """Open entries (waiting, or holding an offer) ranked: clinic-cancelled requests first,
    then least time to the legal deadline, urgent before non-urgent, longest wait. Only the
    entries of members in the caller's scope (a scheduler: their clinics' members); ranks
    are positions in the whole list."""
    ranked = list(enumerate(ranked_waitlist(uow, context.clock), 1))
    with uow:
        allowed = scoping.admitted(uow, scope, {e.member_id for _, e in ranked})
    found = [(rank, e) for rank, e in ranked if e.member_id in allowed]
    shown = versions.stamp_each(uow, [waitlist_task(e, rank) for rank, e in found])
    entries = [entry(base, task, "match") for task in shown]
    return bundle("searchset", entries, total=len(entries))


@router.post(
    "/ServiceRequest/{request_id}/$waitlist",
    summary="Put a request on the waitlist",
    status_code=201,
)
def join(
    http: Request,
    request_id: str,
    body: OptionalParametersBody,
    context: Context,
    uow: Uow,
    scope: Scope,
) -> FhirResponse:
    """An open request waits for a timely slot; a booked one for an earlier time. Optional
    preferences: `weekday` (repeatable, mon..sun), `earliest`/`latest` (local valueTime),
    `practitioner`, `modality`, `location`. Returns the waitlist Task (201)."""
    params = inputs.read(body, JOIN)
    with versions.changing(http, uow, _current(context, scope, request_id)) as j:
        asked = queries.care_request(j, scope, ids.path_number(request_id, "ServiceRequest"))
        joined = join_waitlist(JoinWaitlist(asked.id, preferences(params)), j, context.clock)
        return FhirResponse(versions.stamped(j, waitlist_task(joined)), status_code=201)


@router.delete("/ServiceRequest/{request_id}/$waitlist", summary="Take a request off the waitlist")
def leave(http: Request, request_id: str, context: Context, uow: Uow, scope: Scope) -> FhirResponse:
    """The entry is kept as a `cancelled` Task; a pending offer must be answered first."""
    with versions.changing(http, uow, _current(context, scope, request_id)) as j:
        asked = queries.care_request(j, scope, ids.path_number(request_id, "ServiceRequest"))
        left = leave_waitlist(asked.id, j, context.clock)
        return versions.versioned(j, waitlist_task(left))


def _current(context: ApiContext, scope: MemberScope, request_id: str) -> versions.Render:
    """The ServiceRequest whose version `If-Match` names."""
    return lambda uow: read_resource(context, uow, scope, request_id)
