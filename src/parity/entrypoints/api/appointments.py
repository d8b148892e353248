"""Appointments: read any of the three kinds of id, search visits, cancel with who cancelled.

`Appointment/{n}` is a visit, `hold-{n}` a `$hold`, `proposal-{request}-{slot}` a `$find`
proposal (docs/adr/0003-fhir-scheduling-api.md).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from parity.adapters import fhir
from parity.domain.care import AppointmentStatus
from parity.domain.errors import NotFound
from parity.domain.ports import UnitOfWork
from parity.domain.scope import MemberScope
from parity.entrypoints.api import inputs, versions
from parity.entrypoints.api.calls import Caller
from parity.entrypoints.api.context import ApiContext, Context, Page, Uow
from parity.entrypoints.api.query_params import BasedOn, Ids, PatientRef, PractitionerRef
from parity.entrypoints.api.responses import FhirResponse
from parity.entrypoints.api.schemas import ParametersBody
from parity.entrypoints.api.search import int_ref, read_each, ref, statuses, tokens, window
from parity.entrypoints.security.scope import Scope
from parity.services import queries
from parity.services.holds import booking_of, release_hold
from parity.services.slot_search import booking_deadline
from parity.services.visits import (
    CancelAppointment,
    after_cancellation,
    anyone_to_offer,
    cancel_and_tell,
    cancel_appointment,
)

router = APIRouter(tags=["Appointments"])

PROPOSAL_REASON = "the slot this proposal names"
STATUS_SYSTEM = "http://hl7.org/fhir/appointmentstatus"
APPOINTMENT_STATUSES: dict[str, frozenset[AppointmentStatus]] = {
    fhir_status: frozenset({status}) for status, fhir_status in fhir.APPOINTMENT_STATUS.items()
} | {
    s: frozenset()
    for s in ("proposed", "pending", "arrived", "entered-in-error", "checked-in", "waitlist")
}


def visit_resource(visit: queries.Visit) -> fhir.Json:
    return fhir.appointment(visit.appointment, visit.request, visit.slot)


def hold_resource(
    context: ApiContext, uow: UnitOfWork, scope: MemberScope, hold_id: int
) -> fhir.Json:
    """A hold as it is now (the caller's, or NotFound): pending, ended, or (once booked) the
    visit it became."""
    held = queries.held(uow, scope, hold_id)
    assert held.hold is not None
    now, visit = context.clock.now(), booking_of(uow, hold_id)
    return fhir.held_appointment(held.hold, held.request, held.slot, held.clinician, now, visit)


def appointment_resource(
    context: ApiContext, uow: UnitOfWork, scope: MemberScope, key: str
) -> fhir.Json:
    """Any Appointment by id in the caller's scope: a visit, a hold or a proposal."""
    found = inputs.appointment_id(key)
    if isinstance(found, inputs.VisitId):
        return visit_resource(queries.visit(uow, scope, found.appointment_id))
    if isinstance(found, inputs.HoldId):
        return hold_resource(context, uow, scope, found.hold_id)
    if isinstance(found, inputs.ProposalId):
        seen = queries.candidate(uow, scope, found.request_id, found.slot_id)
        return fhir.proposed_appointment(
            seen.request,
            seen.slot,
            seen.clinician,
            PROPOSAL_REASON,
            booking_deadline(seen.request, context.policy),
        )
    raise NotFound(f"Appointment {key} not found", resource="Appointment", id=key)


@router.get("/Appointment/{appointment_id}", summary="Read a visit, a hold or a proposal")
def read_appointment(appointment_id: str, context: Context, uow: Uow, scope: Scope) -> FhirResponse:
    return versions.read(uow, lambda u: appointment_resource(context, u, scope, appointment_id))


@router.get("/Appointment", summary="Search visits by patient, practitioner or request")
def search_appointments(
    call: Caller,
    page: Page,
    patient: PatientRef = None,
    practitioner: PractitionerRef = None,
    based_on: BasedOn = None,
    date: Annotated[
        list[str] | None, Query(description="Prefixed dates on the start, e.g. ge2026-06-01")
    ] = None,
    status: Annotated[list[str] | None, Query(description="booked, cancelled, ...")] = None,
    ids: Ids = None,
) -> FhirResponse:
    """`_id` alone reads each id (a visit, a hold or a proposal); with other parameters it
    narrows their search."""
    request, context, scope, base = call.http, call.context, call.scope, call.base
    with versions.reading(call.uow) as uow:
        if ids is not None and not (patient or practitioner or based_on or date or status):
            read = read_each(
                tokens([ids]), lambda key: appointment_resource(context, uow, scope, key)
            )
            return versions.search(uow, request, base, read, lambda r: r, page)
        search = queries.AppointmentSearch(
            member_id=ref(patient, "Patient"),
            clinician_id=ref(practitioner, "Practitioner"),
            request_id=int_ref(based_on, "ServiceRequest"),
            window=window(date or [], context.tz),
            statuses=statuses(status or [], APPOINTMENT_STATUSES, "status", STATUS_SYSTEM),
        )
        found = queries.search_visits(uow, scope, search)
        return versions.search(uow, request, base, found, visit_resource, page, ids)


@router.post("/Appointment/{appointment_id}/$cancel", summary="Cancel a visit or release a hold")
def cancel(appointment_id: str, body: ParametersBody, call: Caller) -> FhirResponse:
    """Cancel a booked visit, recording who cancelled (`cancelled-by` member or clinic, with
    a `reason`; a clinic cancellation needs one): a clinic cancellation re-opens the request
    with its original deadline and counts against the plan. On `hold-{n}`, release the hold
    (or, once booked, cancel its visit). `If-Match` with an older version: 412."""
    params = inputs.read(body, inputs.CANCEL)
    found = inputs.appointment_id(appointment_id)
    context, scope = call.context, call.scope
    # the caller's record or NotFound, at the caller's version (If-Match), and the change:
    # one transaction (api/versions.py)

    def current(joined: UnitOfWork) -> fhir.Json:
        # The visit (or hold) and its records in one statement, with the deny-list check
        # (docs/adr/0017-booking-api-speed.md, seventh round).
        if isinstance(found, inputs.VisitId):
            versions.read_ahead(joined, "visit", found.appointment_id)
        elif isinstance(found, inputs.HoldId):
            versions.read_ahead(joined, "hold", found.hold_id)
        return appointment_resource(context, joined, scope, appointment_id)

    with versions.changing(call.http, call.uow, current) as joined:
        if isinstance(found, inputs.HoldId):
            done = _cancel_hold(found.hold_id, params, context, joined, scope)
            return versions.versioned(joined, done)
        if not isinstance(found, inputs.VisitId):
            raise NotFound(f"Appointment {appointment_id} not found", resource="Appointment")
        # The answer is read (from what the cancellation wrote) and stamped before the
        # commit; the freed slot goes to the waitlist after it, as before
        # (docs/adr/0017-booking-api-speed.md).
        cmd = _cancellation(found.appointment_id, params, scope)
        cancelled = cancel_and_tell(cmd, joined, context.clock, context.policy)
        waiting = anyone_to_offer(cancelled, joined, context.policy)
        visit = queries.visit(joined, scope, found.appointment_id)
        answer = versions.stamped(joined, visit_resource(visit), clean=True)
        joined.commit()
        if waiting:
            after_cancellation(cancelled, joined, context.clock, context.policy)
        return FhirResponse(answer, clean=True)  # a visit has no empty value: fhir._visit


def _cancel_hold(
    hold_id: int,
    params: fhir.Parameters,
    context: ApiContext,
    uow: UnitOfWork,
    scope: MemberScope,
) -> fhir.Json:
    """Release a hold; a booked hold is its visit, so cancel that visit instead."""
    visit = booking_of(uow, hold_id)
    if visit is None:
        release_hold(hold_id, uow)
    else:
        _cancel_visit(visit.id, params, context, uow, scope)
    return hold_resource(context, uow, scope, hold_id)


def _cancellation(
    appointment_id: int, params: fhir.Parameters, scope: MemberScope
) -> CancelAppointment:
    return CancelAppointment(
        appointment_id, inputs.cancelled_by(params, scope), params.text("reason") or ""
    )


def _cancel_visit(
    appointment_id: int,
    params: fhir.Parameters,
    context: ApiContext,
    uow: UnitOfWork,
    scope: MemberScope,
) -> None:
    cmd = _cancellation(appointment_id, params, scope)
    cancel_appointment(cmd, uow, context.clock, context.policy)
