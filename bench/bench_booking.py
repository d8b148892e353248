"""Bookings per second at full Southern California scale (2,400 clinicians, 12-week horizon).

Prints three figures on one core:
  index   earliest-free-matching-slot query + take, straight on the availability index;
  book    the `book_request` service (find, protected-time re-check, offer, appointment,
          decision with explanation) on the in-memory unit of work;
  request+book  `open_request` (standard, clock start, business-day deadline) then book.
Run: .venv/bin/python bench/bench_booking.py [--scale 1.0] [--requests 100000]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.progress import track

from parity.adapters.clock import SimulatedClock
from parity.adapters.memory import MemoryUnitOfWork
from parity.adapters.rules_files import load_contract, load_region, load_rules
from parity.domain.availability import SlotQuery
from parity.domain.standards import VisitType
from parity.services.booking import BookRequest, book_request
from parity.services.policy import Policy
from parity.services.requests import RequestCare, open_request
from parity.services.schedules import materialise, register_clinician, register_clinics
from parity.simulation.demand import demand_from
from parity.simulation.region import build_region
from parity.simulation.runtime import settle_heap

console = Console()
# Share of requests that are follow-ups: with ~10 sessions per episode, ~9 in 10 visits are.
FOLLOW_UP_SHARE = 0.85


def build(scale: float, weeks: int) -> tuple[MemoryUnitOfWork, Policy, object, SimulatedClock]:
    policy = Policy(load_rules("california"), load_contract("socal-2025"))
    spec = load_region("socal")
    region = build_region(spec, policy.contract, scale, seed=11)
    uow = MemoryUnitOfWork()
    register_clinics(region.clinics, uow)
    for clinician, template in track(
        list(zip(region.clinicians, region.templates, strict=True)), description="clinicians"
    ):
        register_clinician(clinician, template, uow, policy)
    started = time.perf_counter()
    materialise(uow, policy, datetime(2026, 3, 2, tzinfo=UTC).date(), weeks)
    console.print(
        f"materialised {uow.slots.count():,} slots for {len(region.clinicians):,} clinicians "
        f"x {weeks} weeks in {time.perf_counter() - started:.1f} s"
    )
    clock = SimulatedClock(datetime(2026, 3, 2, 6, tzinfo=UTC))
    return uow, policy, region, clock


def commands(
    region: object, policy: Policy, count: int, clock: SimulatedClock
) -> list[RequestCare]:
    rng = random.Random(5)
    demand = demand_from(region.spec.demand, region.spec.workforce, region.member_count)  # type: ignore[attr-defined]
    made: list[RequestCare] = []
    for _ in range(count):
        member = region.member(rng.randrange(region.member_count))  # type: ignore[attr-defined]
        visit, provider_class, prior_auth = demand.visit_and_class(rng)
        at = clock.now() + timedelta(minutes=rng.randrange(0, 60 * 24 * 7 * 9))
        prior = None
        if rng.random() < FOLLOW_UP_SHARE:  # most visits are follow-ups in a course
            visit, prior = VisitType.FOLLOW_UP, at - timedelta(days=rng.choice((0, 1, 2)))
        made.append(
            RequestCare(
                member.id,
                visit,
                provider_class,
                member.language,
                member.modalities,
                member.clinic_id,
                requested_at=at,
                prior_authorization=prior_auth,
                prior_appointment_start=prior,
            )
        )
    made.sort(key=lambda c: c.requested_at or clock.now())
    return made


def bench_index(uow: MemoryUnitOfWork, policy: Policy, cmds: list[RequestCare]) -> float:
    index = uow.slots.index
    queries = [
        SlotQuery(
            policy.kinds_for(c.visit),
            c.provider_class,
            c.language,
            c.modalities,
            c.clinic_id,
            c.requested_at or datetime.now(UTC),
            (c.requested_at or datetime.now(UTC)) + timedelta(days=14),
        )
        for c in cmds
    ]
    taken: list[int] = []
    started = time.perf_counter()
    for query in queries:
        slot = index.earliest(query)
        if slot is not None:
            index.take(slot.id)
            taken.append(slot.id)
    elapsed = time.perf_counter() - started
    for slot_id in taken:
        index.release(slot_id)
    console.print(
        f"index         {len(queries) / elapsed:>10,.0f} queries+takes/s  ({len(taken):,} placed)"
    )
    return len(queries) / elapsed


def bench_services(
    uow: MemoryUnitOfWork, policy: Policy, cmds: list[RequestCare], clock: SimulatedClock
) -> None:
    opened = []
    started = time.perf_counter()
    for cmd in cmds:
        clock.set(cmd.requested_at or clock.now())
        opened.append(open_request(cmd, uow, clock, policy).id)
    open_seconds = time.perf_counter() - started
    booked = referred = 0
    started = time.perf_counter()
    for cmd, request_id in zip(cmds, opened, strict=True):
        clock.set(cmd.requested_at or clock.now())
        decision = book_request(BookRequest(request_id), uow, clock, policy)
        booked += decision.action == "booked"
        referred += decision.action == "referred"
    book_seconds = time.perf_counter() - started
    n = len(cmds)
    console.print(
        f"book          {n / book_seconds:>10,.0f} decisions/s  ({booked:,} booked, {referred:,} referred)"
    )
    console.print(
        f"request+book  {n / (book_seconds + open_seconds):>10,.0f} requests/s end to end"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--requests", type=int, default=100_000)
    args = parser.parse_args()
    uow, policy, region, clock = build(args.scale, args.weeks)
    cmds = commands(region, policy, args.requests, clock)
    settle_heap()
    bench_index(uow, policy, cmds)
    bench_services(uow, policy, cmds, clock)


if __name__ == "__main__":
    main()
