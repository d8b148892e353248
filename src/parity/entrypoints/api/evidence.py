"""The evidence trail as Task resources: offers (`offer-{n}`; a declined one is `rejected`
with who and when), clinical exceptions (`exception-{n}`) and out-of-network referrals
(`referral-{n}`). Answering an offer: `$accept` books it, `$decline` keeps the refusal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from parity.adapters import fhir
from parity.domain import ids
from parity.domain.care import Channel, Decision
from parity.domain.errors import InvalidInput, NotFound
from parity.domain.ports import UnitOfWork
from parity.domain.scope import MemberScope
from parity.domain.users import Principal, Role
from parity.entrypoints.api import inputs, versions
from parity.entrypoints.api.appointments import visit_resource
from parity.entrypoints.api.calls import Call, Caller
from parity.entrypoints.api.care_requests import referral_citation
from parity.entrypoints.api.context import ApiContext, Context, Page, Uow
from parity.entrypoints.api.query_params import BasedOn, Ids, PatientRef
from parity.entrypoints.api.responses import FhirResponse, bundle, entry
from parity.entrypoints.api.schemas import ParametersBody, ParametersIn
from parity.entrypoints.api.search import int_ref, read_each, ref, token_group, tokens
from parity.entrypoints.api.signed_in import Who
from parity.entrypoints.security.scope import Scope
from parity.services import queries
from parity.services.courses import ExceptionTodo, exception_todos
from parity.services.offers import AnswerOffer, answer_offer

router = APIRouter(tags=["Evidence"])

TASK_CODES = ("offer", "clinical-exception", "out-of-network-referral")
TASK_SYSTEM = f"{fhir.CODES}/task"
TODO_CODE = "clinical-exception-to-do"


def todo_task(todo: ExceptionTodo) -> fhir.Json:
    """A to-do for the treating clinician: the course's cadence is longer than the follow-up
    window, so they are asked to determine whether a longer wait is clinically appropriate.
    Until they document it, the follow-up is offered within the window."""
    return {
        "resourceType": "Task",
        "id": f"todo-{todo.request_id}",
        "status": "requested",
        "intent": "order",
        "code": fhir.concept("task", TODO_CODE),
        "basedOn": [fhir.reference("ServiceRequest", todo.request_id)],
        "for": fhir.reference("Patient", todo.member_id),
        "owner": fhir.reference("Practitioner", todo.clinician_id),
        "restriction": {"period": {"end": fhir.instant(todo.deadline)}},
        "description": (
            f"The course's cadence ({todo.cadence_days} days) runs past the follow-up "
            "deadline: document a clinical exception if a longer wait will not harm the "
            "member; until then the follow-up is offered within the window."
        ),
    }


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
    return versions.read(uow, lambda u: task_resource(context, u, scope, task_id))


@router.get("/Task", summary="The evidence of a request or of a member")
def search_tasks(
    call: Caller,
    page: Page,
    based_on: BasedOn = None,
    patient: PatientRef = None,
    code: Annotated[
        list[str] | None,
        Query(
            description="offer, clinical-exception, out-of-network-referral; or alone "
            "clinical-exception-to-do (with practitioner)"
        ),
    ] = None,
    practitioner: Annotated[
        str | None, Query(description="Practitioner/{id}: whose clinical-exception to-dos")
    ] = None,
    ids: Ids = None,
) -> FhirResponse:
    """`_id` alone reads each Task in the caller's scope; with other parameters it narrows
    their search. `code=clinical-exception-to-do` with `practitioner`: that clinician's
    to-dos, of the members in the caller's scope."""
    request, context, scope, base = call.http, call.context, call.scope, call.base
    with versions.reading(call.uow) as uow:
        if ids is not None and not (based_on or patient or code):
            read = read_each(tokens([ids]), lambda key: task_resource(context, uow, scope, key))
            return versions.search(uow, request, base, read, lambda task: task, page)
        if set(tokens(code or [])) == {TODO_CODE}:
            todos = queries.kept(uow, scope, exception_todos(_practitioner(practitioner), uow))
            return versions.search(uow, request, base, todos, todo_task, page)
        codes = _codes(code)
        asked = int_ref(based_on, "ServiceRequest"), ref(patient, "Patient")
        found = queries.evidence(uow, scope, *asked)
        tasks = [task for e in found for task in _tasks(context, e, codes)]
        return versions.search(uow, request, base, tasks, lambda task: task, page, ids)


