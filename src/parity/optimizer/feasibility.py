"""The hard rules, one named predicate each, and a checker for whole solutions.

These are the ground truth: the flow network and the CP-SAT model are fast encodings of
the same rules, and the tests hold them to these predicates. A (request, slot) pair is
feasible when the slot's kind suits the visit; the clinician is of the request's provider
class, speaks its language and offers one of its modalities (in person only at the
member's own clinic, video and phone region-wide); the slot starts inside the request's
window; it lies clear of the clinician's protected IPC time, PTO and pinned bookings; and
it keeps the member's rules against their pinned visits (same-day limit, no overlap,
course spacing).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate

from parity.domain.availability import serving
from parity.domain.workforce import Clinician, Modality
from parity.optimizer.problem import Assignment, OptimizerRequest, OptimizerSlot, Problem
from parity.optimizer.timeline import epoch, local_day


def kind_allowed(request: OptimizerRequest, slot: OptimizerSlot) -> bool:
    return slot.kind in request.wants.kinds


def provider_class_matches(request: OptimizerRequest, clinician: Clinician) -> bool:
    return clinician.provider_class is request.wants.provider_class


def language_matches(request: OptimizerRequest, clinician: Clinician) -> bool:
    return request.wants.language in clinician.languages


def modality_for(
    request: OptimizerRequest, slot: OptimizerSlot, clinician: Clinician
) -> Modality | None:
    """How the slot would serve the request, by the booking engine's own modality and area
    rule (`domain.availability.serving`); None where it cannot."""
    how = serving(request.wants, slot, clinician)
    return None if how is None else how.modality


def starts_after_not_before(request: OptimizerRequest, slot: OptimizerSlot, now: datetime) -> bool:
    return slot.start >= max(request.wants.not_before, now)


def starts_by_deadline(request: OptimizerRequest, slot: OptimizerSlot) -> bool:
    return slot.start <= request.deadline


class Intervals:
    """Sorted [start, end) intervals with a running maximum of ends, for overlap tests."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [s for s, _ in ordered]
        self.reach = list(accumulate((e for _, e in ordered), max))

    def overlaps(self, start: int, end: int) -> bool:
        last = bisect_left(self.starts, end) - 1
        return last >= 0 and self.reach[last] > start


def _by_clinician(items: Iterable[tuple[str, int, int]]) -> dict[str, Intervals]:
    grouped: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
    for clinician_id, start, end in items:
        grouped[clinician_id].append((start, end))
    return {c: Intervals(spans) for c, spans in grouped.items()}


@dataclass(frozen=True, slots=True)
class AgendaVisit:
    """A member's visit for the member-level rules: pinned (sequence None) or placed."""

    start: int
    end: int
    day: int
    course_id: int | None
    sequence: int | None


