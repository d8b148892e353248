"""The scheduling operations, in the Argonaut/IHE shape: `$find` proposes, `$hold` sets a
slot aside for a while, `$book` books (and, with `cancelled-appt-id`, reschedules)."""

from __future__ import annotations

from fastapi import APIRouter

from parity.adapters import fhir
from parity.domain.care import CareRequest, Channel, Decision, RequestStatus
from parity.domain.errors import InvalidInput, InvalidTransition, ParityError
from parity.domain.ports import UnitOfWork
from parity.domain.users import Principal
from parity.entrypoints.api import inputs
from parity.entrypoints.api.appointments import hold_resource, visit_resource
from parity.entrypoints.api.care_requests import request_resource
from parity.entrypoints.api.context import ApiContext, Base, Context, Uow
from parity.entrypoints.api.responses import FhirResponse, bundle, entry, outcome
from parity.entrypoints.api.schemas import OptionalParametersBody, ParametersBody
from parity.entrypoints.api.signed_in import Who
from parity.services import queries
from parity.services.booking import BookRequest, Proposal, book_request, find_proposals
from parity.services.holds import BookHold, HoldSlot, book_hold, hold_slot, release_hold
from parity.services.requests import open_request

router = APIRouter(tags=["Scheduling"])


def _care_request(
    params: fhir.Parameters, asked: inputs.FindInputs, context: ApiContext, uow: UnitOfWork
) -> CareRequest:
    """The request `$find` searches for: the one named, or a new one opened now (its clock
    starts at this call; pass `service-request` to search again for the same request)."""
    member = queries.member(uow, asked.member_id)
    if asked.request_id is not None:
        request = queries.care_request(uow, asked.request_id)
        if request.member_id != member.id:
            raise InvalidInput(f"ServiceRequest/{request.id} is not Patient/{member.id}'s")
        return request
    prior = None
    if asked.prior_appointment_id is not None:
        prior = queries.visit(uow, asked.prior_appointment_id).appointment
        if prior.member_id != member.id:
            raise InvalidInput(f"Appointment/{prior.id} is not Patient/{member.id}'s")
    cmd = inputs.request_care(params, member, prior, asked.window.start)
    return open_request(cmd, uow, context.clock, context.policy)


def _nothing_timely(request: CareRequest) -> fhir.Json:
    return outcome(
        "warning",
        "not-found",
        f"deadline-unreachable: no in-network slot matches ServiceRequest/{request.id} "
        f"before its {request.standard} deadline {fhir.instant(request.effective_deadline)}. "
        f"Parity never books late silently: refer it out of network at in-network cost "
        f"sharing with POST ServiceRequest/{request.id}/$refer (SB 855)",
        "deadline-unreachable",
    )


@router.post("/Appointment/$find", summary="Ranked timely proposals for a member")
def find(body: ParametersBody, context: Context, uow: Uow, base: Base) -> FhirResponse:
    """A searchset Bundle of `proposed` Appointments, best first (same clinician for a
    follow-up, then earliest), all before the request's legal deadline; the request is
    included. Nothing timely: no matches and an OperationOutcome saying to refer out."""
    params = inputs.read(body, inputs.FIND)
    asked = inputs.find_inputs(params, context.tz)
    request = _care_request(params, asked, context, uow)
    if request.status is not RequestStatus.OPEN:
        raise InvalidTransition(f"request {request.id} is {request.status}, not open")
    proposals = find_proposals(request.id, uow, context.clock, context.policy, asked.limit)
    proposals = [p for p in proposals if asked.window.holds(p.slot.start)]
    matches = [entry(base, resource, "match") for resource in _proposed(proposals, request, uow)]
    extra = [entry(base, request_resource(context, request), "include")]
    if not matches:
        extra.append(entry(base, _nothing_timely(request), "outcome"))
    return bundle("searchset", matches + extra, total=len(matches))


def _proposed(proposals: list[Proposal], request: CareRequest, uow: UnitOfWork) -> list[fhir.Json]:
    seen = queries.candidates(uow, request.id, [p.slot for p in proposals])
    return [
        fhir.proposed_appointment(c.request, c.slot, c.clinician, p.reason)
        for c, p in zip(seen, proposals, strict=True)
    ]


@router.post("/Appointment/$hold", summary="Hold a proposed appointment for a while")
def hold(body: ParametersBody, context: Context, uow: Uow, base: Base) -> FhirResponse:
    """`appt-id` (proposal-{request}-{slot}) or `appt-resource` (a proposed Appointment):
    the slot becomes busy-tentative and the Appointment `pending` until the hold expires."""
    target = inputs.target(inputs.read(body, inputs.HOLD))
    if isinstance(target, inputs.HoldId):
        raise InvalidTransition(f"hold-{target.hold_id} is already a hold; $book it")
    made = hold_slot(
        HoldSlot(target.request_id, target.slot_id), uow, context.clock, context.policy
    )
    held = hold_resource(context, queries.held(uow, made.id))
    note = outcome("information", "informational", f"held until {fhir.instant(made.expires_at)}")
    return bundle("collection", [entry(base, held), entry(base, note)])


