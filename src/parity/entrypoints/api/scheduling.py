"""The scheduling operations, in the Argonaut/IHE shape: `$find` proposes, `$hold` sets a
slot aside for a while, `$book` books (and, with `cancelled-appt-id`, reschedules)."""

from __future__ import annotations

from fastapi import APIRouter

from parity.adapters import fhir
from parity.adapters.fhir import versions as fhir_versions
from parity.domain.care import CareRequest, Channel, Decision, RequestStatus
from parity.domain.errors import InvalidInput, InvalidTransition
from parity.domain.ports import UnitOfWork
from parity.domain.scope import MemberScope, Reach
from parity.domain.users import Forbidden, Principal
from parity.entrypoints.api import capacity, inputs, versions
from parity.entrypoints.api.appointments import (
    appointment_resource,
    visit_resource,
)
from parity.entrypoints.api.calls import Call, Caller
from parity.entrypoints.api.care_requests import request_resource
from parity.entrypoints.api.context import ApiContext
from parity.entrypoints.api.responses import FhirResponse, operation_result, outcome, pruned
from parity.entrypoints.api.schemas import OptionalParametersBody, ParametersBody
from parity.entrypoints.api.search import ref
from parity.services import queries
from parity.services.booking import BookRequest, book_in
from parity.services.holds import BookHold, HoldSlot, book_hold_in, hold_slot_in
from parity.services.policy import Policy
from parity.services.proposals import Proposal, find_proposals
from parity.services.requests import new_request
from parity.services.reschedule import Reschedule, reschedule
from parity.services.slot_search import booking_deadline

router = APIRouter(tags=["Scheduling"])


def _care_request(
    params: fhir.Parameters,
    asked: inputs.FindInputs,
    context: ApiContext,
    uow: UnitOfWork,
    scope: MemberScope,
    caller: Principal | None = None,
) -> CareRequest:
    """The request `$find` searches for: the one named, or a new one opened now (its clock
    starts at this call; pass `service-request` to search again for the same request). The
    patient, the request and the prior visit must all be in the caller's scope; a prior
    authorisation is recorded as `caller`'s determination."""
    versions.read_ahead(uow, "member", asked.member_id)  # and the clinic a new request names
    member = queries.member(uow, scope, asked.member_id)
    if asked.request_id is not None:
        request = queries.care_request(uow, scope, asked.request_id)
        if request.member_id != member.id:
            raise InvalidInput(f"ServiceRequest/{request.id} is not Patient/{member.id}'s")
        return request
    prior = None
    if asked.prior_appointment_id is not None:
        prior = queries.visit(uow, scope, asked.prior_appointment_id).appointment
        if prior.member_id != member.id:
            raise InvalidInput(f"Appointment/{prior.id} is not Patient/{member.id}'s")
    cmd = inputs.request_care(params, member, prior, asked.window.start, caller)
    return new_request(cmd, uow, context.clock, context.policy)


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
def find(body: ParametersBody, call: Caller) -> FhirResponse:
    """A searchset Bundle of `proposed` Appointments, best first (same clinician for a
    follow-up, then earliest) before the request's legal deadline; after a declined timely
    offer, or from the member's own later date, later times too, each `timely` false (ADR
    0013); the request is included. Nothing at all: no matches and an OperationOutcome
    saying to refer out."""
    context, scope = call.context, call.scope
    params = inputs.read_only_body(call.http.query_params, body, inputs.FIND)
    if params.text("patient-reference") is None:
        if scope.reach in (Reach.SELF, Reach.NOBODY) or scope.deidentified:
            raise Forbidden("a member looks for times for themselves: name the patient")
        return capacity.find(call.http, params, context, call.uow, call.base)
    asked = inputs.find_inputs(params, context.tz)
    # One transaction for the request (opened, or read), its proposals and their stamps; a
    # request opened here is committed as the block ends: docs/adr/0017-booking-api-speed.md.
    with versions.reading(call.uow, commit=asked.request_id is None) as joined:
        # A prior authorisation asked for is the signed-in caller's determination (ADR 0013).
        caller = call.signed_in() if params.flag("prior-authorization") else None
        care = _care_request(params, asked, context, joined, scope, caller)
        if care.status is not RequestStatus.OPEN:
            raise InvalidTransition(f"request {care.id} is {care.status}, not open")
        opened = asked.request_id is None  # opened by this call: nothing offered for it yet
        proposals = find_proposals(
            care.id,
            joined,
            context.clock,
            context.policy,
            asked.limit,
            opened_now=opened,
            within=asked.window,
        )
        # The proposals are rendered without empty values; the request is pruned alone.
        shown = pruned(request_resource(context, care))
        *proposed, included = versions.stamp_rendered(
            joined,
            [
                *_proposed(proposals, care, joined, scope, context.policy),
                (shown, fhir_versions.parts_of(shown)),
            ],
        )
    others = [(included, "include")]
    if not proposed:
        others.append((_nothing_timely(care), "outcome"))
    return operation_result(call.http, call.base, proposed, others, clean=True)


