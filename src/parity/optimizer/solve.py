"""solve(problem, *, time_limit, seed): flow first, CP-SAT repair, late proposals, reasons.

1. The bound: a maximum flow on the lean network (bound.py).
2. The assignment: a min-cost maximum flow on the priced network (flow.py); it places
   exactly as many requests as the bound, with the medium and soft costs minimised.
3. The repair: a member's several open requests may break rules the flow cannot see
   (same-day limit, overlap, course spacing); CP-SAT re-places those members' requests
   among the slots the flow left free (repair.py), decomposed by service area.
4. A second flow over the leftovers, around each member's placed visits, then the same
   for late proposals within the allowance (leftovers.py).
5. Every request without a timely slot gets a reason (explain.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from parity.optimizer.bound import placeable
from parity.optimizer.catalog import Catalog
from parity.optimizer.costs import unplaced_cost
from parity.optimizer.explain import explain_all
from parity.optimizer.feasibility import HardRules
from parity.optimizer.flow import FlowResult, clinician_bands, priced_network, solve_flow
from parity.optimizer.graph import FlowFailed
from parity.optimizer.leftovers import second_pass
from parity.optimizer.problem import Problem, Solution, SolveStats
from parity.optimizer.reach import Reaches
from parity.optimizer.repair import Repair
from parity.optimizer.result import Placement, assemble
from parity.optimizer.timeline import business_days_late


class Stopwatch:
    """Seconds spent per phase, and what is left of the time limit."""

    def __init__(self, limit: float) -> None:
        self.started = time.perf_counter()
        self.limit = limit
        self.seconds: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - began, 3)

    def left(self) -> float:
        return max(0.0, self.limit - (time.perf_counter() - self.started))


@dataclass(frozen=True)
class Index:
    """One problem's hard rules, usable slots, request targets and medium costs."""

    rules: HardRules
    catalog: Catalog
    reaches: Reaches
    medium: list[int]


def index(problem: Problem) -> Index:
    rules = HardRules(problem)
    catalog = Catalog(problem, rules)
    medium = [unplaced_cost(r, problem) for r in problem.requests]
    return Index(rules, catalog, Reaches(catalog, rules), medium)


def _flow(ix: Index) -> FlowResult:
    available = np.ones(len(ix.catalog), dtype=bool)
    requests = ix.catalog.problem.requests
    bands = clinician_bands(ix.catalog)
    network = priced_network(ix.reaches, requests, ix.medium, bands, available)
    return solve_flow(network, len(requests))


def _waiting(problem: Problem, placed: dict[int, int]) -> list[int]:
    return [p for p in range(len(problem.requests)) if p not in placed]


def _placements(ix: Index, timely: dict[int, int], late: dict[int, int]) -> dict[int, Placement]:
    problem, slots = ix.catalog.problem, ix.catalog.slots
    found = {p: Placement(s) for p, s in timely.items()}
    for position, slot in late.items():
        deadline, start = problem.requests[position].deadline, slots[slot].start
        days = business_days_late(deadline, start, problem.calendar, problem.timezone)
        found[position] = Placement(slot, days)
    return found


def solve(problem: Problem, *, time_limit: float, seed: int) -> Solution:
    """Place the open requests of `problem` as well as the free capacity allows.

    `time_limit` (seconds) bounds the CP-SAT repair, the only phase that searches; the
    flows are exact and take what they take. `seed` fixes CP-SAT's randomness.
    """
    watch = Stopwatch(time_limit)
    with watch.phase("index"):
        ix = index(problem)
    with watch.phase("bound"):
        bound = placeable(ix.reaches, problem.requests)
    with watch.phase("flow"):
        flow = _flow(ix)
    if flow.value != bound:  # the two networks reach the same slots: this is a bug
        raise FlowFailed(f"the flow placed {flow.value} requests, the bound is {bound}")
    with watch.phase("repair"):
        repair = Repair(ix.reaches, ix.medium, clinician_bands(ix.catalog))
        repaired = repair.run(flow.placed, time_limit=watch.left(), seed=seed)
    timely = dict(repaired.placed)
    with watch.phase("second pass"):
        waiting = _waiting(problem, timely)
        timely.update(second_pass(ix.reaches, timely, waiting, ix.medium, late=False))
    waiting = _waiting(problem, timely)
    with watch.phase("late"):
        late = second_pass(ix.reaches, timely, waiting, ix.medium, late=True)
    with watch.phase("explain"):
        unplaced = explain_all(ix.reaches, timely, late, waiting, len(timely) == bound)
    stats = SolveStats(
        watch.seconds, flow.nodes, flow.arcs, flow.classes, repaired.requests, repaired.status
    )
    return assemble(problem, ix.catalog, _placements(ix, timely, late), unplaced, bound, stats)
