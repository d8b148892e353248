"""`parity calibrate`: the simulator under the plan's old practice beside the public record
(ADR 0014), and the run figures every simulation prints."""

from __future__ import annotations

from rich.console import Console

from parity.simulation.engine import SimulationConfig, SimulationRun
from parity.simulation.run_figures import outside_share


def print_run_figures(console: Console, run: SimulationRun, config: SimulationConfig) -> None:
    share = outside_share(run)
    shown = "n/a" if share is None else f"{share:.1%}"
    console.print(
        f"policy {config.booking}   warm-up {config.warmup_weeks} weeks   "
        f"sessions in network {run.in_network_sessions:,}   outside {run.outside_sessions:,.0f} "
        f"([bold]{shown}[/] outside the plan's clinicians)   members who gave up {run.gave_up:,}"
    )
    console.print(run.load.report())
