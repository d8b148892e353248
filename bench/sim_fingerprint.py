"""A fixed seed's simulation results, to check a speed change left them unchanged.

Runs the socal region at a small scale under both booking policies (and one scenario
replication with its workforce changes) and prints, per run: every summary counter
`parity simulate --json` prints, the run's own counters, and a digest of every booking
decision in the order it was made (request, action, slot, appointment, referral, start).
Write the output before a change and compare it after (`diff`); CPU seconds and the
decisions' count are printed on stderr, so the comparison sees results only.

Run: .venv/bin/python bench/sim_fingerprint.py [--scale 0.05] [--weeks 8] > before.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time as timer
from datetime import date

from parity.adapters.rules_files import load_contract, load_region, load_rules
from parity.domain.care import Decision
from parity.services.policy import Policy
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.engine import Simulation, SimulationConfig
from parity.simulation.region import build_region
from parity.simulation.run_figures import run_figures
from parity.simulation.scenario_run import RunSettings, run_replication
from parity.simulation.scenarios import load_scenario
from parity.simulation.summary import summarise


class Fingerprinted(Simulation):
    """The engine, hashing each decision as it is made."""

    digest = hashlib.sha256()

    def _after(self, decision: Decision | None) -> None:
        if decision is not None:
            fields = (
                decision.request_id,
                decision.action,
                decision.standard,
                decision.timely,
                decision.slot_id,
                decision.appointment_id,
                decision.referral_id,
                decision.starts_at,
                decision.deadline,
            )
            self.digest.update(repr(fields).encode())
        super()._after(decision)


def engine_run(booking: BookingPolicy, scale: float, weeks: int) -> dict[str, object]:
    policy = Policy(load_rules(), load_contract("socal-2025"))
    region = build_region(load_region("socal"), policy.contract, scale, seed=7)
    config = SimulationConfig(
        weeks=weeks, warmup_weeks=4, start=date(2026, 1, 5), seed=7, booking=booking
    )
    simulation = Fingerprinted(region, policy, config)
    simulation.digest = hashlib.sha256()
    started = timer.process_time()
    run = simulation.run()
    cpu = timer.process_time() - started
    print(f"{booking}: {cpu:.1f} CPU s, {run.decisions:,} decisions", file=sys.stderr)
    summary = summarise(run.uow, simulation.policy, simulation.config, region.member_count)
    return {
        **summary.as_dict(),
        **run_figures(run, simulation.config),
        "bookings": run.bookings,
        "decisions": run.decisions,
        "errors": run.errors,
        "visit_hours": run.visit_hours,
        "measured_visit_hours": run.measured_visit_hours,
        "episodes_seen": len(run.episodes_seen),
        "decisions_digest": simulation.digest.hexdigest(),
    }


def scenario_run(scale: float) -> dict[str, object]:
    scenario = load_scenario("socal-union-2024", [])
    settings = RunSettings(years=1, scale=scale, warmup_weeks=4)
    started = timer.process_time()
    result = run_replication(scenario, settings, 0, seed=11)
    print(f"scenario: {timer.process_time() - started:.1f} CPU s", file=sys.stderr)
    return {"months": [repr(m) for m in result.months], "errors": result.errors}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--scenario-scale", type=float, default=0.01)
    args = parser.parse_args()
    runs = {str(b): engine_run(b, args.scale, args.weeks) for b in BookingPolicy}
    runs["scenario"] = scenario_run(args.scenario_scale)
    print(json.dumps(runs, indent=1, sort_keys=True, default=str))


if __name__ == "__main__":
    main()
