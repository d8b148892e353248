"""The medium and soft costs, one named function per rule.

The flow puts these on its arcs and the CP-SAT repair on its penalty variables, so both
price a schedule the same way; `pair_cost` is the exact soft cost of one placement.
"""

from __future__ import annotations

from dataclasses import dataclass

from parity.domain.workforce import Clinic
from parity.optimizer.problem import DayPart, OptimizerRequest, OptimizerSlot, Problem
from parity.optimizer.timeline import business_days_left
from parity.optimizer.weights import Weights


def unplaced_cost(request: OptimizerRequest, problem: Problem) -> int:
    """Medium: a request left without a timely slot, dearer the closer its deadline."""
    weights = problem.weights
    left = business_days_left(problem.now, request.deadline, problem.calendar, problem.timezone)
    closer = max(0, weights.urgency_horizon_business_days - left)
    return weights.unplaced + weights.unplaced_per_business_day_closer * closer


def lateness_cost(business_days_late: int, weights: Weights) -> int:
    """Soft: a late proposal, per business day past the deadline."""
    return weights.late_per_business_day * business_days_late


def continuity_cost(request: OptimizerRequest, clinician_id: str, weights: Weights) -> int:
    """Soft: a member in a course placed with someone other than their current clinician."""
    wanted = request.preferred_clinician_id
    return weights.continuity if wanted is not None and wanted != clinician_id else 0


def preferred_time_cost(request: OptimizerRequest, part: DayPart, weights: Weights) -> int:
    """Soft: a visit outside the member's preferred parts of the day (none = no preference)."""
    preferred = request.preferred_parts
    return weights.off_preferred_time if preferred and part not in preferred else 0


def area_of(clinic: Clinic) -> str:
    """A clinic's service area: its county, or the clinic alone when no county is known."""
    return clinic.county or f"clinic:{clinic.id}"


def distance_cost(home: Clinic, clinic: Clinic, weights: Weights) -> int:
    """Soft: a clinician based away from the member's clinic (same area, or farther)."""
    if home.id == clinic.id:
        return 0
    same_area = area_of(home) == area_of(clinic)
    return weights.other_clinic_same_area if same_area else weights.other_area


def move_cost(request: OptimizerRequest, slot_id: int, weights: Weights) -> int:
    """Soft: an already-offered appointment moved to another slot."""
    offered = request.offered_slot_id
    return weights.move_offered if offered is not None and offered != slot_id else 0


@dataclass(frozen=True, slots=True)
class CostBand:
    """One band of a clinician's convex caseload cost: `capacity` bookings at `cost` each."""

    capacity: int
    cost: int


def caseload_bands(booked: int, bookable: int, weights: Weights) -> list[CostBand]:
    """How many more bookings fit in each utilisation band, and what each costs.

    `booked` counts bookings already made (pinned), `bookable` every slot of the horizon,
    booked or free. CostBand i ends at utilisation `caseload_band_utilisation[i]`; the last
    band runs to full. Costs do not decrease, so the sum is convex in the load.
    """
    ends = [int(t * bookable) for t in weights.caseload_band_utilisation] + [bookable]
    bands: list[CostBand] = []
    level = booked
    for end, cost in zip(ends, weights.caseload_band_costs, strict=True):
        room = max(0, end - level)
        bands.append(CostBand(room, cost))
        level += room
    return bands


def pair_cost(
    request: OptimizerRequest,
    slot: OptimizerSlot,
    part: DayPart,
    clinics: dict[str, Clinic],
    weights: Weights,
) -> int:
    """The soft cost of one timely placement, caseload aside (that depends on the load)."""
    return (
        continuity_cost(request, slot.clinician_id, weights)
        + preferred_time_cost(request, part, weights)
        + distance_cost(clinics[request.wants.clinic_id], clinics[slot.clinic_id], weights)
        + move_cost(request, slot.id, weights)
    )
