"""`scenarios compare` says in plain words which paired differences the runs settle."""

from __future__ import annotations

from parity.entrypoints.reports.scenarios import conclusions
from parity.simulation.outcomes import Band, ScenarioOutcome
from parity.simulation.scenarios import load_scenario


def _outcome(name: str, paired: dict[str, Band]) -> ScenarioOutcome:
    return ScenarioOutcome(load_scenario(name, []), [], {}, {}, {}, 8, 0, paired)


def test_only_intervals_that_exclude_zero_are_called_robust() -> None:
    employer = _outcome("socal-employer-2024", {})
    union = _outcome(
        "socal-union-2024",
        {
            "violations": Band(-120.0, -180.0, -60.0, 8),  # settled: fewer
            "departures": Band(-2.0, -5.0, 1.0, 8),  # straddles zero
            "appointments_delivered": Band(-900.0, -1200.0, -600.0, 8),
            "hires": Band(None, None, None, 0),  # no figure: said nothing about
        },
    )
    robust, unsettled = conclusions([employer, union])
    assert len(robust) == 2
    assert any("fewer violations" in line and "-120" in line for line in robust)
    assert any("fewer appointments delivered" in line for line in robust)
    assert len(unsettled) == 1
    assert "departures: not settled" in unsettled[0]