def _proposed(
    proposals: list[Proposal],
    request: CareRequest,
    uow: UnitOfWork,
    scope: MemberScope,
    policy: Policy,
) -> list[tuple[fhir.Json, list[fhir_versions.Part]]]:
    """The proposals rendered, each with the records it is read from (its request and its
    slot), which its stamp is computed from without parsing what was rendered; each says
    `timely` as its Proposal does (by the booking deadline)."""
    seen = queries.candidates(uow, scope, request.id, [p.slot for p in proposals])
    read = seen[0].request if seen else request
    rendered = fhir.proposed_appointments(
        read,
        [(c.slot, c.clinician, p.reason) for c, p in zip(seen, proposals, strict=True)],
        booking_deadline(read, policy),
    )
    return [
        (resource, fhir_versions.proposal_parts(c.request.id, c.slot.id))
        for resource, c in zip(rendered, seen, strict=True)
    ]


Target = inputs.ProposalId | inputs.HoldId


@router.post("/Appointment/$hold", summary="Hold a proposed appointment for a while")
def hold(body: ParametersBody, call: Caller) -> FhirResponse:
    """`appt-id` (proposal-{request}-{slot}) or `appt-resource` (a proposed Appointment):
    the slot becomes busy-tentative and the Appointment `pending` until the hold expires."""
    target = inputs.target(inputs.read(body, inputs.HOLD))
    with versions.changing(call.http, call.uow, _current(call, target, holding=True)) as joined:
        return _held(target, call.joined(joined))


@router.post("/Appointment/{appointment_id}/$hold", summary="Hold this proposed appointment")
def hold_instance(
    appointment_id: str, call: Caller, body: OptionalParametersBody = None
) -> FhirResponse:
    """As `$hold`, the proposal named by the path (Argonaut's instance-level form)."""
    inputs.read(body, frozenset())
    target = _target(appointment_id, "a proposal")
    with versions.changing(call.http, call.uow, _current(call, target, holding=True)) as joined:
        return _held(target, call.joined(joined))


def _target(appointment_id: str, kind: str) -> Target:
    """The proposal or hold a path names, or `InvalidInput` naming what was expected."""
    target = inputs.appointment_id(appointment_id)
    if not isinstance(target, inputs.ProposalId | inputs.HoldId):
        raise InvalidInput(f"Appointment/{appointment_id} is not {kind}")
    return target


def _held(target: Target, call: Call) -> FhirResponse:
    if isinstance(target, inputs.HoldId):
        raise InvalidTransition(f"hold-{target.hold_id} is already a hold; $book it")
    # The caller's checks read the slot and the request the hold is made against, in its
    # transaction; a hold changes neither's times, clinician or needs, and the new hold is
    # pending and booked as nothing yet, so the answer is rendered from what is at hand,
    # not read again (docs/adr/0017-booking-api-speed.md). Its stamps are read before the
    # commit: one transaction.
    uow, scope, context = call.uow, call.scope, call.context
    slot = queries.slot(uow, target.slot_id)
    care = queries.care_request(uow, scope, target.request_id)
    clinician = queries.clinician(uow, slot.clinician_id)
    made = hold_slot_in(HoldSlot(care.id, slot.id), uow, context.clock, context.policy)
    pending = fhir.held_appointment(made, care, slot, clinician, context.clock.now(), None)
    held = versions.stamp_each(uow, [pending], clean=True)
    uow.commit()
    note = outcome("information", "informational", f"held until {fhir.instant(made.expires_at)}")
    return operation_result(call.http, call.base, held, [(note, "outcome")], clean=True)


def _check_target(target: Target, uow: UnitOfWork, scope: MemberScope) -> str:
    """The member a hold or proposal books for, after checking that its request is the
    caller's to book; `NotFound` otherwise (any slot serving it may be: docs/adr/0012)."""
    if isinstance(target, inputs.HoldId):
        return queries.held(uow, scope, target.hold_id).request.member_id
    return queries.care_request(uow, scope, target.request_id).member_id


def _check_patient(params: fhir.Parameters, target: Target, call: Call) -> int | None:
    """The visit a reschedule cancels, after checking it, and `patient-id`, are the member's
    the booking is for, and that member is in the caller's scope."""
    member_id = _check_target(target, call.uow, call.scope)
    patient = ref(params.text("patient-id"), "Patient")
    if patient is not None and patient != member_id:
        raise InvalidInput(f"patient-id {patient} is not the patient of this appointment")
    cancelled = inputs.cancelled_appointment(params)
    visit = None if cancelled is None else queries.visit(call.uow, call.scope, cancelled)
    if visit is not None and visit.appointment.member_id != member_id:
        raise InvalidInput(f"cancelled-appt-id {cancelled} is another patient's appointment")
    return cancelled


