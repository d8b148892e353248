"""The batch optimizer over HTTP: preview the plan for the open queue, or apply it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from parity.domain.ports import UnitOfWork
from parity.domain.scope import MemberScope
from parity.domain.users import Forbidden
from parity.entrypoints.api.context import Context, Uow
from parity.entrypoints.api.signed_in import Who
from parity.entrypoints.security.scope import Scope
from parity.services import queries
from parity.services.optimize import Horizon, Plan, lines_seen_by, optimize_queue

router = APIRouter(tags=["Batch optimizer"], default_response_class=JSONResponse)

Start = Annotated[date, Query(alias="from", description="first day of the horizon (ISO date)")]
Days = Annotated[int, Query(alias="horizon", ge=1, le=60, description="business days")]
Limit = Annotated[float, Query(alias="time-limit", ge=1, le=120, description="seconds for CP-SAT")]


def _body(plan: Plan, uow: UnitOfWork, scope: MemberScope) -> dict[str, Any]:
    """The plan's summary, and its lines about members in the caller's scope."""
    moves, unplaced = lines_seen_by(plan, uow, scope)
    return {"summary": plan.summary(), "moves": moves, "unplaced": unplaced}


def whole_region(uow: UnitOfWork, scope: MemberScope) -> None:
    """Applying books or refers every open request of the region: only a caller whose
    scope holds every one of them may (docs/adr/0012)."""
    outside = queries.open_requests_outside(uow, scope)
    if outside:
        raise Forbidden(
            f"the plan would book or refer {outside} open request(s) of members outside "
            "your clinics; ask an admin or a scheduler of every clinic to apply it"
        )


@router.post("/optimize/$preview", summary="What the optimizer would book, against its exact bound")
def optimize_preview(
    context: Context, uow: Uow, scope: Scope, start: Start, days: Days = 10, limit: Limit = 20
) -> JSONResponse:
    plan = optimize_queue(
        Horizon(start, days), uow, context.clock, context.policy, time_limit=limit
    )
    return JSONResponse(_body(plan, uow, scope))


@router.post(
    "/optimize/$apply",
    summary="Offer the plan's slots to their members and refer the unplaced, in one transaction",
)
def optimize_apply(
    context: Context,
    uow: Uow,
    scope: Scope,
    who: Who,
    start: Start,
    days: Days = 10,
    limit: Limit = 20,
) -> JSONResponse:
    """Each placement becomes an offer to its member, the slot held for their answer (given
    with Task/offer-{n}/$accept or $decline); the caller is recorded as who applied it."""
    whole_region(uow, scope)
    plan = optimize_queue(
        Horizon(start, days),
        uow,
        context.clock,
        context.policy,
        apply=True,
        applied_by=who.subject,
        time_limit=limit,
    )
    return JSONResponse(_body(plan, uow, scope))
