"""The CP-SAT repair: re-place the members whose flow placements break a member rule.

The flow sees each request alone, so a member with two open requests may get two visits
on one day, or a course's visits too close together. Only those members go to CP-SAT,
with every one of their requests and the best few free slots for each (the flow's other
placements stay). Members are grouped by service area and each area is its own model,
solved in turn, so no model grows with the region.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from parity.optimizer import constraints as rules_of
from parity.optimizer.catalog import Catalog, IntArray
from parity.optimizer.constraints import MemberAgenda, RepairModel, SlotOption
from parity.optimizer.costs import (
    CostBand,
    area_of,
    continuity_cost,
    distance_cost,
    move_cost,
    preferred_time_cost,
)
from parity.optimizer.feasibility import AgendaVisit, HardRules, member_violations
from parity.optimizer.problem import OptimizerRequest
from parity.optimizer.reach import Reaches
from parity.optimizer.timeline import epoch


@dataclass(frozen=True)
class Repaired:
    """Placements after the repair, how many requests it re-placed and CP-SAT's verdict."""

    placed: dict[int, int]
    requests: int
    status: str


class Repair:
    """One problem's repair context: its rules, free slots and costs."""

    def __init__(
        self, reaches: Reaches, medium: Sequence[int], bands: dict[int, list[CostBand]]
    ) -> None:
        self.reaches = reaches
        self.catalog: Catalog = reaches.catalog
        self.rules: HardRules = reaches.rules
        self.problem = self.catalog.problem
        self.medium = medium
        self.bands = bands

    def _visit(self, position: int, slot: int) -> AgendaVisit:
        request = self.problem.requests[position]
        found = self.catalog.slots[slot]
        return self.rules.visit(request, found)

    def conflicting(self, placed: dict[int, int]) -> list[list[int]]:
        """The open requests of every member whose placed visits break a member rule."""
        by_member: defaultdict[str, list[int]] = defaultdict(list)
        for position, request in enumerate(self.problem.requests):
            by_member[request.member_id].append(position)
        found = []
        for member, positions in by_member.items():
            visits = [self._visit(p, placed[p]) for p in positions if p in placed]
            pinned = self.rules.pinned_visits.get(member, [])
            if len(visits) > 1 and any(
                member_violations(v, [*pinned, *visits[:i], *visits[i + 1 :]], self.rules)
                for i, v in enumerate(visits)
            ):
                found.append(positions)
        return found

    def run(self, placed: dict[int, int], *, time_limit: float, seed: int) -> Repaired:
        groups = self.conflicting(placed)
        if not groups:
            return Repaired(placed, 0, "not-needed")
        inside = {p for group in groups for p in group}
        kept = {p: s for p, s in placed.items() if p not in inside}
        by_area: defaultdict[str, list[list[int]]] = defaultdict(list)
        for group in groups:
            home = self.catalog.clinics[self.problem.requests[group[0]].wants.clinic_id]
            by_area[area_of(home)].append(group)
        statuses = []
        for count, area in enumerate(sorted(by_area), start=1):
            budget = time_limit / (len(by_area) - count + 1)
            chosen, status = self._solve_area(by_area[area], kept, placed, budget, seed)
            kept.update(chosen)
            statuses.append(status)
            time_limit -= budget
        return Repaired(kept, len(inside), min(statuses, key=_STATUS_RANK.index))

    def _candidates(
        self, position: int, taken: npt.NDArray[np.bool_], current: int | None
    ) -> list[SlotOption]:
        """The request's cheapest free feasible slots (and the flow's choice, if free)."""
        request = self.problem.requests[position]
        feasible = self.reaches.feasible_slots(request)
        feasible = feasible[~taken[feasible]]
        chosen = self._spread(feasible, self.catalog.soft_scores(request, feasible))
        best = [int(s) for s in chosen]
        if current is not None and current in feasible and current not in best:
            best.append(current)
        return [self._candidate(position, request, s) for s in best]

    def _spread(self, slots: IntArray, scores: IntArray) -> IntArray:
        """The cheapest slots, but the few cheapest of *every* day first: a member's rules
        are about days, so candidates all on one day could leave a visit nowhere to go."""
        limits, catalog = self.problem.limits, self.catalog
        starts, days = catalog.start[slots], catalog.day[slots]
        by_day = np.lexsort((starts, scores, days))
        sorted_days = days[by_day]
        rank_in_day = np.arange(len(slots)) - np.searchsorted(sorted_days, sorted_days)
        later_tier = rank_in_day >= limits.repair_candidates_per_day
        order = np.lexsort((starts[by_day], scores[by_day], later_tier))
        return slots[by_day][order][: limits.repair_candidates_per_request]

    def _candidate(self, position: int, request: OptimizerRequest, slot: int) -> SlotOption:
        found, weights = self.catalog.slots[slot], self.problem.weights
        home, there = (
            self.catalog.clinics[request.wants.clinic_id],
            self.catalog.clinics[found.clinic_id],
        )
        costs = {
            "continuity": continuity_cost(request, found.clinician_id, weights),
            "off_preferred_time": preferred_time_cost(request, self.catalog.parts[slot], weights),
            "distance": distance_cost(home, there, weights),
            "move_offered": move_cost(request, found.id, weights),
        }
        start, end = epoch(found.start), epoch(found.end)
        day = int(self.catalog.day[slot])
        clinician = int(self.catalog.clinician[slot])
        return SlotOption(position, slot, start, end, day, clinician, costs)

    def _member(self, positions: list[int]) -> MemberAgenda:
        requests = self.problem.requests
        pinned = self.rules.pinned_visits.get(requests[positions[0]].member_id, [])
        course_days: defaultdict[int, list[int]] = defaultdict(list)
        for visit in pinned:
            if visit.course_id is not None:
                course_days[visit.course_id].append(visit.day)
        return MemberAgenda(
            tuple(positions),
            dict(Counter(v.day for v in pinned)),
            tuple((v.start, v.end) for v in pinned),
            {
                p: (course, requests[p].course_sequence)
                for p in positions
                if (course := requests[p].course_id) is not None
            },
            {course: tuple(days) for course, days in course_days.items()},
        )

    def _solve_area(
        self,
        groups: list[list[int]],
        kept: dict[int, int],
        flow: dict[int, int],
        budget: float,
        seed: int,
    ) -> tuple[dict[int, int], str]:
        taken = np.zeros(len(self.catalog), dtype=bool)
        taken[list(kept.values())] = True
        positions = [p for group in groups for p in group]
        candidates = [c for p in positions for c in self._candidates(p, taken, flow.get(p))]
        names = {p: f"r{self.problem.requests[p].id}" for p in positions}
        model = self._model(candidates, names, [self._member(g) for g in groups], kept)
        for index, candidate in enumerate(candidates):
            model.model.add_hint(model.x[index], flow.get(candidate.request) == candidate.slot)
        chosen, status = self._read(model, budget, seed)
        return (chosen if chosen is not None else self._greedy(groups, flow)), status

    def _greedy(self, groups: list[list[int]], flow: dict[int, int]) -> dict[int, int]:
        """Without a CP-SAT answer: keep each member's flow placements, nearest deadline
        first, that break no member rule against those already kept."""
        kept: dict[int, int] = {}
        for group in groups:
            pinned = self.rules.pinned_visits.get(self.problem.requests[group[0]].member_id, [])
            visits: list[AgendaVisit] = []
            for position in sorted(group, key=lambda p: -self.medium[p]):
                if position not in flow:
                    continue
                visit = self._visit(position, flow[position])
                if not member_violations(visit, [*pinned, *visits], self.rules):
                    kept[position] = flow[position]
                    visits.append(visit)
        return kept

    def _model(
        self,
        candidates: list[SlotOption],
        names: dict[int, str],
        members: list[MemberAgenda],
        kept: dict[int, int],
    ) -> RepairModel:
        limits = self.problem.limits
        model = RepairModel(candidates, names)
        rules_of.add_one_slot_per_request(model)
        rules_of.add_slot_capacity(model)
        rules_of.add_member_day_limit(model, members, limits.member_visits_per_day)
        if limits.member_visits_per_day > 1:  # with one a day, visits cannot overlap
            rules_of.add_member_no_overlap(model, members)
        rules_of.add_course_spacing(model, members, limits.course_min_spacing_days)
        rules_of.add_continuity_penalty(model)
        rules_of.add_preferred_time_penalty(model)
        rules_of.add_distance_penalty(model)
        rules_of.add_move_penalty(model)
        outside = Counter(int(self.catalog.clinician[s]) for s in kept.values())
        rules_of.add_caseload_penalty(model, dict(outside), self.bands)
        rules_of.add_unplaced_penalty(model, {p: self.medium[p] for p in names})
        model.minimise()
        return model

    def _read(
        self, model: RepairModel, budget: float, seed: int
    ) -> tuple[dict[int, int] | None, str]:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.1, budget)
        solver.parameters.num_workers = self.problem.limits.cp_sat_workers
        solver.parameters.random_seed = seed
        status = solver.solve(model.model)
        name = solver.status_name(status).lower()
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, name
        chosen = np.flatnonzero([solver.boolean_value(x) for x in model.x])
        return {model.candidates[i].request: model.candidates[i].slot for i in chosen}, name


_STATUS_RANK = ["unknown", "model_invalid", "infeasible", "feasible", "optimal", "not-needed"]