def _book(target: Target, params: fhir.Parameters, call: Call) -> Decision:
    """Book in the route's transaction, left open for the answer to be read and stamped
    in it (a reschedule by a proposal commits on its own)."""
    # The acceptance is recorded under the signed-in caller, through `channel` (the API is
    # the portal unless staff say they booked by phone, in person...).
    by = call.signed_in().subject
    channel = inputs.choice(Channel, params.text("channel") or "portal", "channel")
    cancelled = _check_patient(params, target, call)
    uow, clock, policy = call.uow, call.context.clock, call.context.policy
    if isinstance(target, inputs.HoldId):
        return book_hold_in(BookHold(target.hold_id, by, cancelled, channel), uow, clock, policy)
    if cancelled is None:
        cmd = BookRequest(target.request_id, target.slot_id, by, channel)
        return book_in(cmd, uow, clock, policy)
    moved = Reschedule(target.request_id, target.slot_id, cancelled, by, channel)
    return reschedule(moved, uow, clock, policy)


def _booked(target: Target, params: fhir.Parameters, call: Call) -> FhirResponse:
    decision = _book(target, params, call)
    uow, scope = call.uow, call.scope
    if decision.appointment_id is None:
        uow.commit()  # a referral or a wait is recorded all the same
        raise InvalidTransition(f"request {decision.request_id} was {decision.action}, not booked")
    # The booked visit, its request and slot are those this transaction just wrote (the
    # unit of work keeps them and their stamps): the answer costs no second transaction
    # (docs/adr/0017-booking-api-speed.md).
    matches = [visit_resource(queries.visit(uow, scope, decision.appointment_id))]
    cancelled = inputs.cancelled_appointment(params)
    if cancelled is not None:
        matches.append(visit_resource(queries.visit(uow, scope, cancelled)))
    stamped = versions.stamp_each(uow, matches, clean=True)
    uow.commit()
    timely = "timely" if decision.timely else "after the deadline"
    message = (
        f"booked Appointment/{decision.appointment_id}: {timely} under {decision.standard} "
        f"(deadline {fhir.instant(decision.deadline)}; {decision.citation})"
    )
    note = outcome("information", "informational", message)
    return operation_result(call.http, call.base, stamped, [(note, "outcome")], clean=True)


@router.post("/Appointment/$book", summary="Book a hold or a proposal (or reschedule)")
def book(body: ParametersBody, call: Caller) -> FhirResponse:
    """`appt-id`/`appt-resource`: a hold (hold-{n}) or a proposal (proposal-{r}-{s}), the
    server re-checking availability and protected time. `cancelled-appt-id`: cancel that
    visit (by the member) and book in one transaction. Returns the booked Appointment, the
    cancelled one if any, and an OperationOutcome."""
    params = inputs.read(body, inputs.BOOK)
    target = inputs.target(params)
    with versions.changing(call.http, call.uow, _current(call, target, booking=True)) as joined:
        return _booked(target, params, call.joined(joined))


@router.post("/Appointment/{appointment_id}/$book", summary="Book this hold or proposal")
def book_instance(
    appointment_id: str, call: Caller, body: OptionalParametersBody = None
) -> FhirResponse:
    """As `$book`, the appointment named by the path (`cancelled-appt-id` and the others
    are optional parameters)."""
    params = inputs.read(body, inputs.BOOK - inputs.HOLD)
    target = _target(appointment_id, "a proposal or a hold")
    with versions.changing(call.http, call.uow, _current(call, target, booking=True)) as joined:
        return _booked(target, params, call.joined(joined))


def _current(
    call: Call, target: Target, booking: bool = False, holding: bool = False
) -> versions.Render:
    """How to read the Appointment an operation changes (its version is what `If-Match`
    names): the hold, or the proposal. A `booking` reads with them whether the slot lies in
    protected time, which the booking asks next (docs/adr/0017-booking-api-speed.md,
    fourteenth round); a `holding` (of a proposal) the earliest expiry of an active hold,
    which the hold's expiry of stale holds asks next (fifteenth round)."""
    if isinstance(target, inputs.HoldId):
        key = f"hold-{target.hold_id}"
        kind = "booking-hold" if booking else "hold"
        ahead: tuple[str, int, int | None] = (kind, target.hold_id, None)
    else:
        key = fhir.proposal_id(target.request_id, target.slot_id)
        kind = "booking-proposal" if booking else "holding-proposal" if holding else "proposal"
        ahead = (kind, target.slot_id, target.request_id)

    def render(uow: UnitOfWork) -> fhir.Json:
        # The target's records in one statement, with the deny-list check
        # (docs/adr/0017-booking-api-speed.md, seventh round).
        versions.read_ahead(uow, *ahead)
        return appointment_resource(call.context, uow, call.scope, key)

    return render
