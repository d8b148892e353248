"""The batch optimizer at full Southern California scale, and online vs batch vs hindsight.

backlog   2,400 clinicians, two weeks of slots with most already booked (pinned), PTO,
          protected IPC time, and >= 20,000 open requests (follow-ups with their current
          clinician, preferred times, offered appointments, members with two requests):
          solve time by phase, placed, the exact bound and the gap.
compare   the simulator's calibrated demand over a few weeks, replayed three ways on the
          same slots: online (each request booked by `book_request` as it arrives),
          batch (`solve` over all of it) and hindsight (the exact bound); compliance each.
Run: .venv/bin/python bench/bench_optimizer.py [--requests 22000] [--compare-scale 0.25]
"""

from __future__ import annotations

import argparse
import os
import random
import time
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import track
from rich.table import Table

from parity.adapters.clock import SimulatedClock
from parity.adapters.memory import MemoryUnitOfWork
from parity.adapters.rules_files import load_contract, load_region, load_rules
from parity.domain.availability import SlotQuery
from parity.domain.care import CareRequest
from parity.domain.schedule import Slot
from parity.domain.standards import VisitType
from parity.domain.workforce import Clinician
from parity.optimizer.bound import bound
from parity.optimizer.feasibility import solution_violations
from parity.optimizer.problem import (
    Absence,
    DayPart,
    OptimizerRequest,
    OptimizerSlot,
    PinnedBooking,
    Problem,
    Solution,
)
from parity.optimizer.solve import solve
from parity.optimizer.weights import config_from_dict
from parity.services.booking import BookRequest, book_request
from parity.services.policy import Policy
from parity.services.requests import (
    RequestCare,
    open_request,
)
from parity.services.schedules import materialise, register_clinician, register_clinics
from parity.simulation.demand import Demand, demand_from
from parity.simulation.region import SyntheticRegion, build_region
from parity.simulation.runtime import settle_heap

console = Console(width=max(100, Console().width))  # the tables need ~100 columns
LA = ZoneInfo("America/Los_Angeles")
FIRST_MONDAY = datetime(2026, 3, 2, tzinfo=LA)
FOLLOW_UP_SHARE = 0.85  # with ~10 sessions per episode, ~9 in 10 visits are follow-ups


@dataclass
class World:
    """A materialised synthetic region on the in-memory store."""

    uow: MemoryUnitOfWork
    policy: Policy
    region: SyntheticRegion
    weeks: int

    @property
    def end(self) -> datetime:
        return FIRST_MONDAY + timedelta(weeks=self.weeks)


def build_world(scale: float, weeks: int) -> World:
    policy = Policy(load_rules("california"), load_contract("socal-2025"))
    region = build_region(load_region("socal"), policy.contract, scale, seed=11)
    uow = MemoryUnitOfWork()
    register_clinics(region.clinics, uow)
    pairs = list(zip(region.clinicians, region.templates, strict=True))
    for clinician, template in track(pairs, description="clinicians", transient=True):
        register_clinician(clinician, template, uow, policy)
    for week in track(range(weeks), description="materialise weeks", transient=True):
        materialise(uow, policy, (FIRST_MONDAY + timedelta(weeks=week)).date(), 1)
    return World(uow, policy, region, weeks)


def free_slots(world: World) -> list[Slot]:
    found: list[Slot] = []
    for clinician in world.region.clinicians:
        found += world.uow.slots.for_clinician(clinician.id, FIRST_MONDAY, world.end)
    return [s for s in found if s.id in world.uow.slots.index]


def make_problem(
    world: World,
    now: datetime,
    requests: Sequence[OptimizerRequest],
    slots: Sequence[OptimizerSlot],
    pinned: Sequence[PinnedBooking] = (),
    absences: Sequence[Absence] = (),
) -> Problem:
    text = (resources.files("parity") / "data" / "optimizer" / "weights.toml").read_text()
    weights, limits = config_from_dict(tomllib.loads(text))
    protected = [
        block
        for c in world.region.clinicians
        for block in world.uow.protected.overlapping(c.id, FIRST_MONDAY, world.end)
    ]
    return Problem(
        now=now,
        timezone=world.policy.rules.timezone,
        calendar=world.policy.rules.calendar,
        clinics=tuple(world.region.clinics),
        clinicians=tuple(world.region.clinicians),
        slots=tuple(slots),
        requests=tuple(requests),
        weights=weights,
        limits=limits,
        pinned=tuple(pinned),
        protected=tuple(protected),
        absences=tuple(absences),
    )


def snapshot(slot: Slot) -> OptimizerSlot:
    return OptimizerSlot(
        slot.id, slot.clinician_id, slot.clinic_id, slot.start, slot.end, slot.kind
    )