def _codes(values: list[str] | None) -> set[str]:
    """Task codes asked for (`code`, `system|code`; another system matches nothing)."""
    if not values:
        return set(TASK_CODES)
    codes = set().union(*(token_group(v, TASK_SYSTEM) for v in values))
    if not codes <= set(TASK_CODES):
        raise InvalidInput(f"code must be one of {', '.join((*TASK_CODES, TODO_CODE))}")
    return codes


def _practitioner(text: str | None) -> str:
    if not text:
        raise InvalidInput(f"code={TODO_CODE} needs practitioner=Practitioner/{{id}}")
    return ids.text_reference(text, "Practitioner")


def _offer_id(task_id: str) -> int:
    task = ids.task_id(task_id)
    if task.kind != "offer":
        raise NotFound(f"Task {task_id} is not an offer", resource="Task", id=task_id)
    return task.number


def _answer(
    task_id: str, accept: bool, body: ParametersIn, call: Call, who: Principal
) -> Decision | None:
    """Record the member's answer under the signed-in caller: a member answers for
    themselves through the portal; staff say how the member answered (`channel`) and, for
    a refusal, the contact note (`note`)."""
    params = inputs.read(body, inputs.ANSWER)
    # the caller's offer (or NotFound), at the version the caller saw (412 when stale),
    # checked in the transaction that records the answer (api/versions.py)
    with versions.changing(call.http, call.uow, _task(call, task_id)) as joined:
        return _record_answer(task_id, accept, params, call.joined(joined), who)


def _task(call: Call, task_id: str) -> versions.Render:
    return lambda uow: task_resource(call.context, uow, call.scope, task_id)


def _record_answer(
    task_id: str, accept: bool, params: fhir.Parameters, call: Call, who: Principal
) -> Decision | None:
    offered, _ = queries.offer(call.uow, call.scope, _offer_id(task_id))
    member = who.role is Role.MEMBER
    channel = params.text("channel") or ("portal" if member else None)
    if channel is None:
        raise InvalidInput("say how the member answered: channel=phone, portal, sms, ...")
    via = inputs.choice(Channel, channel, "channel")
    note = params.text("note") or ""
    cmd = AnswerOffer(offered.id, accept, who, via, note)
    answer = answer_offer(cmd, call.uow, call.context.clock, call.context.policy)
    return answer if isinstance(answer, Decision) else None


@router.post("/Task/{task_id}/$accept", summary="Accept an offer: book it")
def accept_offer(task_id: str, body: ParametersBody, call: Caller, who: Who) -> FhirResponse:
    """Book the offered slot; the signed-in caller is recorded as who recorded the
    acceptance, `channel` how it came. Returns a Bundle with the booked Appointment and the
    accepted offer Task."""
    decision = _answer(task_id, True, body, call, who)
    answered = [_task(call, task_id)(call.uow)]
    if decision is not None and decision.appointment_id is not None:
        visit = queries.visit(call.uow, call.scope, decision.appointment_id)
        answered.insert(0, visit_resource(visit))
    stamped = versions.stamp_each(call.uow, answered)
    return bundle("collection", [entry(call.base, r) for r in stamped])


@router.post("/Task/{task_id}/$decline", summary="Decline an offer (kept as evidence)")
def decline_offer(task_id: str, body: ParametersBody, call: Caller, who: Who) -> FhirResponse:
    """Record that the member declined (recorded by the signed-in caller, now, through
    `channel`; staff add the contact `note`) and free the slot. A timely offer declined
    counts as compliant; the request stays open for a later booking."""
    _answer(task_id, False, body, call, who)
    return versions.read(call.uow, _task(call, task_id))
