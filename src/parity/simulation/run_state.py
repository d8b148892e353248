"""The state of one simulated run: its configuration, its episodes and its counters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from parity.domain.members import Member
from parity.domain.ports import UnitOfWork
from parity.services.policy import Policy
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.keyed_draws import EPISODE_PURPOSES
from parity.simulation.steady import WeeklyLoad


@dataclass(slots=True)
class Episode:
    member: Member
    sessions_planned: int
    cadence_days: int
    course_id: int | None = None
    sessions_done: int = 0
    serial: int = 0  # the run's count of episodes when it began: its name in `episodes_seen`
    # How many keyed draws of each purpose it has made (keyed_draws.py), by `Purpose`.
    drawn: list[int] = field(default_factory=lambda: [0] * EPISODE_PURPOSES)


@dataclass(frozen=True)
class SimulationConfig:
    weeks: int = 12
    warmup_weeks: int = 26
    start: date = date(2026, 1, 5)
    seed: int = 7
    register_members: bool = False
    booking: BookingPolicy = BookingPolicy.PARITY
    # Extend the warm-up four weeks at a time until the load is flat (steady.py).
    settle: bool = False
    max_warmup_weeks: int = 156
    # On the in-memory store, count finished requests as the run goes and forget their
    # records (folding.py): the figures are the same either way, the memory is not.
    forget_finished: bool = True

    @property
    def measure_from(self) -> date:
        return self.start + timedelta(weeks=self.warmup_weeks)

    @property
    def end(self) -> date:
        return self.measure_from + timedelta(weeks=self.weeks)


@dataclass
class SimulationRun:
    uow: UnitOfWork
    policy: Policy
    config: SimulationConfig
    bookings: int = 0
    decisions: int = 0
    errors: list[str] = field(default_factory=list)
    load: WeeklyLoad = field(default_factory=WeeklyLoad)
    # Measured window only: sessions attended in network and (expected) outside it.
    in_network_sessions: int = 0
    outside_sessions: float = 0.0
    outside_episodes: int = 0
    gave_up: int = 0
    leave_weeks: int = 0
    # The steady-state check made when the warm-up ended (steady.py).
    steady_state: bool = False
    steady_check: str = "not checked"
    episodes_seen: set[int] = field(default_factory=set)  # their serial numbers
    episodes_begun: int = 0
    starts_per_week: float = 0.0
    visit_hours: float = 0.0  # booked direct-care hours held (attended or not)
    measured_visit_hours: float = 0.0