def as_optimizer(request: CareRequest, policy: Policy) -> OptimizerRequest:
    """The optimizer's view of a stored request: the same window `book_request` uses."""
    wants = SlotQuery(
        kinds=policy.kinds_for(request.visit),
        provider_class=request.provider_class,
        language=request.language,
        modalities=request.modalities,
        clinic_id=request.clinic_id,
        not_before=max(request.requested_at + policy.min_notice, request.not_before),
        not_after=request.effective_deadline,
    )
    return OptimizerRequest(
        id=request.id,
        member_id=request.member_id,
        visit=request.visit,
        wants=wants,
        preferred_clinician_id=request.preferred_clinician_id,
    )


class Staff:
    """Clinicians by (clinic, provider class, language), to pick a member's current one."""

    def __init__(self, clinicians: Sequence[Clinician]) -> None:
        self.by_key: dict[tuple[str, str, str], list[Clinician]] = {}
        for c in clinicians:
            for language in c.languages:
                key = (c.home_clinic_id, c.provider_class.value, language)
                self.by_key.setdefault(key, []).append(c)

    def pick(self, rng: random.Random, clinic: str, cls: str, language: str) -> str | None:
        found = self.by_key.get((clinic, cls, language))
        return rng.choice(found).id if found else None


# -- the full-region backlog -------------------------------------------------------------


def pin_existing(world: World, share: float, rng: random.Random) -> list[PinnedBooking]:
    """Book a share of the slots for other members: the schedule as it stands, never moved."""
    pinned: list[PinnedBooking] = []
    with world.uow:
        for slot in free_slots(world):
            if rng.random() < share:
                world.uow.slots.take(slot.id)
                member = f"m{rng.randrange(world.region.member_count)}"
                pinned.append(
                    PinnedBooking(slot.id, member, slot.clinician_id, slot.start, slot.end)
                )
        world.uow.commit()
    return pinned


def backlog_requests(
    world: World, now: datetime, count: int, rng: random.Random
) -> list[OptimizerRequest]:
    """Requests opened over the last three days through the services; most are follow-ups
    with a current clinician, some members have a second open visit of the same course."""
    region, policy, clock = world.region, world.policy, SimulatedClock(now)
    demand = demand_from(region.spec.demand, region.spec.workforce, region.member_count)
    staff = Staff(region.clinicians)
    made: list[OptimizerRequest] = []
    for _ in track(range(count), description="backlog requests", transient=True):
        cmd = _backlog_command(region, demand, staff, now, rng)
        request = open_request(cmd, world.uow, clock, policy)
        made.append(_with_preferences(world, as_optimizer(request, policy), now, rng))
        if cmd.visit is VisitType.FOLLOW_UP and rng.random() < 0.03:
            made[-1:] = _with_next_visit(world, cmd, made[-1], clock)
    return made


def _backlog_command(
    region: SyntheticRegion, demand: Demand, staff: Staff, now: datetime, rng: random.Random
) -> RequestCare:
    member = region.member(rng.randrange(region.member_count))
    visit, cls, prior_auth = demand.visit_and_class(rng)
    at = now - timedelta(hours=rng.uniform(0, 72))
    prior, current = None, None
    if rng.random() < FOLLOW_UP_SHARE:
        visit, prior = VisitType.FOLLOW_UP, at - timedelta(days=rng.uniform(0, 3))
        current = staff.pick(rng, member.clinic_id, cls.value, member.language)
    return RequestCare(
        member.id, visit, cls, member.language, member.modalities, member.clinic_id,
        requested_at=at, preferred_clinician_id=current, prior_authorization=prior_auth,
        prior_appointment_start=prior,
    )  # fmt: skip


def _with_preferences(
    world: World, request: OptimizerRequest, now: datetime, rng: random.Random
) -> OptimizerRequest:
    """Preferred times for some members; an appointment already offered for a few (the
    slot the online engine would have offered)."""
    if rng.random() < 0.3:
        liked = frozenset({rng.choice((DayPart.MORNING, DayPart.AFTERNOON))})
        request = replace(request, preferred_parts=liked)
    if rng.random() < 0.05:
        offered = world.uow.slots.earliest(request.wants)
        request = replace(request, offered_slot_id=offered.id if offered else None)
    return request


def _with_next_visit(
    world: World, cmd: RequestCare, first: OptimizerRequest, clock: SimulatedClock
) -> list[OptimizerRequest]:
    """The first request and a second open follow-up of the same course, two days later."""
    later = replace(
        cmd,
        prior_appointment_start=cmd.requested_at,
        not_before=first.wants.not_before + timedelta(days=2),
    )
    second = as_optimizer(open_request(later, world.uow, clock, world.policy), world.policy)
    return [
        replace(first, course_id=first.id, course_sequence=1),
        replace(second, course_id=first.id, course_sequence=2),
    ]


