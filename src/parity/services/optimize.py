"""Batch optimisation of the open queue: snapshot the store, solve, preview, apply.

The optimizer is a pure function (`parity.optimizer.solve`); this module builds its
snapshot from the unit of work, turns the solution into a preview a scheduler can read,
and applies it in ONE transaction: every placement through the booking engine's own
`book_slot` (which re-checks availability and protected time), every request still
without a timely slot referred out of network (SB 855). If anything changed since the
snapshot, the whole apply is rolled back and nothing moves.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any

from parity.domain.care import AppointmentStatus, CareRequest, OfferResponse, RequestStatus
from parity.domain.errors import InvalidInput
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import ExceptionKind, ProtectedTime
from parity.domain.scope import MemberScope
from parity.optimizer import (
    Absence,
    OptimizerRequest,
    OptimizerSlot,
    PinnedBooking,
    Problem,
    Solution,
    config_from_dict,
    solve,
)
from parity.services import scoping
from parity.services.policy import Policy
from parity.services.proposals import last_start, refused_in_time
from parity.services.repeated_asks import first_asks
from parity.services.requests import create_referral
from parity.services.slot_search import slot_query
from parity.services.waitlist import hold_and_offer


def default_weights() -> dict[str, Any]:
    """The packaged weights and limits (`data/optimizer/weights.toml`)."""
    text = (resources.files("parity") / "data" / "optimizer" / "weights.toml").read_text("utf-8")
    return tomllib.loads(text)


@dataclass(frozen=True)
class Horizon:
    """Open requests and free slots from `start` for `business_days` business days."""

    start: date
    business_days: int = 10


@dataclass
class Plan:
    """What applying the solution would do, for a scheduler to read before applying."""

    horizon: Horizon
    open_requests: int
    solution: Solution
    moves: list[dict[str, Any]] = field(default_factory=list)
    unplaced: list[dict[str, Any]] = field(default_factory=list)
    applied: bool = False

    def summary(self) -> dict[str, Any]:
        s = self.solution
        return {
            "from": self.horizon.start.isoformat(),
            "horizon_business_days": self.horizon.business_days,
            "open_requests": self.open_requests,
            "placed_before_deadline": s.placed,
            "bound": s.bound,
            "gap": round(s.gap, 4),
            "share_placed_before": 0.0,
            "share_placed_after": round(s.placed / self.open_requests, 4)
            if self.open_requests
            else None,
            "to_refer_out_of_network": len(self.unplaced),
            "applied": self.applied,
            "seconds": {k: round(v, 3) for k, v in s.stats.seconds.items()},
        }


def lines_seen_by(
    plan: Plan, uow: UnitOfWork, scope: MemberScope
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The plan's placements and unplaced requests of members `scope` admits: a scheduler
    reads their own clinics' lines, on the API and the pages alike (the summary's figures
    stay the region's). See docs/adr/0012-authorisation-where-the-data-is-touched.md."""
    named = {str(line["member"]) for line in [*plan.moves, *plan.unplaced]}
    with uow:
        allowed = scoping.admitted(uow, scope, named)
    moves = [m for m in plan.moves if m["member"] in allowed]
    unplaced = [u for u in plan.unplaced if u["member"] in allowed]
    return moves, unplaced


def _window(uow: UnitOfWork, policy: Policy, horizon: Horizon) -> tuple[datetime, datetime]:
    tz = policy.rules.timezone
    last = policy.rules.calendar.add_business_days(horizon.start, horizon.business_days)
    return (
        datetime.combine(horizon.start, time(0), tzinfo=tz),
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz),
    )


def _request(r: CareRequest, policy: Policy, now: datetime, declined: bool) -> OptimizerRequest:
    """The optimizer's view of an open request: what it wants, as the booking engine asks
    the index for it, up to the last start the engine books it at (`proposals.last_start`:
    the deadline, or the window a member's later date or a declined timely offer opens;
    docs/adr/0013, "2026-12-07 (night)"); the member's clinician a preference."""
    wants = replace(slot_query(r, policy, now, None), not_after=last_start(r, policy, declined))
    return OptimizerRequest(
        id=r.id,
        member_id=r.member_id,
        visit=r.visit,
        wants=wants,
        preferred_clinician_id=r.preferred_clinician_id,
        course_id=r.course_id,
    )