class HardRules:
    """The hard rules of one problem, with the indexes that make them cheap to ask."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.clinicians = {c.id: c for c in problem.clinicians}
        self.protected = _by_clinician(
            (p.clinician_id, epoch(p.start), epoch(p.end)) for p in problem.protected
        )
        self.absent = _by_clinician(
            (a.clinician_id, epoch(a.start), epoch(a.end)) for a in problem.absences
        )
        self.booked = _by_clinician(
            (p.clinician_id, epoch(p.start), epoch(p.end)) for p in problem.pinned
        )
        self.pinned_slots = frozenset(p.slot_id for p in problem.pinned)
        self.pinned_visits: defaultdict[str, list[AgendaVisit]] = defaultdict(list)
        for pin in problem.pinned:
            visit = self.visit_at(pin.start, pin.end, pin.course_id, None)
            self.pinned_visits[pin.member_id].append(visit)

    def visit_at(
        self, start: datetime, end: datetime, course_id: int | None, sequence: int | None
    ) -> AgendaVisit:
        return AgendaVisit(
            epoch(start), epoch(end), local_day(start, self.problem.timezone), course_id, sequence
        )

    def visit(self, request: OptimizerRequest, slot: OptimizerSlot) -> AgendaVisit:
        """The visit `request` would make in `slot`."""
        return self.visit_at(slot.start, slot.end, request.course_id, request.course_sequence)

    def slot_blockers(self, slot: OptimizerSlot) -> list[str]:
        """Why a slot cannot be booked at all: protected IPC time, PTO, a pinned booking."""
        span = (epoch(slot.start), epoch(slot.end))
        found = [
            name
            for name, index in (
                ("protected-time", self.protected),
                ("pto", self.absent),
                ("pinned-booking", self.booked),
            )
            if slot.clinician_id in index and index[slot.clinician_id].overlaps(*span)
        ]
        if slot.id in self.pinned_slots and "pinned-booking" not in found:
            found.append("pinned-booking")
        return found

    def pair_violations(
        self, request: OptimizerRequest, slot: OptimizerSlot, *, late: bool = False
    ) -> list[str]:
        """Every hard rule the pair breaks (empty when feasible). `late` waives only the
        deadline, for a late proposal."""
        clinician = self.clinicians[slot.clinician_id]
        checks = (
            ("slot-kind", kind_allowed(request, slot)),
            ("provider-class", provider_class_matches(request, clinician)),
            ("language", language_matches(request, clinician)),
            ("modality", modality_for(request, slot, clinician) is not None),
            ("not-before", starts_after_not_before(request, slot, self.problem.now)),
            ("deadline", late or starts_by_deadline(request, slot)),
        )
        broken = [name for name, kept in checks if not kept]
        pinned = self.pinned_visits.get(request.member_id, [])
        return (
            broken
            + self.slot_blockers(slot)
            + member_violations(self.visit(request, slot), pinned, self)
        )

    @property
    def visits_per_day(self) -> int:
        return self.problem.limits.member_visits_per_day

    @property
    def spacing_days(self) -> int:
        return self.problem.limits.course_min_spacing_days


def member_violations(
    visit: AgendaVisit, others: Sequence[AgendaVisit], rules: HardRules
) -> list[str]:
    """The member-level rules a new visit breaks against the member's other visits."""
    same_day = sum(1 for other in others if other.day == visit.day)
    found = ["member-day-limit"] if same_day + 1 > rules.visits_per_day else []
    for other in others:
        if visit.start < other.end and other.start < visit.end:
            found.append("member-overlap")
        if visit.course_id is not None and visit.course_id == other.course_id:
            found += course_spacing_violations(visit, other, rules.spacing_days)
    return sorted(set(found))


def course_spacing_violations(a: AgendaVisit, b: AgendaVisit, spacing_days: int) -> list[str]:
    """Two visits of one course: far enough apart, and (both placed) in sequence order."""
    if abs(a.day - b.day) < spacing_days:
        return ["course-spacing"]
    if a.sequence is None or b.sequence is None or a.sequence == b.sequence:
        return []
    first, second = (a, b) if a.sequence < b.sequence else (b, a)
    return [] if first.start < second.start else ["course-order"]


def solution_violations(problem: Problem, assignments: Sequence[Assignment]) -> list[str]:
    """Every hard rule a set of assignments breaks; empty for a valid solution."""
    rules = HardRules(problem)
    requests = {r.id: r for r in problem.requests}
    slots = {s.id: s for s in problem.slots}
    uses = Counter(a.slot_id for a in assignments)
    found: list[str] = []
    visits: defaultdict[str, list[AgendaVisit]] = defaultdict(list)
    for a in assignments:
        request, slot = requests[a.request_id], slots.get(a.slot_id)
        if slot is None or uses[a.slot_id] > 1:
            found.append(f"request {a.request_id}: slot {a.slot_id} missing or used twice")
            continue
        rules_broken = rules.pair_violations(request, slot, late=not a.timely)
        found += [f"request {a.request_id} in slot {a.slot_id}: {rule}" for rule in rules_broken]
        visits[request.member_id].append(rules.visit(request, slot))
    for member, placed in visits.items():
        found += [f"member {member}: {rule}" for rule in _among(placed, member, rules)]
    return found


def _among(placed: list[AgendaVisit], member: str, rules: HardRules) -> list[str]:
    """The member rules each placed visit breaks against the member's other visits."""
    pinned = rules.pinned_visits.get(member, [])
    found: list[str] = []
    for i, visit in enumerate(placed):
        found += member_violations(visit, [*pinned, *placed[:i], *placed[i + 1 :]], rules)
    return found
