"""Count a run's booking decisions: by the request's visit and provider class, where the
request came from, what was decided, and the kind of slot it took (ADR 0014).

Run on two trees (PYTHONPATH=<tree>/src) and compare, to tell which requests a change moved:

  .venv/bin/python bench/sim_trace.py [--policy parity] [--seed 7] [--weeks 22]
      [--scale 0.05] [--paired-draws] > counts.json
  .venv/bin/python bench/sim_trace.py --compare before.json after.json [prefix ...]

Origins: `arrival` (a new episode), `after-visit` (the next visit of a course, or a first
visit asked again after a no-show), `member-cancel` (asked again after the member cancelled),
`clinic-cancel` (re-booked after the clinic cancelled). A `released-hold` is a follow-up
slot an unused urgent hold became. Counted in the measured window, at each decision.

Every run's no-show, cancellation and exception draws come from their own streams in the
order the events happen (simulation/streams.py), so any change to which visit is booked
when re-deals them: two trees then differ by that noise as well as by the change
(`--discard-no-show-draws 1` shows its size on one tree: the same run with its no-show draws
dealt one visit later). `--paired-draws` draws each from a generator seeded by the episode
and its n-th visit or booking instead, so both trees give the same episode the same draws,
and what still differs is the change's own doing. (The status quo's give-up draws stay in
event order.)
"""

from __future__ import annotations

import argparse
import json
import sys
import time as timer
from collections import Counter
from datetime import date, datetime
from typing import Any

from parity.adapters.rules_files import load_contract, load_region, load_rules
from parity.domain.care import Decision
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import BlockKind
from parity.services.policy import Policy
from parity.services.status_quo import ReleaseUrgentHolds, release_urgent_holds
from parity.simulation import engine
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.engine import Simulation, SimulationConfig
from parity.simulation.region import build_region
from parity.simulation.summary import summarise

COUNTS: Counter[str] = Counter()
RELEASED: set[tuple[str, datetime]] = set()  # (clinician, start) of every released hold


def recording_release(cmd: ReleaseUrgentHolds, uow: UnitOfWork, clock: Clock) -> int:
    """The engine's release, noting which holds it turns into follow-up slots."""
    for slot_id in cmd.slot_ids or ():
        slot = uow.slots.get(slot_id)
        if slot.kind is BlockKind.URGENT and clock.now() <= slot.start < cmd.until:
            RELEASED.add((slot.clinician_id, slot.start))
    return release_urgent_holds(cmd, uow, clock)


