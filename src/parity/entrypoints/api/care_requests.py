"""Care requests (ServiceRequest) with their legal window, and what can be done to one:
document a clinical exception, refer it out of network, offer it a slot."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Query

from parity.adapters import fhir
from parity.domain import ids
from parity.domain.care import CareRequest, Channel, RequestStatus
from parity.domain.ports import UnitOfWork
from parity.domain.scope import MemberScope
from parity.entrypoints.api import inputs, versions
from parity.entrypoints.api.calls import Call, Caller
from parity.entrypoints.api.context import ApiContext, Context, Page, Uow
from parity.entrypoints.api.query_params import Ids, PatientRef
from parity.entrypoints.api.responses import FhirResponse
from parity.entrypoints.api.schemas import OptionalParametersBody, ParametersBody
from parity.entrypoints.api.search import int_ref, read_each, ref, statuses, tokens
from parity.entrypoints.api.signed_in import Who
from parity.entrypoints.security.scope import Scope
from parity.services import queries
from parity.services.offers import MakeOffer, make_offer
from parity.services.prior_authorization import RecordPriorAuthorization, record_prior_authorization
from parity.services.requests import (
    PreferLater,
    RecordClinicalException,
    RecordReferralAppointment,
    ReferOutOfNetwork,
    WithdrawRequest,
    prefer_later_date,
    record_clinical_exception,
    record_referral_appointment,
    refer_out_of_network,
    withdraw_request,
)
from parity.services.slot_search import on_record

router = APIRouter(tags=["Care requests"])
STATUS_SYSTEM = "http://hl7.org/fhir/request-status"

REQUEST_STATUSES: dict[str, frozenset[RequestStatus]] = {
    "active": frozenset({RequestStatus.OPEN}),
    "completed": frozenset({RequestStatus.BOOKED, RequestStatus.REFERRED}),
    "revoked": frozenset({RequestStatus.WITHDRAWN}),
    **{s: frozenset() for s in ("draft", "on-hold", "entered-in-error", "unknown")},
}


def request_resource(context: ApiContext, request: CareRequest) -> fhir.Json:
    """The request as every figure judges it (`slot_search.on_record`: the one deadline the
    engine books by; docs/adr/0013, "2026-12-07 (late evening)")."""
    return fhir.service_request(request, context.policy.rules, on_record(request, context.policy))


def referral_citation(context: ApiContext) -> str:
    return context.policy.rules.citations.get("out_of_network", "SB 855 (H&S Code §1374.72)")


def read_resource(context: ApiContext, uow: Uow, scope: MemberScope, request_id: str) -> fhir.Json:
    """A care request in the caller's scope (NotFound otherwise: absent or not yours)."""
    found = queries.care_request(uow, scope, ids.path_number(request_id, "ServiceRequest"))
    return request_resource(context, found)


@router.get("/ServiceRequest/{request_id}", summary="Read a care request and its deadline")
def read_request(request_id: str, context: Context, uow: Uow, scope: Scope) -> FhirResponse:
    return versions.read(uow, lambda u: read_resource(context, u, scope, request_id))


@router.get("/ServiceRequest", summary="A member's requests, or the work queue by status")
def search_requests(
    call: Caller,
    page: Page,
    patient: PatientRef = None,
    status: Annotated[
        list[str] | None, Query(description="active (open), completed, revoked")
    ] = None,
    ids: Ids = None,
) -> FhirResponse:
    """Soonest effective deadline first: `status=active` is the scheduler's work queue.
    `_id` alone reads each request in the caller's scope; with other parameters it narrows
    their search."""
    request, context, scope, base = call.http, call.context, call.scope, call.base
    with versions.reading(call.uow) as uow:
        if ids is not None and not (patient or status):
            read = read_each(tokens([ids]), lambda key: read_resource(context, uow, scope, key))
            return versions.search(uow, request, base, read, lambda r: r, page)
        wanted = statuses(status or [], REQUEST_STATUSES, "status", STATUS_SYSTEM)
        found = queries.search_requests(uow, scope, ref(patient, "Patient"), wanted)
        to_fhir = lambda r: request_resource(context, r)  # noqa: E731
        return versions.search(uow, request, base, found, to_fhir, page, ids)


