"""When each request's visit may start: its window, minus what the member's fixed visits
rule out, as closed intervals of epoch seconds with the lateness cost of each.

A fixed visit (pinned, or already placed when a later pass runs) excludes, for the same
member: the whole local day once the same-day limit is reached; every start that would
overlap it; and, for a visit of the same course, the local days closer to it than the
course spacing. These are unary (one request at a time), so they shape the flow's windows
exactly; rules between two *open* requests are CP-SAT's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from parity.domain.calendar import local_date
from parity.optimizer.costs import lateness_cost
from parity.optimizer.feasibility import AgendaVisit
from parity.optimizer.problem import OptimizerRequest, Problem
from parity.optimizer.timeline import day_start, epoch

Span = tuple[int, int]
FOREVER = 1 << 62  # seconds: beyond any instant, either way


@dataclass(frozen=True, slots=True)
class CostWindow:
    """Starts in [low, high] (epoch seconds, inclusive) cost `cost` extra; `days_late` > 0
    marks a late window."""

    low: int
    high: int
    cost: int = 0
    days_late: int = 0


def subtract(spans: list[Span], holes: list[Span]) -> list[Span]:
    """The parts of closed intervals `spans` outside every closed hole."""
    pieces = spans
    for hole_low, hole_high in holes:
        kept: list[Span] = []
        for low, high in pieces:
            if hole_high < low or high < hole_low:
                kept.append((low, high))
                continue
            if low < hole_low:
                kept.append((low, hole_low - 1))
            if hole_high < high:
                kept.append((hole_high + 1, high))
        pieces = kept
    return pieces


class Windows:
    """Windows of one problem's requests, per slot duration (overlap depends on it)."""

    def __init__(
        self, problem: Problem, visits: Mapping[str, Sequence[AgendaVisit]] | None = None
    ) -> None:
        self.problem = problem
        self.visits = visits if visits is not None else {}
        self.now = epoch(problem.now)

    def _day(self, day: int) -> Span:
        tz = self.problem.timezone
        return day_start(day, tz), day_start(day + 1, tz) - 1

    def holes(self, request: OptimizerRequest, duration: int) -> list[Span]:
        """Starts ruled out by the member's visits, for a slot of `duration` seconds."""
        pinned = self.visits.get(request.member_id, ())
        per_day = Counter(v.day for v in pinned)
        limit = self.problem.limits.member_visits_per_day
        holes = [self._day(day) for day, count in per_day.items() if count >= limit]
        holes += [(v.start - duration + 1, v.end - 1) for v in pinned]
        for visit in pinned:
            if request.course_id is not None and request.course_id == visit.course_id:
                holes += self._course_holes(request, visit)
        return [h for h in holes if h[0] <= h[1]]

    def _course_holes(self, request: OptimizerRequest, visit: AgendaVisit) -> list[Span]:
        """Days too close to a visit of the same course; and, for a placed visit with a
        sequence number, everything on the wrong side of it."""
        spacing = self.problem.limits.course_min_spacing_days
        holes = []
        if spacing > 0:
            holes.append(
                (self._day(visit.day - spacing + 1)[0], self._day(visit.day + spacing - 1)[1])
            )
        if visit.sequence is not None and visit.sequence < request.course_sequence:
            holes.append((-FOREVER, visit.start))
        if visit.sequence is not None and visit.sequence > request.course_sequence:
            holes.append((visit.start, FOREVER))
        return holes

    def _earliest(self, request: OptimizerRequest) -> int:
        return max(epoch(request.wants.not_before), self.now)

    def timely(
        self, request: OptimizerRequest, duration: int, *, member_rules: bool = True
    ) -> list[CostWindow]:
        """From not-before (and now) to the deadline, minus the member's holes (unless
        `member_rules` is off, to tell whether they are what rules a slot out)."""
        span = (self._earliest(request), epoch(request.deadline))
        holes = self.holes(request, duration) if member_rules else []
        return [CostWindow(*s) for s in subtract([span], holes)]

    def late(self, request: OptimizerRequest, duration: int) -> list[CostWindow]:
        """After the deadline, one window per business day late up to the allowance."""
        problem = self.problem
        tz, calendar = problem.timezone, problem.calendar
        due = local_date(request.deadline, tz)
        low = max(epoch(request.deadline) + 1, self._earliest(request))
        holes = self.holes(request, duration)
        windows: list[CostWindow] = []
        for days_late in range(1, problem.limits.late_allowance_business_days + 1):
            last = calendar.add_business_days(due, days_late).toordinal()
            high = self._day(last)[1]
            cost = lateness_cost(days_late, problem.weights)
            windows += [
                CostWindow(a, b, cost, days_late) for a, b in subtract([(low, high)], holes)
            ]
            low = max(low, high + 1)
        return windows
