"""The CP-SAT model of the rules a flow cannot express, one `add_<rule>` per constraint.

A flow places each request independently; the rules that tie a member's open requests
together (at most N visits a day, no two at once, a course's visits spaced and in order)
break that structure. `solve` hands CP-SAT only the members whose flow placements break
one, with a short list of candidate slots each, and these functions build that model.

Hard rules are constraints. Medium and soft rules are named penalty variables (for
example `continuity[r17]`), summed with their weights in the objective, so a solved model
says which rule cost what. Placing requests comes first: each unplaced request costs more
than every soft cost in the model together, so CP-SAT never trades a placement for comfort.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

from ortools.sat.python import cp_model

from parity.optimizer.costs import CostBand


@dataclass(frozen=True, slots=True)
class SlotOption:
    """One slot one request may take, with what the soft rules would charge for it."""

    request: int
    slot: int
    start: int
    end: int
    day: int
    clinician: int
    costs: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MemberAgenda:
    """What the member-level rules need about one member: their requests and pinned visits."""

    requests: tuple[int, ...]
    pinned_per_day: dict[int, int]
    pinned_spans: tuple[tuple[int, int], ...]
    course_of: dict[int, tuple[int, int]]  # request -> (course id, sequence)
    pinned_course_days: dict[int, tuple[int, ...]]  # course id -> days of pinned visits


@dataclass(frozen=True, slots=True)
class Penalty:
    """A named penalty variable, its weight in the objective and its largest value."""

    name: str
    variable: cp_model.IntVar
    weight: int
    upper: int


class RepairModel:
    """Candidate booleans x[r, s], a `placed` boolean per request, and the penalties."""

    def __init__(self, candidates: Sequence[SlotOption], names: dict[int, str]) -> None:
        self.model = cp_model.CpModel()
        self.candidates = list(candidates)
        self.names = names
        self.x = [
            self.model.new_bool_var(f"x[{names[c.request]},slot{c.slot}]") for c in candidates
        ]
        self.of_request: defaultdict[int, list[int]] = defaultdict(list)
        for index, candidate in enumerate(candidates):
            self.of_request[candidate.request].append(index)
        self.placed = {r: self.model.new_bool_var(f"placed[{names[r]}]") for r in names}
        self.penalties: list[Penalty] = []

    def days_of(self, request: int) -> dict[int, list[cp_model.IntVar]]:
        """For each local day, the request's candidates on it (their sum: 1 if it is)."""
        found: defaultdict[int, list[cp_model.IntVar]] = defaultdict(list)
        for i in self.of_request.get(request, []):
            found[self.candidates[i].day].append(self.x[i])
        return dict(found)

    def penalise(
        self, name: str, expression: cp_model.LinearExprT, upper: int, weight: int
    ) -> None:
        """A named penalty variable equal to `expression` (0 <= it <= upper)."""
        variable = self.model.new_int_var(0, max(0, upper), name)
        self.model.add(variable == expression)
        self.penalties.append(Penalty(name, variable, weight, max(0, upper)))

    def minimise(self) -> None:
        self.model.minimize(sum(p.weight * p.variable for p in self.penalties))


def add_one_slot_per_request(m: RepairModel) -> None:
    """Hard: a request takes at most one slot; `placed` says whether it took one."""
    for request, placed in m.placed.items():
        m.model.add(sum(m.x[i] for i in m.of_request.get(request, [])) == placed)


def add_slot_capacity(m: RepairModel) -> None:
    """Hard: a slot holds one visit."""
    by_slot: defaultdict[int, list[int]] = defaultdict(list)
    for index, candidate in enumerate(m.candidates):
        by_slot[candidate.slot].append(index)
    for indices in by_slot.values():
        m.model.add_at_most_one(m.x[i] for i in indices)


def add_member_day_limit(m: RepairModel, members: Sequence[MemberAgenda], limit: int) -> None:
    """Hard: at most `limit` visits for a member on one local day, pinned ones included."""
    for member in members:
        per_day: defaultdict[int, list[int]] = defaultdict(list)
        for request in member.requests:
            for i in m.of_request.get(request, []):
                per_day[m.candidates[i].day].append(i)
        for day, indices in per_day.items():
            room = limit - member.pinned_per_day.get(day, 0)
            m.model.add(sum(m.x[i] for i in indices) <= room)


def add_member_no_overlap(m: RepairModel, members: Sequence[MemberAgenda]) -> None:
    """Hard: no two of a member's visits at the same time, pinned ones included."""
    for member in members:
        intervals = [
            m.model.new_fixed_size_interval_var(start, end - start, f"pinned@{start}")
            for start, end in member.pinned_spans
        ]
        for request in member.requests:
            for i in m.of_request.get(request, []):
                c = m.candidates[i]
                intervals.append(
                    m.model.new_optional_fixed_size_interval_var(
                        c.start, c.end - c.start, m.x[i], f"visit[{m.names[request]},{c.slot}]"
                    )
                )
        m.model.add_no_overlap(intervals)


