"""Wire the rules and adapters together; nothing connects or loads at import time."""

from __future__ import annotations

from datetime import date

from parity.adapters.rules_files import load_contract, load_region, load_rules
from parity.config import Settings
from parity.services.policy import Policy
from parity.simulation.engine import Simulation, SimulationConfig
from parity.simulation.region import build_region


def build_policy(settings: Settings, contract: str | None = None) -> Policy:
    """Load the jurisdiction's standards and the contract preset named in settings."""
    return Policy(load_rules(settings.jurisdiction), load_contract(contract or settings.contract))


def build_simulation(
    settings: Settings,
    *,
    weeks: int,
    scale: float,
    contract: str | None = None,
    region: str | None = None,
    warmup_weeks: int = 26,
    start: date = date(2026, 1, 5),
) -> tuple[Simulation, int]:
    """A ready-to-run simulation of a synthetic region and its member count."""
    policy = build_policy(settings, contract)
    spec = load_region(region or settings.region)
    synthetic = build_region(spec, policy.contract, scale, settings.seed)
    config = SimulationConfig(
        weeks=weeks, warmup_weeks=warmup_weeks, start=start, seed=settings.seed
    )
    return Simulation(synthetic, policy, config), synthetic.member_count
