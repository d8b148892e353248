"""Adapters between the pages and the parts built alongside them: the batch optimizer's
preview (ADR 0004) here, the scenario lab's Monte Carlo comparisons (ADR 0005) in
`scenario_hooks.py`.

Each adapter imports its part when called. When the part is not there (or not yet in the
shape below), it answers `Unavailable`, and the page shows a "not available yet" panel
instead of failing. The pages only ever see the plain records defined here.

Expected, so the integrator can wire them:

- `parity.services.optimize.preview(Horizon(start), uow, clock, policy, *, time_limit)` and
  `apply(...)` → a `Plan` (`open_requests`, `moves` and `unplaced` as dicts, `solution`
  with `bound`, `placed`, `gap`, `stats.seconds`, and `applied`): the whole open queue is
  snapshotted and solved; `apply` books every timely move and refers the rest out of
  network in one transaction.
- `parity.simulation.scenarios.load_scenario(name)`,
  `parity.simulation.montecarlo.plan_jobs(scenarios, runs, seed)` and
  `run_jobs(jobs, RunSettings(years, scale, warmup_weeks), progress=...)`, then
  `parity.simulation.outcomes.outcomes(scenarios, results)` → `ScenarioOutcome`s (the same
  calls `parity scenarios compare` makes, run in this process).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from parity.domain.ports import Clock, UnitOfWork
from parity.services.policy import Policy


@dataclass(frozen=True)
class Unavailable:
    """A part of Parity this page needs is not built yet; `wiring` says what it expects."""

    feature: str
    reason: str
    wiring: str


# -- the optimizer preview --------------------------------------------------------------------

OPTIMIZER_WIRING = (
    "parity.services.optimize.preview/apply(Horizon(start, business_days), uow, clock, "
    "policy, *, time_limit, seed) -> Plan (ADR 0004)"
)
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


def _plan(found: Any) -> OptimizerPlan:
    """The service's plan as the page's plain record (its moves are dicts of JSON values)."""
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
        for m in found.moves
    ]
    left_out = [
        LeftOut(int(u["request"]), str(u["member"]), str(u["reason"]), str(u["message"]))
        for u in found.unplaced
    ]
    solution = found.solution
    return OptimizerPlan(
        int(found.open_requests),
        visits,
        left_out,
        int(solution.bound),
        int(solution.placed),
        float(solution.gap),
        bool(found.applied),
        {str(k): float(v) for k, v in dict(solution.stats.seconds).items()},
    )


def optimizer_plan(
    start: date, uow: UnitOfWork, clock: Clock, policy: Policy, *, apply: bool = False
) -> OptimizerPlan | Unavailable:
    """Preview (or, with `apply`, book and refer in one transaction) the optimizer's plan
    for the open queue from `start`; or say why it cannot be shown."""
    try:
        from parity.services import optimize
    except ImportError:
        return Unavailable(
            "optimizer preview", "the batch optimizer is not wired in yet", OPTIMIZER_WIRING
        )
    run = optimize.apply if apply else optimize.preview
    found = run(optimize.Horizon(start), uow, clock, policy, time_limit=TIME_LIMIT_SECONDS)
    return _plan(found)