def absences(world: World, share: float, rng: random.Random) -> list[Absence]:
    """PTO: a share of the clinicians away Tuesday and Wednesday of the first week."""
    away = FIRST_MONDAY + timedelta(days=1)
    return [
        Absence(c.id, away, away + timedelta(days=2))
        for c in world.region.clinicians
        if rng.random() < share
    ]


def run_backlog(args: argparse.Namespace) -> None:
    console.rule("[bold]Full-region backlog")
    started = time.perf_counter()
    world = build_world(1.0, 2)
    rng = random.Random(args.seed)
    now = FIRST_MONDAY + timedelta(hours=6)
    pinned = pin_existing(world, args.pinned_share, rng)
    requests = backlog_requests(world, now, args.requests, rng)
    away = absences(world, 0.02, rng)
    problem = make_problem(
        world, now, requests, [snapshot(s) for s in free_slots(world)], pinned, away
    )
    console.print(
        f"built in {time.perf_counter() - started:.1f} s: {len(world.region.clinicians):,} clinicians, "
        f"{len(problem.slots):,} free slots ({len(pinned):,} pinned), {len(problem.requests):,} "
        f"open requests, {len(away)} clinicians on PTO"
    )
    settle_heap()
    solution = timed_solve(problem, args)
    report(problem, solution)


