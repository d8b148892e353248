"""An urgent hold still free `urgent_release_hours` before it starts is released to
follow-ups at that moment, whatever its hour of the day (ADR 0014, the non-monotone initial
share): released at midnight instead, a 13:00 hold stayed open to the morning's requests
and a 10:30 hold hardly at all, so where a contract's template put its holds decided how
many initial visits they took."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

import parity.simulation.engine as engine
from parity.adapters.rules_files import load_contract, load_region, load_rules
from parity.domain.ports import Clock, UnitOfWork
from parity.services.policy import Policy
from parity.services.status_quo import ReleaseUrgentHolds
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.engine import Simulation, SimulationConfig
from parity.simulation.region import build_region

FIRST_DAY = date(2026, 3, 2)  # a Monday
WEEK = timedelta(weeks=1)


def _releases(
    monkeypatch: pytest.MonkeyPatch, contract_name: str
) -> list[tuple[datetime, datetime]]:
    """(moment released, hold's start) for every hold a short status-quo run hands out."""
    seen: list[tuple[datetime, datetime]] = []
    real = engine.release_urgent_holds

    def recording(cmd: ReleaseUrgentHolds, uow: UnitOfWork, clock: Clock) -> int:
        with uow:
            starts = [uow.slots.get(slot_id).start for slot_id in cmd.slot_ids or ()]
        seen.extend((clock.now(), start) for start in starts)
        return real(cmd, uow, clock)

    monkeypatch.setattr(engine, "release_urgent_holds", recording)
    contract = load_contract(contract_name)
    region = build_region(load_region("demo"), contract, 0.25, seed=3)
    config = SimulationConfig(
        weeks=1, warmup_weeks=1, start=FIRST_DAY, seed=3, booking=BookingPolicy.STATUS_QUO
    )
    Simulation(region, Policy(load_rules(), contract), config).run()
    return seen


@pytest.mark.parametrize("contract_name", ["socal-cap-2022", "union-demand-2024", "socal-2025"])
def test_each_hold_is_released_its_release_hours_before_it_starts(
    monkeypatch: pytest.MonkeyPatch, contract_name: str
) -> None:
    hours = float(load_region("demo").workforce["urgent_release_hours"])
    lead = timedelta(hours=hours)
    seen = _releases(monkeypatch, contract_name)
    # Holds whose moment falls after the run's first day (earlier ones go at once).
    later = [
        (moment, start)
        for moment, start in seen
        if (start - lead).date() > FIRST_DAY and start.date() < FIRST_DAY + timedelta(weeks=2)
    ]
    assert len(later) >= 5
    assert {start - moment for moment, start in later} == {lead}


def test_holds_at_different_hours_are_released_equally_early(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The union's template puts its Monday hold after lunch (two IPC hours first), the
    employer's before it: both are released a full release window before they start."""
    hours = float(load_region("demo").workforce["urgent_release_hours"])
    for contract_name in ("union-demand-2024", "socal-cap-2022"):
        seen = _releases(monkeypatch, contract_name)
        mondays = {start - moment for moment, start in seen if start.date() == FIRST_DAY + WEEK}
        assert mondays == {timedelta(hours=hours)}
