"""Where each request may go: (pool, window, cost) targets, before they become arcs.

Costs that depend on *which* slot a request gets are priced by *how* it reaches the slot:
every slot of a remote family is in its clinic's pool, its service area's pool and the
region's pool, and a request reaches its own clinic's pool at no distance cost, its area's
at `other_clinic_same_area` and the region's at `other_area`. A min-cost flow takes the
cheapest way in, so each slot ends up priced exactly. The same holds for continuity (the
current clinician's own pool is the only way in without the continuity cost), for the
part of the day (the whole-day pool costs `off_preferred_time` to a member with a
preference, the pools of their preferred parts nothing), and for an offered slot (the one
direct arc).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from parity.domain.workforce import Modality
from parity.optimizer.catalog import (
    IN_PERSON,
    REGION,
    Catalog,
    Family,
    IntArray,
    PoolKey,
    Scope,
    accepts,
    any_of,
    area_scope,
    clinic_scope,
    clinician_scope,
    remote_key,
)
from parity.optimizer.costs import (
    area_of,
    continuity_cost,
    distance_cost,
    move_cost,
    pair_cost,
    preferred_time_cost,
)
from parity.optimizer.feasibility import AgendaVisit, HardRules
from parity.optimizer.problem import DayPart, OptimizerRequest
from parity.optimizer.windows import CostWindow, Windows


@dataclass(frozen=True, slots=True)
class SlotReach:
    """The request may take any slot of `pool` starting in [low, high], at `cost`."""

    pool: PoolKey
    low: int
    high: int
    cost: int


class Reaches:
    """The targets of every request of one problem, lean (for the bound) or priced."""

    def __init__(
        self,
        catalog: Catalog,
        rules: HardRules,
        visits: Mapping[str, Sequence[AgendaVisit]] | None = None,
    ) -> None:
        """`visits` are each member's fixed visits (the pinned ones unless given)."""
        self.catalog = catalog
        self.rules = rules
        self.problem = catalog.problem
        self.windows = Windows(self.problem, rules.pinned_visits if visits is None else visits)

    def _windows(
        self, request: OptimizerRequest, family: Family, late: bool, member_rules: bool = True
    ) -> list[CostWindow]:
        if late:
            return self.windows.late(request, family[4])
        return self.windows.timely(request, family[4], member_rules=member_rules)

    def lean(self, request: OptimizerRequest) -> list[SlotReach]:
        """Exactly the feasible timely slots, no costs: the bound's network."""
        found: list[SlotReach] = []
        for family in self.catalog.families_for(request):
            windows = self._windows(request, family, late=False)
            for scope in self.catalog.feasible_scopes(request, family):
                found += [SlotReach((family, scope, None), w.low, w.high, 0) for w in windows]
        return found

    def priced(self, request: OptimizerRequest, *, late: bool = False) -> list[SlotReach]:
        """Every way in, each at the soft cost of the slots it leads to."""
        weights = self.problem.weights
        # The whole day at the cost of its worst part, and the preferred parts at none.
        off_hours = max(preferred_time_cost(request, part, weights) for part in DayPart)
        parts: list[tuple[DayPart | None, int]] = [(None, off_hours)]
        parts += [(part, 0) for part in sorted(request.preferred_parts)]
        found: list[SlotReach] = []
        for family, scope, cost in self._routes(request):
            for window in self._windows(request, family, late):
                found += [
                    SlotReach(
                        (family, scope, part), window.low, window.high, cost + extra + window.cost
                    )
                    for part, extra in parts
                ]
        return [r for r in found if self.catalog.pool(r.pool) is not None]

    def _routes(self, request: OptimizerRequest) -> list[tuple[Family, Scope, int]]:
        """(family, scope, cost) of every way into the slots: the member's clinic, area
        and region, and the current clinician's own pools."""
        weights = self.problem.weights
        home = self.catalog.clinics[request.wants.clinic_id]
        generic = continuity_cost(request, "", weights) + move_cost(request, -1, weights)
        routes: list[tuple[Family, Scope, int]] = []
        for family in self.catalog.families_for(request):
            routes.append((family, clinic_scope(home.id), generic))
            if family[3] != IN_PERSON:
                routes.append(
                    (family, area_scope(area_of(home)), generic + weights.other_clinic_same_area)
                )
                routes.append((family, REGION, generic + weights.other_area))
        return routes + self._continuity_routes(request)

    def _continuity_routes(self, request: OptimizerRequest) -> list[tuple[Family, Scope, int]]:
        """The current clinician's own pools, when they can see this member at all."""
        clinician = self.catalog.clinicians.get(request.preferred_clinician_id or "")
        if clinician is None or clinician.provider_class is not request.wants.provider_class:
            return []
        if request.wants.language not in clinician.languages:
            return []
        home = self.catalog.clinics[request.wants.clinic_id]
        clinics: set[str] = set()
        if (
            Modality.IN_PERSON in request.wants.modalities
            and Modality.IN_PERSON in clinician.modalities
        ):
            clinics.add(home.id)
        remote = remote_key(clinician.modalities)
        if remote and accepts(request, remote):
            clinics |= self.catalog.clinics_of[clinician.id]
        kinds = sorted({any_of(f[0], f[1], f[4]) for f in self.catalog.families_for(request)})
        moved = move_cost(request, -1, self.problem.weights)
        return [
            (
                family,
                clinician_scope(clinician.id, c),
                moved + distance_cost(home, self.catalog.clinics[c], self.problem.weights),
            )
            for family in kinds
            for c in sorted(clinics)
        ]

    def offered(self, request: OptimizerRequest) -> tuple[int, int] | None:
        """The already-offered slot (index, cost) when it is still usable and feasible."""
        index = self.catalog.index_of.get(request.offered_slot_id or -1)
        if index is None:
            return None
        slot = self.catalog.slots[index]
        if self.rules.pair_violations(request, slot):
            return None
        part = self.catalog.parts[index]
        cost = pair_cost(request, slot, part, self.catalog.clinics, self.problem.weights)
        return index, cost

    def feasible_slots(
        self, request: OptimizerRequest, *, late: bool = False, member_rules: bool = True
    ) -> IntArray:
        """Every usable slot the request may take (timely, or late within the allowance);
        without `member_rules`, ignoring what the member's pinned visits rule out."""
        chunks = [np.zeros(0, dtype=np.int64)]
        for family in self.catalog.families_for(request):
            windows = self._windows(request, family, late, member_rules)
            for scope in self.catalog.feasible_scopes(request, family):
                pool = self.catalog.pool((family, scope, None))
                if pool is not None:
                    chunks += [self.catalog.in_window(pool, w.low, w.high) for w in windows]
        return np.unique(np.concatenate(chunks))