def _member_of(target: inputs.ProposalId | inputs.HoldId, uow: UnitOfWork) -> str:
    if isinstance(target, inputs.HoldId):
        return queries.held(uow, target.hold_id).request.member_id
    return queries.care_request(uow, target.request_id).member_id


def _check_patient(
    params: fhir.Parameters, target: inputs.ProposalId | inputs.HoldId, uow: UnitOfWork
) -> int | None:
    """The visit a reschedule cancels, after checking it, and `patient-id`, are the member's."""
    member_id = _member_of(target, uow)
    patient = params.text("patient-id")
    if patient is not None and fhir.reference_id(patient, "Patient") != member_id:
        raise InvalidInput(f"patient-id {patient} is not the patient of this appointment")
    cancelled = inputs.cancelled_appointment(params)
    if cancelled is not None and queries.visit(uow, cancelled).appointment.member_id != member_id:
        raise InvalidInput(f"cancelled-appt-id {cancelled} is another patient's appointment")
    return cancelled


def _book(
    target: inputs.ProposalId | inputs.HoldId,
    params: fhir.Parameters,
    context: ApiContext,
    uow: UnitOfWork,
    who: Principal,
) -> Decision:
    # The acceptance is recorded under the signed-in caller, through `channel` (the API is
    # the portal unless staff say they booked by phone, in person...).
    by = who.subject
    channel = inputs.choice(Channel, params.text("channel") or "portal", "channel")
    cancelled = _check_patient(params, target, uow)
    clock, policy = context.clock, context.policy
    if isinstance(target, inputs.HoldId):
        return book_hold(BookHold(target.hold_id, by, cancelled, channel), uow, clock, policy)
    if cancelled is None:
        cmd = BookRequest(target.request_id, target.slot_id, by, channel)
        return book_request(cmd, uow, clock, policy)
    # A reschedule cancels and books in one transaction, which `book_hold` does: hold the
    # new slot first, and let it go again if the booking is refused.
    held = hold_slot(HoldSlot(target.request_id, target.slot_id), uow, clock, policy)
    try:
        return book_hold(BookHold(held.id, by, cancelled, channel), uow, clock, policy)
    except ParityError:
        release_hold(held.id, uow)
        raise


def _booked(
    target: inputs.ProposalId | inputs.HoldId,
    params: fhir.Parameters,
    context: ApiContext,
    uow: UnitOfWork,
    base: str,
    who: Principal,
) -> FhirResponse:
    decision = _book(target, params, context, uow, who)
    if decision.appointment_id is None:
        raise InvalidTransition(f"request {decision.request_id} was {decision.action}, not booked")
    entries = [entry(base, visit_resource(queries.visit(uow, decision.appointment_id)))]
    cancelled = inputs.cancelled_appointment(params)
    if cancelled is not None:
        entries.append(entry(base, visit_resource(queries.visit(uow, cancelled))))
    timely = "timely" if decision.explanation.get("timely") else "after the deadline"
    message = (
        f"booked Appointment/{decision.appointment_id}: {timely} under {decision.standard} "
        f"(deadline {fhir.instant(decision.deadline)}; {decision.citation})"
    )
    entries.append(entry(base, outcome("information", "informational", message)))
    return bundle("collection", entries)


@router.post("/Appointment/$book", summary="Book a hold or a proposal (or reschedule)")
def book(body: ParametersBody, context: Context, uow: Uow, base: Base, who: Who) -> FhirResponse:
    """`appt-id`/`appt-resource`: a hold (hold-{n}) or a proposal (proposal-{r}-{s}), the
    server re-checking availability and protected time. `cancelled-appt-id`: cancel that
    visit (by the member) and book in one transaction. Returns the booked Appointment, the
    cancelled one if any, and an OperationOutcome."""
    params = inputs.read(body, inputs.BOOK)
    return _booked(inputs.target(params), params, context, uow, base, who)


@router.post("/Appointment/{appointment_id}/$book", summary="Book this hold or proposal")
def book_instance(
    appointment_id: str,
    context: Context,
    uow: Uow,
    base: Base,
    who: Who,
    body: OptionalParametersBody = None,
) -> FhirResponse:
    """As `$book`, the appointment named by the path (`cancelled-appt-id` and the others
    are optional parameters)."""
    params = inputs.read(body, inputs.BOOK - inputs.HOLD)
    target = inputs.appointment_id(appointment_id)
    if not isinstance(target, inputs.ProposalId | inputs.HoldId):
        raise InvalidInput(f"Appointment/{appointment_id} is not a proposal or a hold")
    return _booked(target, params, context, uow, base, who)