def timed_solve(problem: Problem, args: argparse.Namespace) -> Solution:
    load_before = os.getloadavg()[0]
    with console.status("solving (flow, CP-SAT repair, late proposals, reasons)"):
        started = time.perf_counter()
        solution = solve(problem, time_limit=args.time_limit, seed=args.seed)
        seconds = time.perf_counter() - started
    console.print(
        f"solve: {seconds:.1f} s wall on {os.cpu_count()} cores; load average "
        f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    return solution


def report(problem: Problem, solution: Solution) -> None:
    table = Table("figure", "value", title="batch optimizer")
    stats = solution.stats
    for phase, seconds in stats.seconds.items():
        table.add_row(f"time: {phase}", f"{seconds:.2f} s")
    table.add_row(
        "flow network",
        f"{stats.flow_nodes:,} nodes, {stats.flow_arcs:,} arcs, {stats.request_classes:,} request classes",
    )
    table.add_row("CP-SAT repair", f"{stats.repaired_requests} requests, {stats.cp_sat_status}")
    table.add_row("requests", f"{len(problem.requests):,}")
    table.add_row("placed before the deadline", f"{solution.placed:,}")
    table.add_row("bound (exact max matching)", f"{solution.bound:,}")
    table.add_row("gap", f"{solution.gap:.4%}")
    late = sum(1 for a in solution.assignments if not a.timely)
    table.add_row("late proposals (with referral)", f"{late:,}")
    table.add_row(
        "hard-rule violations", f"{len(solution_violations(problem, solution.assignments))}"
    )
    for reason, count in Counter(u.reason.value for u in solution.unplaced).most_common():
        table.add_row(f"unplaced: {reason}", f"{count:,}")
    for rule, cost in sorted(solution.penalties.items()):
        table.add_row(f"penalty: {rule}", f"{cost:,}")
    console.print(table)


# -- online vs batch vs hindsight --------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    at: datetime
    cmd: RequestCare


def demand_stream(world: World, weeks: int, load: float, rng: random.Random) -> list[Arrival]:
    """The simulator's calibrated demand as a fixed stream: new episodes (urgent or initial)
    every day in call-centre hours, and follow-ups at the rate a steady caseload of those
    episodes produces, each made right after a visit, at its cadence, with its clinician."""
    region = world.region
    demand = demand_from(region.spec.demand, region.spec.workforce, region.member_count)
    follow_ups = demand.episodes_per_day * (float(region.spec.demand["sessions_mean"]) - 1)
    staff = Staff(region.clinicians)
    stream: list[Arrival] = []
    for offset in range(weeks * 7):
        day = FIRST_MONDAY + timedelta(days=offset)
        for at in _poisson(day + timedelta(hours=7), 12, demand.episodes_per_day * load, rng):
            stream.append(Arrival(at, _first_visit(region, demand, at, rng)))
        if world.policy.rules.calendar.is_business_day(day.date()):
            rate = follow_ups * load * 7 / 5  # visits happen on business days only
            for at in _poisson(day + timedelta(hours=8), 9, rate, rng):
                stream.append(Arrival(at, _follow_up(region, demand, staff, at, rng)))
    return sorted(stream, key=lambda a: a.at)


def _poisson(opens: datetime, hours: float, per_day: float, rng: random.Random) -> list[datetime]:
    found, elapsed = [], rng.expovariate(per_day / hours)
    while elapsed < hours:
        found.append(opens + timedelta(hours=elapsed))
        elapsed += rng.expovariate(per_day / hours)
    return found


def _first_visit(
    region: SyntheticRegion, demand: Demand, at: datetime, rng: random.Random
) -> RequestCare:
    member = region.member(rng.randrange(region.member_count))
    visit, cls, prior_auth = demand.visit_and_class(rng)
    return RequestCare(
        member.id, visit, cls, member.language, member.modalities, member.clinic_id,
        requested_at=at, prior_authorization=prior_auth,
    )  # fmt: skip


def _follow_up(
    region: SyntheticRegion, demand: Demand, staff: Staff, at: datetime, rng: random.Random
) -> RequestCare:
    member = region.member(rng.randrange(region.member_count))
    _, cls, _ = demand.visit_and_class(rng)
    return RequestCare(
        member.id, VisitType.FOLLOW_UP, cls, member.language, member.modalities,
        member.clinic_id, requested_at=at,
        preferred_clinician_id=staff.pick(rng, member.clinic_id, cls.value, member.language),
        prior_appointment_start=at, not_before=at + timedelta(days=demand.cadence(rng)),
    )  # fmt: skip


def replay_online(world: World, stream: Sequence[Arrival]) -> tuple[list[CareRequest], set[int]]:
    """Each request opened and booked by the real engine the moment it arrives."""
    uow, policy, clock = world.uow, world.policy, SimulatedClock(FIRST_MONDAY)
    opened: list[CareRequest] = []
    booked: set[int] = set()
    for arrival in track(stream, description="online booking", transient=True):
        clock.set(arrival.at)
        request = open_request(arrival.cmd, uow, clock, policy)
        _within_window(world, request)
        decision = book_request(BookRequest(request.id), uow, clock, policy)
        if decision.action == "booked":
            booked.add(request.id)
        opened.append(request)
    return opened, booked


def _within_window(world: World, request: CareRequest) -> None:
    """As services.courses: a cadence longer than the SB 221 window writes no exception
    (only the treating clinician may); the follow-up is offered within the window."""
    if request.not_before <= request.deadline:
        return
    with world.uow:
        request.not_before = max(request.requested_at, request.clock_start)
        world.uow.requests.save(request)
        world.uow.commit()


def run_compare(args: argparse.Namespace) -> None:
    console.rule("[bold]Online vs batch vs hindsight")
    world = build_world(args.compare_scale, args.compare_weeks + 5)
    slots = [snapshot(s) for s in free_slots(world)]
    stream = demand_stream(world, args.compare_weeks, args.load, random.Random(args.seed))
    settle_heap()
    started = time.perf_counter()
    opened, booked = replay_online(world, stream)
    online_seconds = time.perf_counter() - started
    requests = [as_optimizer(r, world.policy) for r in opened]
    problem = make_problem(world, FIRST_MONDAY, requests, slots)
    with console.status("hindsight bound"):
        hindsight = bound(problem)
    solution = timed_solve(problem, args)
    compare_table(problem, booked, online_seconds, solution, hindsight)


def compare_table(
    problem: Problem, online: set[int], online_seconds: float, solution: Solution, hindsight: int
) -> None:
    total = len(problem.requests)
    batch = {a.request_id for a in solution.assignments if a.timely}
    table = Table(
        "way", "in time", "compliance", "below hindsight", "urgent", "initial", "follow-up",
        title=f"{total:,} requests, {len(problem.slots):,} slots",
    )  # fmt: skip
    for way, placed, ids in (
        ("online: book_request", len(online), online),
        ("batch: solve", solution.placed, batch),
        ("hindsight: bound", hindsight, None),
    ):
        by_visit = _by_visit(problem, ids) if ids is not None else ["", "", ""]
        below = f"{(hindsight - placed) / hindsight:.2%}" if hindsight else "-"
        table.add_row(way, f"{placed:,}", f"{placed / total:.2%}", below, *by_visit)
    console.print(table)
    console.print(
        f"online booking: {online_seconds:.1f} s ({total / online_seconds:,.0f} requests/s); "
        "batch solve by phase: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in solution.stats.seconds.items())
    )


def _by_visit(problem: Problem, placed: set[int]) -> list[str]:
    asked = Counter(r.visit for r in problem.requests)
    got = Counter(r.visit for r in problem.requests if r.id in placed)
    return [
        f"{got[v] / asked[v]:.2%}" if asked[v] else "-"
        for v in (VisitType.URGENT, VisitType.INITIAL, VisitType.FOLLOW_UP)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=22_000)
    parser.add_argument("--pinned-share", type=float, default=0.75)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--compare-scale", type=float, default=0.25)
    parser.add_argument("--compare-weeks", type=int, default=2)
    parser.add_argument("--load", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=("backlog", "compare"))
    args = parser.parse_args()
    if args.only != "compare":
        run_backlog(args)
    if args.only != "backlog":
        run_compare(args)


if __name__ == "__main__":
    main()
