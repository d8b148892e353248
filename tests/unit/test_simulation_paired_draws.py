"""Two runs that share their arrivals give each episode the same no-shows and cancellations,
whatever their contracts do to the order of events (ADR 0014, draws keyed by episode).

Drawn from a stream in event order, an episode's draws went to whichever visit came next:
another contract books other visits first and deals them to other episodes, so the paired
difference between contracts carried that noise."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from parity.adapters.rules_files import load_contract, load_region, load_rules
from parity.domain.care import AppointmentStatus, Decision
from parity.services.policy import Policy
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.engine import Simulation, SimulationConfig
from parity.simulation.events import Event
from parity.simulation.keyed_draws import Purpose
from parity.simulation.region import build_region

Key = tuple[int, int, str]  # (episode serial, its n-th visit or booking, the visit's type)


class _Recording(Simulation):
    """The engine, noting each episode's visits held or missed and bookings cancelled."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.visits: dict[Key, bool] = {}  # attended?
        self.bookings: dict[Key, str] = {}  # the cancellation the booking drew, if any
        self._seen: Counter[tuple[str, int]] = Counter()
        self._pushed: list[Event] = []
        self.uniforms: dict[tuple[int, str, int], float] = {}  # (serial, purpose, n) -> drawn

    def draw(self, purpose: Purpose, request_id: int) -> float:
        episode = self.episodes.get(request_id)
        drawn = super().draw(purpose, request_id)
        if episode is not None:
            self._seen[purpose.name, episode.serial] += 1
            n = self._seen[purpose.name, episode.serial]
            self.uniforms[episode.serial, purpose.name, n] = drawn
        return drawn

    def _push(self, when: Any, event: Event) -> None:
        self._pushed.append(event)
        super()._push(when, event)

    def _on_visit(self, appointment_id: int) -> None:
        appointment = self.uow.appointments.get(appointment_id)
        episode = self.episodes.get(appointment.request_id)
        super()._on_visit(appointment_id)
        status = self.uow.appointments.get(appointment_id).status
        if episode is not None and status is not AppointmentStatus.CANCELLED:
            key = self._next("visit", episode.serial, str(appointment.visit))
            self.visits[key] = status is AppointmentStatus.FULFILLED

    def _after(self, decision: Decision | None) -> None:
        self._pushed = []
        episode = None if decision is None else self.episodes.get(decision.request_id)
        super()._after(decision)
        if decision is None or decision.appointment_id is None or decision.starts_at is None:
            return
        if episode is None:
            return
        visit = str(self.uow.appointments.get(decision.appointment_id).visit)
        kinds = [type(e).__name__ for e in self._pushed if type(e).__name__ != "VisitDue"]
        self.bookings[self._next("booking", episode.serial, visit)] = ",".join(kinds)

    def _next(self, what: str, serial: int, visit: str) -> Key:
        self._seen[what, serial] += 1
        return serial, self._seen[what, serial], visit


def _run(contract_name: str) -> _Recording:
    contract = load_contract(contract_name)
    region = build_region(load_region("demo"), contract, 0.3, seed=11)
    config = SimulationConfig(
        weeks=8, warmup_weeks=1, start=date(2026, 3, 2), seed=11, booking=BookingPolicy.PARITY
    )
    simulation = _Recording(region, Policy(load_rules(), contract), config)
    assert simulation.run().errors == []
    return simulation


@pytest.fixture(scope="module")
def runs() -> tuple[_Recording, _Recording]:
    return _run("socal-cap-2022"), _run("union-demand-2024")


def _shared(first: dict[Key, Any], second: dict[Key, Any]) -> list[Key]:
    return sorted(first.keys() & second.keys())


def test_the_two_contracts_book_differently(runs: tuple[_Recording, _Recording]) -> None:
    employer, union = runs
    assert employer.bookings != union.bookings  # else the test would prove nothing
    assert employer.visits.keys() != union.visits.keys()


def test_each_episodes_nth_visit_is_missed_or_held_alike_under_both_contracts(
    runs: tuple[_Recording, _Recording],
) -> None:
    employer, union = runs
    shared = _shared(employer.visits, union.visits)
    assert len(shared) > 200
    assert sum(not employer.visits[k] for k in shared) > 10  # some no-shows among them
    assert [employer.visits[k] for k in shared] == [union.visits[k] for k in shared]


def test_each_episodes_nth_booking_draws_the_same_cancellation_under_both_contracts(
    runs: tuple[_Recording, _Recording],
) -> None:
    employer, union = runs
    shared = _shared(employer.bookings, union.bookings)
    assert len(shared) > 200
    assert sum(employer.bookings[k] != "" for k in shared) > 10  # some cancellations
    assert [employer.bookings[k] for k in shared] == [union.bookings[k] for k in shared]


def test_each_episode_draws_the_same_uniforms_of_every_purpose_under_both_contracts(
    runs: tuple[_Recording, _Recording],
) -> None:
    employer, union = runs
    shared = sorted(employer.uniforms.keys() & union.uniforms.keys())
    assert {purpose for _, purpose, _ in shared} >= {"NO_SHOW", "CANCELLATION", "EXCEPTION"}
    assert [employer.uniforms[k] for k in shared] == [union.uniforms[k] for k in shared]
