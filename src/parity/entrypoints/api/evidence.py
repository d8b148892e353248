"""The evidence trail as Task resources: offers (`offer-{n}`; a declined one is `rejected`
with who and when), clinical exceptions (`exception-{n}`) and out-of-network referrals
(`referral-{n}`). Answering an offer: `$accept` books it, `$decline` keeps the refusal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from parity.adapters import fhir
from parity.domain import ids
from parity.domain.care import Decision
from parity.domain.errors import InvalidInput, NotFound
from parity.domain.ports import UnitOfWork
from parity.domain.scope import MemberScope
from parity.entrypoints.api import inputs
from parity.entrypoints.api.appointments import visit_resource
from parity.entrypoints.api.care_requests import referral_citation
from parity.entrypoints.api.context import ApiContext, Base, Context, Page, Uow
from parity.entrypoints.api.responses import (
    FhirResponse,
    bundle,
    check_if_match,
    entry,
    search_results,
)
from parity.entrypoints.api.schemas import ParametersBody, ParametersIn
from parity.entrypoints.api.search import int_ref, read_each, ref, token_group, tokens
from parity.entrypoints.security.scope import Scope
from parity.services import queries
from parity.services.offers import AnswerOffer, answer_offer

router = APIRouter(tags=["Evidence"])

TASK_CODES = ("offer", "clinical-exception", "out-of-network-referral")
TASK_SYSTEM = f"{fhir.CODES}/task"


def task_resource(context: ApiContext, uow: UnitOfWork, scope: MemberScope, key: str) -> fhir.Json:
    """An offer, exception or referral Task in the caller's scope."""
    task = ids.task_id(key)
    if task.kind == "offer":
        return fhir.offer_task(*queries.offer(uow, scope, task.number))
    if task.kind == "exception":
        return fhir.exception_task(*queries.clinical_exception(uow, scope, task.number))
    found, request = queries.referral(uow, scope, task.number)
    return fhir.referral_task(found, request, referral_citation(context))


def _tasks(context: ApiContext, evidence: queries.Evidence, codes: set[str]) -> list[fhir.Json]:
    request = evidence.request
    found = [fhir.offer_task(o, request) for o in evidence.offers] if "offer" in codes else []
    if "clinical-exception" in codes:
        found += [fhir.exception_task(e, request) for e in evidence.exceptions]
    if "out-of-network-referral" in codes:
        citation = referral_citation(context)
        found += [fhir.referral_task(r, request, citation) for r in evidence.referrals]
    return found


@router.get("/Task/{task_id}", summary="Read an offer, a clinical exception or a referral")
def read_task(task_id: str, context: Context, uow: Uow, scope: Scope) -> FhirResponse:
    return FhirResponse(task_resource(context, uow, scope, task_id))


@router.get("/Task", summary="The evidence of a request or of a member")
def search_tasks(
    request: Request,
    context: Context,
    uow: Uow,
    scope: Scope,
    base: Base,
    page: Page,
    based_on: Annotated[
        str | None, Query(alias="based-on", description="ServiceRequest/{id}")
    ] = None,
    patient: Annotated[str | None, Query(description="Patient/{id}")] = None,
    code: Annotated[
        list[str] | None, Query(description="offer, clinical-exception, out-of-network-referral")
    ] = None,
    ids: Annotated[str | None, Query(alias="_id", description="Comma-separated ids")] = None,
) -> FhirResponse:
    """`_id` alone reads each Task in the caller's scope; with other parameters it narrows
    their search."""
    if ids is not None and not (based_on or patient or code):
        read = read_each(tokens([ids]), lambda key: task_resource(context, uow, scope, key))
        return search_results(request, base, read, lambda task: task, page)
    codes = _codes(code)
    asked = int_ref(based_on, "ServiceRequest"), ref(patient, "Patient")
    found = queries.evidence(uow, scope, *asked)
    tasks = [task for e in found for task in _tasks(context, e, codes)]
    return search_results(request, base, tasks, lambda task: task, page, ids)


def _codes(values: list[str] | None) -> set[str]:
    """Task codes asked for (`code`, `system|code`; another system matches nothing)."""
    if not values:
        return set(TASK_CODES)
    codes = set().union(*(token_group(v, TASK_SYSTEM) for v in values))
    if not codes <= set(TASK_CODES):
        raise InvalidInput(f"code must be one of {', '.join(TASK_CODES)}")
    return codes


def _offer_id(task_id: str) -> int:
    task = ids.task_id(task_id)
    if task.kind != "offer":
        raise NotFound(f"Task {task_id} is not an offer", resource="Task", id=task_id)
    return task.number


def _answer(
    request: Request,
    task_id: str,
    accept: bool,
    body: ParametersIn,
    context: ApiContext,
    uow: UnitOfWork,
    scope: MemberScope,
) -> Decision | None:
    params = inputs.read(body, inputs.ANSWER)
    # the caller's offer (or NotFound), at the version the caller saw (412 when stale)
    check_if_match(request, task_resource(context, uow, scope, task_id))
    offered, _ = queries.offer(uow, scope, _offer_id(task_id))
    cmd = AnswerOffer(offered.id, accept, params.required("answered-by"))
    answer = answer_offer(cmd, uow, context.clock, context.policy)
    return answer if isinstance(answer, Decision) else None


@router.post("/Task/{task_id}/$accept", summary="Accept an offer: book it")
def accept_offer(
    request: Request,
    task_id: str,
    body: ParametersBody,
    context: Context,
    uow: Uow,
    scope: Scope,
    base: Base,
) -> FhirResponse:
    """Book the offered slot (`answered-by` says who accepted). Returns a Bundle with the
    booked Appointment and the accepted offer Task."""
    decision = _answer(request, task_id, True, body, context, uow, scope)
    entries = [entry(base, task_resource(context, uow, scope, task_id))]
    if decision is not None and decision.appointment_id is not None:
        booked = visit_resource(queries.visit(uow, scope, decision.appointment_id))
        entries.insert(0, entry(base, booked))
    return bundle("collection", entries)


@router.post("/Task/{task_id}/$decline", summary="Decline an offer (kept as evidence)")
def decline_offer(
    request: Request, task_id: str, body: ParametersBody, context: Context, uow: Uow, scope: Scope
) -> FhirResponse:
    """Record that the member declined (`answered-by`, now) and free the slot. A timely
    offer declined counts as compliant; the request stays open for a later booking."""
    _answer(request, task_id, False, body, context, uow, scope)
    return FhirResponse(task_resource(context, uow, scope, task_id))