@router.post(
    "/ServiceRequest/{request_id}/$clinical-exception", summary="Document a clinical exception"
)
def clinical_exception(
    request_id: str, body: ParametersBody, call: Caller, who: Who
) -> FhirResponse:
    """28 CCR §1300.67.2.2(c)(5)(G): the signed-in treating or referring clinician notes
    that a longer wait will not harm the member (`reason`) and until when
    (`extended-deadline`); author, role and time come from the session and the server.
    After the legal deadline it is kept as a late determination. Returns the Task."""
    params = inputs.read(body, inputs.EXCEPTION)
    with _changing(call, request_id) as (joined, asked):
        cmd = RecordClinicalException(
            asked.id,
            who,
            params.required("reason"),
            inputs.deadline(params, "extended-deadline", call.context.tz),
        )
        found = record_clinical_exception(cmd, joined, call.context.clock)
        excepted = queries.care_request(joined, call.scope, found.request_id)
        return versions.versioned(joined, fhir.exception_task(found, excepted))


@router.post("/ServiceRequest/{request_id}/$refer", summary="Refer out of network")
def refer(request_id: str, body: ParametersBody, call: Caller, who: Who) -> FhirResponse:
    """SB 855: when the network cannot offer timely care, arrange out-of-network care at
    in-network cost sharing (`reason`; `outside-provider` and `appointment` when known).
    The signed-in caller is recorded as who arranged it. Returns the referral Task."""
    params = inputs.read(body, inputs.REFER)
    appointment = params.text("appointment")
    with _changing(call, request_id) as (joined, asked):
        cmd = ReferOutOfNetwork(
            asked.id,
            params.required("reason"),
            who.subject,
            params.text("outside-provider") or "",
            None if appointment is None else fhir.parse_datetime(appointment, call.context.tz)[0],
        )
        found = refer_out_of_network(cmd, joined, call.context.clock)
        referred = queries.care_request(joined, call.scope, found.request_id)
        task = fhir.referral_task(found, referred, referral_citation(call.context))
        return versions.versioned(joined, task)


@router.post(
    "/ServiceRequest/{request_id}/$referral-appointment",
    summary="Record the outside appointment a referral led to",
)
def referral_appointment(request_id: str, body: ParametersBody, call: Caller) -> FhirResponse:
    """SB 855: once the outside provider confirms it, where (`outside-provider`) and when
    (`appointment`) the referred member is seen, so the report can say whether the referral
    was arranged within the standard. The audit event of this call names who recorded it and
    when. A time before the referral was made is refused (422); a request never referred is
    404. Returns the referral Task."""
    params = inputs.read(body, inputs.REFERRAL_APPOINTMENT)
    appointment = params.required("appointment")
    with _changing(call, request_id) as (joined, asked):
        referral = queries.referral_of(joined, asked.id)
        cmd = RecordReferralAppointment(
            referral.id,
            params.required("outside-provider"),
            fhir.parse_datetime(appointment, call.context.tz)[0],
        )
        found = record_referral_appointment(cmd, joined)
        referred = queries.care_request(joined, call.scope, found.request_id)
        task = fhir.referral_task(found, referred, referral_citation(call.context))
        return versions.versioned(joined, task)


@router.post("/ServiceRequest/{request_id}/$withdraw", summary="The member withdraws a request")
def withdraw(
    request_id: str, call: Caller, who: Who, body: OptionalParametersBody = None
) -> FhirResponse:
    """Close an open request at the member's wish (recorded under the signed-in caller, now).
    A member withdraws for themselves (through the portal unless `channel` says otherwise);
    staff say how the member told them (`channel`) and when and what they said (`note`).
    Withdrawn before its deadline it is not counted against the plan."""
    params = inputs.read(body, inputs.MEMBERS_WORD)
    channel, note = _members_word(params)
    with _changing(call, request_id) as (joined, asked):
        cmd = WithdrawRequest(asked.id, who, channel, note)
        found = withdraw_request(cmd, joined, call.context.clock)
        return versions.versioned(joined, request_resource(call.context, found))


