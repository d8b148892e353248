"""A scenario replication's monthly figures are the same whether the in-memory store
forgets finished requests as the run goes or keeps every record to the end (ADR 0014)."""

from __future__ import annotations

from parity.simulation.folding import folded_of
from parity.simulation.scenario_run import ReplicationResult, RunSettings, ScenarioRun
from parity.simulation.scenarios import load_scenario

SETTINGS = RunSettings(years=1, scale=0.4, warmup_weeks=2)


def _months(forget: bool) -> tuple[ReplicationResult, int]:
    # A strike: external clinicians whose sessions are counted apart, month by month.
    scenario = load_scenario("socal-strike-2024", ['region="demo"'])
    run = ScenarioRun(scenario, SETTINGS, seed=11)
    run.simulation.forgets = forget
    result = run.run()
    folded = folded_of(run.simulation.uow)
    return result, 0 if folded is None else folded.forgotten_requests


def test_monthly_figures_counted_as_the_run_goes_equal_those_counted_from_every_record() -> None:
    from_records, none = _months(forget=False)
    as_it_went, forgotten = _months(forget=True)
    assert none == 0
    assert forgotten > 0
    # Reprs too: every count, and the waits listed in the same order.
    assert [repr(m) for m in as_it_went.months] == [repr(m) for m in from_records.months]
    assert sum(m.appointments_delivered for m in from_records.months) > 0
    assert sum(m.external_sessions for m in from_records.months) > 0