class Traced(Simulation):
    """The engine, counting each decision as it is made."""

    origin = "?"
    paired = False
    discard = 0

    def _prepare(self) -> None:
        super()._prepare()
        self.draws: Counter[tuple[str, int]] = Counter()
        for _ in range(self.discard):  # a placebo: the same run with its no-shows re-dealt
            self.streams.no_shows.random()

    def _seed(self, purpose: str, request_id: int) -> None:
        """With paired draws: seed `purpose`'s stream for the episode's next draw of it."""
        episode = self.episodes.get(request_id)
        if not self.paired or episode is None:
            return
        self.draws[purpose, episode.serial] += 1
        key: tuple[object, ...] = (self.config.seed, purpose, episode.serial)
        if purpose != "exception":  # drawn once a course: the same key each time asked
            key = (*key, self.draws[purpose, episode.serial])
        stream = {"no-show": self.streams.no_shows, "cancel": self.streams.cancellations}
        stream.get(purpose, self.streams.exceptions).seed(repr(key))

    def _on_arrival(self) -> None:
        self.origin = "arrival"
        super()._on_arrival()

    def _on_clinic_cancel(self, appointment_id: int) -> None:
        self.origin = "clinic-cancel"
        super()._on_clinic_cancel(appointment_id)

    def _on_member_cancel(self, appointment_id: int) -> None:
        self.origin = "member-cancel"
        self._seed("exception", self.uow.appointments.get(appointment_id).request_id)
        super()._on_member_cancel(appointment_id)

    def _on_visit(self, appointment_id: int) -> None:
        self.origin = "after-visit"
        request_id = self.uow.appointments.get(appointment_id).request_id
        self._seed("no-show", request_id)
        self._seed("exception", request_id)
        super()._on_visit(appointment_id)

    def _maybe_cancel(self, appointment_id: int, starts_at: datetime) -> None:
        self._seed("cancel", self.uow.appointments.get(appointment_id).request_id)
        super()._maybe_cancel(appointment_id, starts_at)

    def _after(self, decision: Decision | None) -> None:
        if decision is not None and self.measuring:
            self._count(decision)
        super()._after(decision)

    def _count(self, decision: Decision) -> None:
        request = self.uow.requests.get(decision.request_id)
        kind = f"{request.visit}/{request.provider_class}"
        outcome = str(decision.action)
        if decision.appointment_id is not None:
            outcome += "-timely" if decision.timely else "-late"
        COUNTS[f"decision|{kind}|{outcome}|{self._slot_kind(decision.slot_id)}"] += 1
        COUNTS[f"origin|{self.origin}|{kind}"] += 1

    def _slot_kind(self, slot_id: int | None) -> str:
        if slot_id is None:
            return "-"
        slot = self.uow.slots.get(slot_id)
        released = (slot.clinician_id, slot.start) in RELEASED
        return "released-hold" if released and slot.kind is BlockKind.FOLLOW_UP else str(slot.kind)


def run(args: argparse.Namespace) -> dict[str, Any]:
    engine.release_urgent_holds = recording_release  # type: ignore[attr-defined]
    policy = Policy(load_rules(), load_contract("socal-2025"))
    region = build_region(load_region("socal"), policy.contract, args.scale, seed=args.seed)
    booking = BookingPolicy(args.policy)
    config = SimulationConfig(
        weeks=args.weeks, warmup_weeks=4, start=date(2026, 1, 5), seed=args.seed, booking=booking
    )
    Traced.paired = args.paired_draws
    Traced.discard = args.discard_no_show_draws
    simulation = Traced(region, policy, config)
    started = timer.process_time()
    result = simulation.run()
    print(f"{booking}: {timer.process_time() - started:.1f} CPU s", file=sys.stderr)
    summary = summarise(result.uow, simulation.policy, simulation.config, region.member_count)
    groups: dict[str, dict[str, Any]] = summary.as_dict()["groups"]  # type: ignore[assignment]
    for name, group in groups.items():
        COUNTS[f"group|{name}|requests"] = group["requests"]
        COUNTS[f"group|{name}|referred"] = group["referred_out_of_network"]
        COUNTS[f"group|{name}|within-standard"] = group["outcomes"].get("within-standard", 0)
        share = group["share_within_standard"]
        COUNTS[f"group|{name}|share-basis-points"] = round(10_000 * (share or 0.0))
    return dict(sorted(COUNTS.items()))


def compare(before: str, after: str, prefixes: list[str]) -> None:
    with open(before) as first, open(after) as second:
        old, new = json.load(first), json.load(second)
    for key in sorted(set(old) | set(new)):
        if not prefixes or any(key.startswith(p) for p in prefixes):
            a, b = old.get(key, 0), new.get(key, 0)
            print(f"{a:8d} {b:8d} {b - a:+7d}  {key}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--policy", default=str(BookingPolicy.PARITY))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--weeks", type=int, default=22)
    parser.add_argument("--paired-draws", action="store_true")
    parser.add_argument("--discard-no-show-draws", type=int, default=0)
    parser.add_argument("--compare", nargs="+", metavar="FILE")
    args = parser.parse_args()
    if args.compare:
        compare(args.compare[0], args.compare[1], args.compare[2:])
        return
    print(json.dumps(run(args), indent=1))


if __name__ == "__main__":
    main()