def snapshot(
    uow: UnitOfWork, policy: Policy, horizon: Horizon, now: datetime
) -> tuple[Problem, int]:
    """The optimizer's problem: open requests, free slots in the window (through the latest
    deadline), pinned bookings, protected time and PTO. Runs inside the caller's transaction."""
    start, end = _window(uow, policy, horizon)
    # A request whose offer waits for the member's answer is not planned again, nor is a
    # repeated ask whose first ask is open: the first stands for both (docs/adr/0013,
    # "2026-12-07 (late evening)"), so one need gets one offer.
    answering = {o.request_id for o in uow.offers.where(response=OfferResponse.PENDING)}
    waiting = [r for r in uow.requests.list() if r.status is RequestStatus.OPEN]
    requests = [r for r in first_asks(uow, waiting) if r.id not in answering]
    refused = uow.offers.where(response=OfferResponse.DECLINED)
    declined = {o.request_id for o in refused if refused_in_time(o)}
    wanted = [_request(r, policy, now, r.id in declined) for r in requests]
    if wanted:
        end = max(end, max(w.wants.not_after for w in wanted) + timedelta(days=1))
    slots = uow.slots.free_between(max(start, now), end)
    clinicians = tuple(uow.clinicians.list())
    protected: list[ProtectedTime] = []
    for clinician in clinicians:
        protected += uow.protected.overlapping(clinician.id, start, end)
    absences = tuple(
        Absence(e.clinician_id, e.start, e.end, e.reason or "pto")
        for e in uow.availability_exceptions.list()
        if e.stands and e.kind is ExceptionKind.PTO and e.start < end and start < e.end
    )
    pinned = tuple(
        PinnedBooking(a.slot_id, a.member_id, a.clinician_id, a.start, a.end)
        for a in uow.appointments.list()
        if a.status is AppointmentStatus.BOOKED and start <= a.start < end
    )
    weights, limits = config_from_dict(default_weights())
    problem = Problem(
        now=now,
        timezone=policy.rules.timezone,
        calendar=policy.rules.calendar,
        clinics=tuple(uow.clinics.list()),
        clinicians=clinicians,
        slots=tuple(
            OptimizerSlot(s.id, s.clinician_id, s.clinic_id, s.start, s.end, s.kind) for s in slots
        ),
        requests=tuple(wanted),
        weights=weights,
        limits=limits,
        pinned=pinned,
        protected=tuple(protected),
        absences=absences,
    )
    return problem, len(requests)


def _plan(problem: Problem, solution: Solution, horizon: Horizon, open_requests: int) -> Plan:
    requests = {r.id: r for r in problem.requests}
    moves = [
        {
            "request": a.request_id,
            "member": requests[a.request_id].member_id,
            "slot": a.slot_id,
            "clinician": a.clinician_id,
            "clinic": a.clinic_id,
            "start": a.start.isoformat(),
            "modality": a.modality.value,
            "deadline": requests[a.request_id].deadline.isoformat(),
        }
        for a in solution.assignments
        if a.timely
    ]
    unplaced = [
        {
            "request": u.request_id,
            "member": requests[u.request_id].member_id,
            "reason": u.reason.value,
            "message": u.message,
            "feasible_slots": u.feasible_slots,
        }
        for u in solution.unplaced
    ]
    return Plan(horizon, open_requests, solution, moves, unplaced)


def optimize_queue(
    horizon: Horizon,
    uow: UnitOfWork,
    clock: Clock,
    policy: Policy,
    *,
    apply: bool = False,
    applied_by: str = "",
    time_limit: float = 20.0,
    seed: int = 7,
) -> Plan:
    """Solve the open queue and say what applying would do, changing nothing; with `apply`,
    solve and apply in ONE transaction: offer every timely placement to its member (the
    slot held for their answer) and refer the rest, both recorded as made by the optimizer
    for `applied_by`, the person who applied the plan. No member is booked without their
    answer (docs/adr/0004-optimizer-flow-then-cp-sat.md)."""
    now = clock.now()
    if apply and not applied_by.strip():
        raise InvalidInput("applying the optimizer's plan must say who applies it")
    if not apply:
        with uow:
            problem, count = snapshot(uow, policy, horizon, now)
        return _plan(problem, solve(problem, time_limit=time_limit, seed=seed), horizon, count)
    with uow:
        problem, count = snapshot(uow, policy, horizon, now)
        solution = solve(problem, time_limit=time_limit, seed=seed)
        plan = _plan(problem, solution, horizon, count)
        made_by = f"optimizer, applied by {applied_by.strip()}"
        for move in plan.moves:
            request = uow.requests.get(move["request"])
            slot = uow.slots.get(move["slot"])
            hold_and_offer(request, slot, made_by, uow, now, policy)
        for left in plan.unplaced:
            request = uow.requests.get(left["request"])
            create_referral(request, left["reason"], {"by": made_by, "optimizer": left}, uow, clock)
        # The change's audit event, written at this commit, names every member it offered
        # to or referred (docs/adr/0012).
        scoping.note({str(line["member"]) for line in [*plan.moves, *plan.unplaced]})
        uow.commit()
    plan.applied = True
    return plan