@router.post("/ServiceRequest/{request_id}/$prefer-later", summary="The member's own later date")
def prefer_later(request_id: str, body: ParametersBody, call: Caller, who: Who) -> FhirResponse:
    """Record that the member asks for a date after the one offered (`date`; staff add the
    member's `channel` and the contact `note`): kept as evidence, and the request is booked
    from that date (never referred out "for no capacity" because of it). It is compliant
    only where a timely appointment had been offered before it."""
    params = inputs.read(body, inputs.PREFER)
    start = fhir.parse_datetime(params.required("date"), call.context.tz)[0]
    channel, note = _members_word(params)
    with _changing(call, request_id) as (joined, asked):
        cmd = PreferLater(asked.id, start, who, channel, note)
        found = prefer_later_date(cmd, joined, call.context.clock)
        return versions.versioned(joined, request_resource(call.context, found))


def _members_word(params: fhir.Parameters) -> tuple[Channel | None, str]:
    """How the member said it, as the caller gives it: the service decides from the
    signed-in principal what is enough (`requests.members_word`: staff need the channel and
    the contact note, a member acts through the portal)."""
    text = params.text("channel")
    channel = None if text is None else inputs.choice(Channel, text, "channel")
    return channel, params.text("note") or ""


@router.post(
    "/ServiceRequest/{request_id}/$prior-authorization",
    summary="Record the plan's prior-authorisation determination (urgent requests)",
)
def prior_authorization(
    request_id: str, call: Caller, who: Who, body: OptionalParametersBody = None
) -> FhirResponse:
    """Record that this urgent request needs prior authorisation, determined by the signed-in
    staff or clinical user (never the member), now. Made by the deadline without it, it moves
    the deadline to the rule file's urgent standard with prior authorisation (California:
    48 hours to 96, H&S §1367.03(a)(5)(A)-(B)); made after, it is kept and moves nothing
    (docs/adr/0013, 2026-12-07 evening). It takes no parameters: a body naming one (another
    determiner, `required` false) is refused, never ignored (docs/adr/0012, 2026-12-07 night)."""
    inputs.no_parameters(body, "$prior-authorization")
    with _changing(call, request_id) as (joined, asked):
        cmd = RecordPriorAuthorization(asked.id, who)
        found = record_prior_authorization(cmd, joined, call.context.clock, call.context.policy)
        return versions.versioned(joined, request_resource(call.context, found))


@router.post("/ServiceRequest/{request_id}/$offer", summary="Offer a slot (kept as evidence)")
def offer(request_id: str, body: ParametersBody, call: Caller, who: Who) -> FhirResponse:
    """Offer the member a slot (`slot` = Slot/{id}) through `channel` (phone, portal, sms,
    email, in-person, letter) and hold it for them; the signed-in caller is recorded as who
    offered it. The answer is given with Task/offer-{n}/$accept or $decline. Returns the
    offer Task."""
    params = inputs.read(body, inputs.OFFER)
    channel = inputs.choice(Channel, params.required("channel"), "channel")
    with _changing(call, request_id) as (joined, asked):
        slot = queries.slot(joined, int_ref(params.required("slot"), "Slot") or 0)
        made = make_offer(
            MakeOffer(asked.id, slot.id, who.subject, channel),
            joined,
            call.context.clock,
            call.context.policy,
        )
        return versions.versioned(
            joined, fhir.offer_task(*queries.offer(joined, call.scope, made.id))
        )


@contextmanager
def _changing(call: Call, request_id: str) -> Iterator[tuple[UnitOfWork, CareRequest]]:
    """One transaction changing the ServiceRequest at `request_id` (`If-Match` checked on
    it): the joined unit of work and the request, read in the caller's scope."""
    current = _current(call.context, call.scope, request_id)
    with versions.changing(call.http, call.uow, current) as joined:
        number = ids.path_number(request_id, "ServiceRequest")
        yield joined, queries.care_request(joined, call.scope, number)


def _current(context: ApiContext, scope: MemberScope, request_id: str) -> versions.Render:
    """How to read the ServiceRequest an operation changes (`If-Match` names its version)."""
    return lambda uow: read_resource(context, uow, scope, request_id)