def add_course_spacing(m: RepairModel, members: Sequence[MemberAgenda], spacing: int) -> None:
    """Hard: a course's visits at least `spacing` local days apart and in sequence order;
    pinned visits of the course keep their distance too."""
    for member in members:
        courses = sorted((member.course_of[r], r) for r in member.requests if r in member.course_of)
        for (course, _), request in courses:
            days = member.pinned_course_days.get(course, ())
            for i in m.of_request.get(request, []):
                if any(abs(m.candidates[i].day - d) < spacing for d in days):
                    m.model.add(m.x[i] == 0)
        for ((course_a, seq_a), a), ((course_b, seq_b), b) in combinations(courses, 2):
            if course_a == course_b:
                _keep_in_order(m, a, b, spacing, same_sequence=seq_a == seq_b)


def _keep_in_order(
    m: RepairModel, first: int, second: int, spacing: int, same_sequence: bool
) -> None:
    """The second visit on a day at least `spacing` after the first's (either may come
    first when both carry one sequence number); on one day (spacing 0) the first earlier."""
    days_first, days_second = m.days_of(first), m.days_of(second)
    for day, on_day in days_second.items():
        if same_sequence:
            clash = [x for d, xs in days_first.items() if abs(d - day) < spacing for x in xs]
        else:
            clash = [x for d, xs in days_first.items() if d > day - spacing for x in xs]
        if clash:
            m.model.add(cp_model.LinearExpr.sum([*on_day, *clash]) <= 1)
    if spacing == 0 and not same_sequence:
        _order_within_days(m, first, second)


def _order_within_days(m: RepairModel, first: int, second: int) -> None:
    for i in m.of_request.get(first, []):
        for j in m.of_request.get(second, []):
            a, b = m.candidates[i], m.candidates[j]
            if a.day == b.day and a.start >= b.start:
                m.model.add_bool_or([m.x[i].Not(), m.x[j].Not()])


def add_unplaced_penalty(m: RepairModel, medium: dict[int, int]) -> None:
    """Medium: each request left unplaced, at its deadline-weighted cost plus more than all
    soft penalties together (so placing comes first). Add it after the soft rules."""
    soft_ceiling = 1 + sum(p.weight * p.upper for p in m.penalties)
    for request, placed in m.placed.items():
        m.penalise(f"unplaced[{m.names[request]}]", 1 - placed, 1, medium[request] + soft_ceiling)


def _add_rule_penalty(m: RepairModel, rule: str) -> None:
    for request, indices in m.of_request.items():
        costs = [m.candidates[i].costs.get(rule, 0) for i in indices]
        if any(costs):
            expression = sum(cost * m.x[i] for cost, i in zip(costs, indices, strict=True))
            m.penalise(f"{rule}[{m.names[request]}]", expression, max(costs), 1)


def add_continuity_penalty(m: RepairModel) -> None:
    """Soft: a follow-up placed with someone other than the member's current clinician."""
    _add_rule_penalty(m, "continuity")


def add_preferred_time_penalty(m: RepairModel) -> None:
    """Soft: a visit outside the member's preferred part of the day."""
    _add_rule_penalty(m, "off_preferred_time")


def add_distance_penalty(m: RepairModel) -> None:
    """Soft: a clinician based away from the member's clinic."""
    _add_rule_penalty(m, "distance")


def add_move_penalty(m: RepairModel) -> None:
    """Soft: an already-offered appointment moved to another slot."""
    _add_rule_penalty(m, "move_offered")


def add_caseload_penalty(
    m: RepairModel, outside_load: dict[int, int], bands: dict[int, list[CostBand]]
) -> None:
    """Soft: the convex caseload cost of each touched clinician's new bookings; the load
    made outside this model counts, so the repair sees the clinician's real week."""
    by_clinician: defaultdict[int, list[int]] = defaultdict(list)
    for index, candidate in enumerate(m.candidates):
        by_clinician[candidate.clinician].append(index)
    for clinician, indices in by_clinician.items():
        _caseload_for(m, clinician, indices, outside_load.get(clinician, 0), bands[clinician])


def _caseload_for(
    m: RepairModel, clinician: int, indices: list[int], outside: int, bands: list[CostBand]
) -> None:
    load = outside + sum(m.x[i] for i in indices)
    top = _band_cost(bands, outside + len(indices))
    variable = m.model.new_int_var(0, top, f"caseload[clinician{clinician}]")
    level, cost_so_far = 0, 0
    for band in bands:
        # The convex cost is the largest of its linear pieces.
        m.model.add(variable >= cost_so_far + band.cost * (load - level))
        level += band.capacity
        cost_so_far += band.cost * band.capacity
    m.penalties.append(Penalty(f"caseload[clinician{clinician}]", variable, 1, top))


def _band_cost(bands: list[CostBand], load: int) -> int:
    total, left = 0, load
    for band in bands:
        used = min(left, band.capacity)
        total += used * band.cost
        left -= used
    return total + max(0, left) * (bands[-1].cost if bands else 0)
