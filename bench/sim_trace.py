"""Count a run's booking decisions: by the request's visit and provider class, where the
request came from, what was decided, and the kind of slot it took (ADR 0014).

Run on two trees (PYTHONPATH=<tree>/src) and compare, to tell which requests a change moved:

  .venv/bin/python bench/sim_trace.py [--policy parity] [--seed 7] [--weeks 22]
      [--scale 0.05] [--redeal-no-shows k] > counts.json
  .venv/bin/python bench/sim_trace.py --compare before.json after.json [prefix ...]

Origins: `arrival` (a new episode), `after-visit` (the next visit of a course, or a first
visit asked again after a no-show), `member-cancel` (asked again after the member cancelled),
`clinic-cancel` (re-booked after the clinic cancelled). A `released-hold` is a follow-up
slot an unused urgent hold became. Counted in the measured window, at each decision.

A run's no-show, cancellation, exception and give-up draws are keyed by the episode
(simulation/keyed_draws.py), so two trees give the same episode the same draws and what
differs is the change's own doing. `--redeal-no-shows k` is a placebo on one tree: the same
run with its no-shows keyed by another seed (k), i.e. dealt afresh, nothing else changed.
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
from parity.simulation.keyed_draws import KeyedDraws, Purpose
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
    redeal = 0

    def _prepare(self) -> None:
        super()._prepare()
        if self.redeal:  # a placebo: the same run with its no-shows dealt afresh
            placebo = KeyedDraws(self.config.seed + 1_000_003 * self.redeal)
            self.keyed.keys[Purpose.NO_SHOW] = placebo.keys[Purpose.NO_SHOW]

    def _on_arrival(self) -> None:
        self.origin = "arrival"
        super()._on_arrival()

    def _on_clinic_cancel(self, appointment_id: int) -> None:
        self.origin = "clinic-cancel"
        super()._on_clinic_cancel(appointment_id)

    def _on_member_cancel(self, appointment_id: int) -> None:
        self.origin = "member-cancel"
        super()._on_member_cancel(appointment_id)

    def _on_visit(self, appointment_id: int) -> None:
        self.origin = "after-visit"
        super()._on_visit(appointment_id)

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
    Traced.redeal = args.redeal_no_shows
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
    parser.add_argument("--redeal-no-shows", type=int, default=0, metavar="K")
    parser.add_argument("--compare", nargs="+", metavar="FILE")
    args = parser.parse_args()
    if args.compare:
        compare(args.compare[0], args.compare[1], args.compare[2:])
        return
    print(json.dumps(run(args), indent=1))


if __name__ == "__main__":
    main()
