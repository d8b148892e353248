"""Turn placements into a `Solution`: assignments, and the penalties each rule collected."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from parity.optimizer.catalog import Catalog
from parity.optimizer.costs import (
    caseload_bands,
    continuity_cost,
    distance_cost,
    lateness_cost,
    move_cost,
    preferred_time_cost,
    unplaced_cost,
)
from parity.optimizer.feasibility import modality_for
from parity.optimizer.problem import Assignment, Problem, Solution, SolveStats, Unplaced


@dataclass(frozen=True, slots=True)
class Placement:
    """A request's slot (catalog index); `days_late` > 0 for a late proposal."""

    slot: int
    days_late: int = 0


def _assignment(problem: Problem, catalog: Catalog, position: int, placed: Placement) -> Assignment:
    request = problem.requests[position]
    slot = catalog.slots[placed.slot]
    modality = modality_for(request, slot, catalog.clinician_of(slot))
    if modality is None:
        raise ValueError(f"request {request.id} placed in slot {slot.id} it cannot use")
    return Assignment(
        request.id,
        slot.id,
        slot.clinician_id,
        slot.clinic_id,
        slot.start,
        modality,
        placed.days_late == 0,
        placed.days_late,
    )


def penalties(problem: Problem, catalog: Catalog, placed: dict[int, Placement]) -> dict[str, int]:
    """What each medium and soft rule costs in this schedule (the objective, by rule)."""
    weights = problem.weights
    totals: Counter[str] = Counter()
    for position, request in enumerate(problem.requests):
        where = placed.get(position)
        if where is None or where.days_late:
            totals["unplaced"] += unplaced_cost(request, problem)
        if where is None:
            continue
        slot = catalog.slots[where.slot]
        totals["business_days_late"] += lateness_cost(where.days_late, weights)
        totals["continuity"] += continuity_cost(request, slot.clinician_id, weights)
        part = catalog.parts[where.slot]
        totals["off_preferred_time"] += preferred_time_cost(request, part, weights)
        home, there = catalog.clinics[request.wants.clinic_id], catalog.clinics[slot.clinic_id]
        totals["distance"] += distance_cost(home, there, weights)
        totals["move_offered"] += move_cost(request, slot.id, weights)
    totals["caseload"] = caseload_penalty(problem, catalog, placed.values())
    return dict(totals)


def caseload_penalty(problem: Problem, catalog: Catalog, placed: Iterable[Placement]) -> int:
    """The convex caseload cost of the new bookings, clinician by clinician."""
    pinned = Counter(p.clinician_id for p in problem.pinned)
    free = Counter(s.clinician_id for s in catalog.slots)
    added = Counter(catalog.slots[p.slot].clinician_id for p in placed)
    total = 0
    for clinician, count in added.items():
        bookable = pinned[clinician] + free[clinician]
        for band in caseload_bands(pinned[clinician], bookable, problem.weights):
            used = min(count, band.capacity)
            total += used * band.cost
            count -= used
    return total


def assemble(
    problem: Problem,
    catalog: Catalog,
    placed: dict[int, Placement],
    unplaced: Sequence[Unplaced],
    bound: int,
    stats: SolveStats,
) -> Solution:
    """The solution record: assignments in request order, penalties, bound and stats."""
    assignments = tuple(
        _assignment(problem, catalog, position, placed[position]) for position in sorted(placed)
    )
    return Solution(assignments, tuple(unplaced), bound, penalties(problem, catalog, placed), stats)
