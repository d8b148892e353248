"""Compliance figures and the corrective-action plan over HTTP (JSON, not FHIR resources):
the same numbers as `parity report` and `parity plan`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from parity.domain.corrective import Action, ActionStatus, Finding
from parity.domain.errors import InvalidInput
from parity.entrypoints.api.context import ApiContext, Context, Uow
from parity.entrypoints.reports.compliance import report_payload
from parity.entrypoints.security.pseudonyms import accounts_hidden, pseudonymiser
from parity.services import scoping
from parity.services.compliance_report import ComplianceReport, build_report
from parity.services.corrective import AddAction, add_action, detect_findings, move_action
from parity.services.evidence_trail import evidence_documents
from parity.services.reporting import Period

router = APIRouter(
    tags=["Compliance reports and corrective-action plan"], default_response_class=JSONResponse
)

From = Annotated[date, Query(alias="from", description="first day, clinic-local (ISO date)")]
To = Annotated[date, Query(alias="to", description="the day after the last (ISO date)")]


def _window(start: date, end: date) -> Period:
    if end <= start:
        raise InvalidInput("`to` must be after `from`")
    if end - start > timedelta(days=3 * 366):
        raise InvalidInput("a report covers at most three years")
    return Period(start, end)


def _report(context: ApiContext, uow: Any, start: date, end: date) -> ComplianceReport:
    return build_report(uow, context.policy, _window(start, end), context.clock.now())


@router.get(
    "/report/compliance", summary="Compliance by standard, clinic, provider class and period"
)
def compliance(context: Context, uow: Uow, start: From, end: To) -> JSONResponse:
    return JSONResponse(report_payload(_report(context, uow, start, end)))


@router.get("/report/evidence", summary="The evidence of every request made in the window")
def evidence(request: Request, context: Context, uow: Uow, start: From, end: To) -> JSONResponse:
    """One document per request: clinic-local times with offsets, the legal and extended
    deadlines, the clinical exception (author, role, time, reason), every offer with its
    channel, who offered, the answer and who recorded it, the referral, the prior
    appointment, outcome, cause, a one-line verdict and the "as of" stamp. An auditor sees
    each member as a stable pseudonym, never their plan id."""
    member = pseudonymiser(request)
    documents = evidence_documents(uow, context.policy, _window(start, end), context.clock.now())
    scoping.note({str(doc["member"]) for doc in documents})  # the audit event names each one
    shown = accounts_hidden(request, uow, documents)
    return JSONResponse([doc | {"member": member(doc["member"])} for doc in shown])


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "scope": finding.scope,
        "metric": finding.metric,
        "clinic": finding.clinic_id,
        "class": finding.standard_class,
        "period": finding.period,
        "value": finding.value,
        "threshold": finding.threshold,
        "status": finding.status.value,
        "detected_at": finding.detected_at.isoformat(),
        "note": finding.note,
    }


def _action(action: Action) -> dict[str, Any]:
    return {
        "id": action.id,
        "finding": action.finding_id,
        "description": action.description,
        "owner": action.owner,
        "due": action.due.isoformat(),
        "status": action.status.value,
        "updated_at": action.updated_at.isoformat() if action.updated_at else None,
    }


@router.get("/plan", summary="The corrective-action plan: findings, actions, overdue flags, trends")
def plan(context: Context, uow: Uow, start: From, end: To) -> JSONResponse:
    lines = _report(context, uow, start, end).plan
    return JSONResponse(
        [
            {
                "finding": _finding(line.finding),
                "actions": [_action(a) for a in line.actions],
                "overdue_actions": line.overdue,
                "trend": [[m, s] for m, s in line.trend],
            }
            for line in lines
        ]
    )


@router.post(
    "/plan/$detect",
    summary="Open findings for networks whose survey rate is below the threshold",
    responses={201: {"description": "Findings opened (200: none were)"}},
)
def detect(context: Context, uow: Uow, start: From, end: To) -> JSONResponse:
    rates = _report(context, uow, start, end).survey
    created = detect_findings(rates, context.uow_factory(), context.policy, context.clock)
    return JSONResponse([_finding(f) for f in created], status_code=201 if created else 200)


class ActionIn(BaseModel):
    description: str = Field(min_length=1, max_length=2000)
    owner: str = Field(min_length=1, max_length=200)
    due: date


class MoveIn(BaseModel):
    status: ActionStatus


@router.post(
    "/plan/findings/{finding_id}/actions", summary="Add an action to a finding", status_code=201
)
def new_action(finding_id: int, body: ActionIn, context: Context, uow: Uow) -> JSONResponse:
    action = add_action(
        AddAction(finding_id, body.description, body.owner, body.due), uow, context.clock
    )
    return JSONResponse(_action(action), status_code=201)


@router.post("/plan/actions/{action_id}/$move", summary="Change an action's status")
def move(action_id: int, body: MoveIn, context: Context, uow: Uow) -> JSONResponse:
    return JSONResponse(_action(move_action(action_id, body.status, uow, context.clock)))
