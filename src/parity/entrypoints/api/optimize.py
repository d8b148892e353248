"""The batch optimizer over HTTP: preview the plan for the open queue, or apply it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from parity.entrypoints.api.context import Context, Uow
from parity.services.optimize import Horizon, Plan, apply, preview

router = APIRouter(tags=["Batch optimizer"], default_response_class=JSONResponse)

Start = Annotated[date, Query(alias="from", description="first day of the horizon (ISO date)")]
Days = Annotated[int, Query(alias="horizon", ge=1, le=60, description="business days")]
Limit = Annotated[float, Query(alias="time-limit", ge=1, le=120, description="seconds for CP-SAT")]


def _body(plan: Plan) -> dict[str, Any]:
    return {"summary": plan.summary(), "moves": plan.moves, "unplaced": plan.unplaced}


@router.post("/optimize/$preview", summary="What the optimizer would book, against its exact bound")
def optimize_preview(
    context: Context, uow: Uow, start: Start, days: Days = 10, limit: Limit = 20
) -> JSONResponse:
    plan = preview(Horizon(start, days), uow, context.clock, context.policy, time_limit=limit)
    return JSONResponse(_body(plan))


@router.post("/optimize/$apply", summary="Book the plan and refer the unplaced, in one transaction")
def optimize_apply(
    context: Context, uow: Uow, start: Start, days: Days = 10, limit: Limit = 20
) -> JSONResponse:
    plan = apply(Horizon(start, days), uow, context.clock, context.policy, time_limit=limit)
    return JSONResponse(_body(plan))
