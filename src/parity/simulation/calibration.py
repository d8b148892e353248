"""Calibration: the plan's old practice, simulated, beside the public record (ADR 0014).

With the `status-quo` booking policy under the contract then in force (`socal-cap-2022`),
the simulated region should reproduce what the regulator and the press reported. The
targets and their sources live in the region file's `[calibration]` table; the fitted
behaviour (members' patience, outside capacity) in `[status_quo]`, with the fit recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from parity.adapters.rules_files import (
    RegionSpec,
    load_contract,
    load_region,
    load_rules,
)
from parity.domain.standards import RuleSet
from parity.services.policy import Policy
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.engine import Simulation, SimulationConfig, SimulationRun
from parity.simulation.region import build_region
from parity.simulation.region_figures import with_overrides
from parity.simulation.run_figures import booked_hours_per_fte_week, outside_share
from parity.simulation.summary import Summary, summarise


@dataclass(frozen=True)
class Target:
    name: str
    low: float
    high: float
    source: str
    # What the region file says about a target the model does not reach, and why.
    note: str = ""

    def met(self, value: float | None) -> bool:
        return value is not None and self.low <= value <= self.high


@dataclass(frozen=True)
class CalibrationRun:
    contract: str = "socal-cap-2022"
    scale: float = 0.05
    weeks: int = 26
    warmup_weeks: int = 104
    seed: int = 7
    start: date = date(2022, 1, 3)


def targets(spec: RegionSpec) -> list[Target]:
    """The region's calibration targets: `[calibration]` entries `{low, high, source}`."""
    return [
        Target(
            name,
            float(entry["low"]),
            float(entry["high"]),
            str(entry["source"]),
            str(entry.get("note", "")),
        )
        for name, entry in spec.calibration.items()
        if isinstance(entry, Mapping)
    ]


def figures(summary: Summary, run: SimulationRun, weeks: int) -> dict[str, float | None]:
    """The simulated figure for each calibration target."""
    follow_up, initial = summary.groups["follow-up"], summary.groups["initial"]
    # Users in a year: the episodes seen in the window (a visit in or out of network) plus
    # the episodes that start in the rest of the year (a member rarely has two a year).
    rest_of_year = run.starts_per_week * max(0, 52 - weeks)
    users = (len(run.episodes_seen) + rest_of_year) / summary.members if summary.members else None
    return {
        "follow_up_mean_wait_business_days": follow_up.mean_wait,
        "initial_within_standard": initial.share_within_standard,
        "outside_share": outside_share(run),
        "outpatient_users_per_member_year": users,
    }


def simulate(
    spec: RegionSpec,
    settings: CalibrationRun,
    rules: RuleSet | None = None,
    on_day: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, float | None], Simulation]:
    """One status-quo run of the region; returns the calibration figures."""
    contract = load_contract(settings.contract)
    policy = Policy(rules or load_rules(), contract)
    region = build_region(spec, contract, settings.scale, settings.seed)
    config = SimulationConfig(
        weeks=settings.weeks,
        warmup_weeks=settings.warmup_weeks,
        start=settings.start,
        seed=settings.seed,
        booking=BookingPolicy.STATUS_QUO,
        settle=True,
    )
    simulation = Simulation(region, policy, config)
    run = simulation.run(on_day)
    summary = summarise(run.uow, policy, simulation.config, region.member_count)
    found = figures(summary, run, settings.weeks)
    fte = sum(c.fte for c in region.clinicians)
    found["booked_hours_per_fte_week"] = booked_hours_per_fte_week(run, simulation.config, fte)
    return found, simulation


def fit_give_up(
    spec: RegionSpec,
    settings: CalibrationRun,
    target: float,
    trials: int = 4,
    report: Callable[[float, float | None], None] | None = None,
) -> float:
    """Search members' patience (`status_quo.give_up_business_days`, log scale) for the
    value whose simulated mean follow-up wait is nearest `target`: a bracket halved
    `trials` times between 1/8 and 2 times the region's current value."""
    current = float(spec.status_quo["give_up_business_days"])
    low, high = current / 8, current * 2
    best, best_gap = current, float("inf")
    for _ in range(trials):
        middle = (low * high) ** 0.5
        found, _ = simulate(
            with_overrides(spec, {"status_quo.give_up_business_days": middle}), settings
        )
        wait = found["follow_up_mean_wait_business_days"]
        if report is not None:
            report(middle, wait)
        if wait is None:
            break
        if abs(wait - target) < best_gap:
            best, best_gap = middle, abs(wait - target)
        # More patience keeps more members waiting: waits grow with the parameter.
        low, high = (middle, high) if wait < target else (low, middle)
    return best


def load_calibrated(
    region: str = "socal", overrides: Mapping[str, Any] | None = None
) -> RegionSpec:
    spec = load_region(region)
    return with_overrides(spec, overrides or {})
