"""Figures of one run beyond compliance: where sessions were delivered, who gave up, and
whether the warm-up reached a steady state (ADR 0014)."""

from __future__ import annotations

from parity.simulation.engine import SimulationConfig, SimulationRun


def outside_share(run: SimulationRun) -> float | None:
    """Share of sessions delivered outside the plan's own clinicians (contracted or
    out-of-network), over the measured window."""
    total = run.in_network_sessions + run.outside_sessions
    return run.outside_sessions / total if total else None


def booked_hours_per_fte_week(run: SimulationRun, config: SimulationConfig, fte: float) -> float:
    """Direct-care hours held (attended or no-show) per FTE-week over the measured window."""
    return run.measured_visit_hours / (fte * config.weeks) if fte and config.weeks else 0.0


def run_figures(run: SimulationRun, config: SimulationConfig) -> dict[str, object]:
    share = outside_share(run)
    return {
        "policy": str(config.booking),
        "warmup_weeks": config.warmup_weeks,
        "steady_state": run.steady_state,
        "steady_state_check": run.steady_check,
        "sessions_in_network": run.in_network_sessions,
        "sessions_outside": round(run.outside_sessions, 1),
        "outside_share": None if share is None else round(share, 4),
        "episodes_referred_outside": run.outside_episodes,
        "members_gave_up": run.gave_up,
        "leave_weeks_recorded": run.leave_weeks,
    }
