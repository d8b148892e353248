"""Why each request without a timely slot stayed unplaced, with the figures that show it.

The reasons, checked in this order:
- no clinician of the request's provider class speaks its language and offers one of its
  modalities where the member can be seen (in person at their clinic, or remotely);
- such clinicians exist but have no free slot of a usable kind before the deadline;
- free slots exist but the member's own visits rule every one out (same-day limit,
  overlap, course spacing);
- every feasible slot is taken by requests whose deadlines are as close or closer;
- every feasible slot is taken, some by requests with later deadlines that had no other
  slot: the bound shows no schedule places one more request;
- a feasible slot stayed free (the search ran out of time).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from parity.domain.workforce import REMOTE_MODALITIES, Clinician, Modality
from parity.optimizer.catalog import IntArray
from parity.optimizer.feasibility import member_violations
from parity.optimizer.leftovers import fixed_visits
from parity.optimizer.problem import OptimizerRequest, Unplaced, UnplacedReason
from parity.optimizer.reach import Reaches
from parity.optimizer.timeline import epoch


class Explainer:
    """Explains unplaced requests against the final timely placements."""

    def __init__(self, reaches: Reaches, placed: dict[int, int], at_bound: bool) -> None:
        self.reaches = reaches
        self.problem = reaches.problem
        catalog = reaches.catalog
        self.owner: IntArray = np.full(len(catalog), -1, dtype=np.int64)
        for position, slot in placed.items():
            self.owner[slot] = position
        self.deadlines = np.array([epoch(r.deadline) for r in self.problem.requests])
        self.visits = fixed_visits(reaches, placed)
        self.at_bound = at_bound

    def explain(self, position: int, late_slot: int | None = None) -> Unplaced:
        request = self.problem.requests[position]
        feasible = self.reaches.feasible_slots(request)
        reason, message, earlier, later = self._why(position, feasible)
        late_id = None if late_slot is None else self.reaches.catalog.slots[late_slot].id
        return Unplaced(
            request.id,
            reason,
            _with_late(message, late_id),
            len(feasible),
            earlier,
            later,
            late_id,
        )

    def _why(self, position: int, feasible: IntArray) -> tuple[UnplacedReason, str, int, int]:
        """The reason, its message, and how many feasible slots earlier / later deadlines hold."""
        if not len(feasible):
            return (*self._no_slot(self.problem.requests[position]), 0, 0)
        takers = self.owner[feasible]
        if (takers < 0).any():
            return (*self._free_left(position, feasible[takers < 0]), 0, 0)
        earlier = int((self.deadlines[takers] <= self.deadlines[position]).sum())
        later = len(feasible) - earlier
        reason = UnplacedReason.NEEDED_BY_OTHER_REQUESTS
        if later == 0:
            reason = UnplacedReason.TAKEN_BY_EARLIER_DEADLINES
        return reason, _taken_message(len(feasible), earlier, later, self.at_bound), earlier, later

    def _no_slot(self, request: OptimizerRequest) -> tuple[UnplacedReason, str]:
        if not self._matching_clinician(request):
            return UnplacedReason.NO_MATCHING_CLINICIAN, (
                f"no {request.wants.provider_class} speaking {request.wants.language} sees members "
                f"{_modalities(request)}"
            )
        if len(self.reaches.feasible_slots(request, member_rules=False)):
            return UnplacedReason.EXCLUDED_BY_MEMBER_VISITS, (
                "the member's pinned visits rule out every free slot before the deadline "
                "(same-day limit, overlap or course spacing)"
            )
        tz, kinds = self.problem.timezone, "/".join(k.value for k in request.wants.kinds)
        earliest = max(request.wants.not_before, self.problem.now).astimezone(tz)
        deadline = request.deadline.astimezone(tz)
        if deadline < earliest:
            return UnplacedReason.NO_FREE_SLOT_BEFORE_DEADLINE, (
                f"the deadline {deadline:%Y-%m-%d %H:%M} passed before the earliest possible "
                f"start {earliest:%Y-%m-%d %H:%M}"
            )
        return UnplacedReason.NO_FREE_SLOT_BEFORE_DEADLINE, (
            f"no free {kinds} slot of a matching {request.wants.provider_class} between "
            f"{earliest:%Y-%m-%d %H:%M} and the deadline {deadline:%Y-%m-%d %H:%M}"
        )

    def _matching_clinician(self, request: OptimizerRequest) -> bool:
        return any(_could_see(c, request) for c in self.problem.clinicians)

    def _free_left(self, position: int, free: IntArray) -> tuple[UnplacedReason, str]:
        request, rules = self.problem.requests[position], self.reaches.rules
        others = self.visits.get(request.member_id, [])
        for slot in free.tolist():
            visit = rules.visit(request, self.reaches.catalog.slots[slot])
            if not member_violations(visit, others, rules):
                return UnplacedReason.SEARCH_LIMIT, (
                    f"{len(free)} feasible slots stayed free: the search stopped at its time limit"
                )
        return UnplacedReason.EXCLUDED_BY_MEMBER_VISITS, (
            f"all {len(free)} free feasible slots clash with the member's other visits "
            "(same-day limit, overlap or course spacing)"
        )


def _could_see(clinician: Clinician, request: OptimizerRequest) -> bool:
    """Whether a clinician matches the request at all: class, language, and a modality
    (in person only if they work at the member's clinic), whatever their calendar."""
    if clinician.provider_class is not request.wants.provider_class:
        return False
    if request.wants.language not in clinician.languages:
        return False
    if set(request.wants.modalities) & REMOTE_MODALITIES & clinician.modalities:
        return True
    in_person = (
        Modality.IN_PERSON in request.wants.modalities
        and Modality.IN_PERSON in clinician.modalities
    )
    return in_person and request.wants.clinic_id in clinician.clinic_ids


def _modalities(request: OptimizerRequest) -> str:
    where = [
        f"in person at {request.wants.clinic_id}" if m is Modality.IN_PERSON else f"by {m.value}"
        for m in request.wants.modalities
    ]
    return " or ".join(where)


def _taken_message(feasible: int, earlier: int, later: int, at_bound: bool) -> str:
    head = f"all {feasible} feasible slots are taken"
    if later == 0:
        return f"{head} by requests with deadlines as close or closer"
    why = (
        "that had no other slot (the schedule meets the bound: placing this one would "
        "leave another unplaced)"
        if at_bound
        else "(the schedule is below the bound, so a reshuffle might place this one)"
    )
    return f"{head}: {earlier} by requests with deadlines as close or closer, {later} by requests with later deadlines {why}"


def _with_late(message: str, late_slot_id: int | None) -> str:
    if late_slot_id is None:
        return f"{message}; refer out of network"
    return f"{message}; refer out of network, and offer late slot {late_slot_id} with the referral"


def explain_all(
    reaches: Reaches,
    placed: dict[int, int],
    late: dict[int, int],
    positions: Sequence[int],
    at_bound: bool,
) -> list[Unplaced]:
    """An `Unplaced` for each position without a timely slot, in request order."""
    explainer = Explainer(reaches, placed, at_bound)
    return [explainer.explain(p, late.get(p)) for p in sorted(positions)]
