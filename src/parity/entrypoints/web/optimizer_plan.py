"""The work queue's optimizer preview (ADR 0004): the batch optimizer's plan for the whole
open queue, as plain records the page renders (the service's moves are dicts of JSON
values)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from parity.domain.ports import Clock, UnitOfWork
from parity.domain.scope import MemberScope
from parity.services import optimize
from parity.services.policy import Policy

TIME_LIMIT_SECONDS = 10.0


@dataclass(frozen=True)
class PlannedVisit:
    request_id: int
    member_id: str
    slot_id: int
    clinician_id: str
    clinic_id: str
    start: datetime
    modality: str


@dataclass(frozen=True)
class LeftOut:
    request_id: int
    member_id: str
    reason: str
    message: str


@dataclass(frozen=True)
class OptimizerPlan:
    """What the optimizer would do (or did, when `applied`) with the whole open queue:
    book `visits` before their deadlines, refer `left_out` out of network."""

    open_requests: int
    visits: list[PlannedVisit]
    left_out: list[LeftOut]
    bound: int
    placed: int
    gap: float
    applied: bool
    seconds: dict[str, float] = field(default_factory=dict)


def _plan(plan: optimize.Plan, uow: UnitOfWork, scope: MemberScope) -> OptimizerPlan:
    """The service's plan as the page's plain record (its moves are dicts of JSON values),
    with the lines of members the caller's scope admits (docs/adr/0012, 2026-12-07)."""
    moves, unplaced = optimize.lines_seen_by(plan, uow, scope)
    visits = [
        PlannedVisit(
            int(m["request"]),
            str(m["member"]),
            int(m["slot"]),
            str(m["clinician"]),
            str(m["clinic"]),
            datetime.fromisoformat(str(m["start"])),
            str(m["modality"]),
        )
        for m in moves
    ]
    left_out = [
        LeftOut(int(u["request"]), str(u["member"]), str(u["reason"]), str(u["message"]))
        for u in unplaced
    ]
    solution = plan.solution
    return OptimizerPlan(
        plan.open_requests,
        visits,
        left_out,
        int(solution.bound),
        int(solution.placed),
        float(solution.gap),
        plan.applied,
        {str(k): float(v) for k, v in dict(solution.stats.seconds).items()},
    )


def optimizer_plan(
    start: date,
    uow: UnitOfWork,
    clock: Clock,
    policy: Policy,
    *,
    scope: MemberScope,
    apply: bool = False,
    applied_by: str = "",
) -> OptimizerPlan:
    """Preview (or, with `apply`, offer and refer in one transaction, recorded as applied
    by `applied_by`) the optimizer's plan for the open queue from `start`, as `scope` may
    read it."""
    horizon = optimize.Horizon(start)
    planned = optimize.optimize_queue(
        horizon,
        uow,
        clock,
        policy,
        apply=apply,
        applied_by=applied_by,
        time_limit=TIME_LIMIT_SECONDS,
    )
    return _plan(planned, uow, scope)
