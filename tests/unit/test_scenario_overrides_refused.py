"""A planner's override that a run would ignore, misread or crash on is refused before
any run, naming the key and what it must be (ADR 0014, "A planner's overrides"): a key no
parameter is read from, a region figure the region does not have, a value of another
shape than the region's own figure. What the tornado varies is still accepted."""

from __future__ import annotations

import re

import pytest

from parity.adapters.rules_files import load_region
from parity.domain.errors import RuleFileError
from parity.simulation.scenarios import load_scenario
from parity.simulation.tornado import estimates, variants

SCENARIO = "socal-employer-2024"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        # A key nothing reads: misspelt, or a region figure set as a scenario's.
        ("titel=x", "titel is read by nothing"),
        ("turnover.wage_elastisity=1.5", "turnover.wage_elastisity is read by nothing"),
        ("demand.psychiatry_share=0.2", "region_overrides.demand.KEY"),
        ("workforce.leave_weeks_per_year=3", "workforce is not a scenario table"),
        # A table replaced by a value.
        ("demand=5", "demand is a table; set one of demand.growth_per_year"),
        ("pay.increases=5", "pay.increases must be a list of yearly raises"),
        # Region figures: a table or key the region does not have.
        ("region_overrides.nope.x=1", "region_overrides.nope is not a region table"),
        ("region_overrides.demand.psychiatry_shar=0.1", "names no figure of region socal"),
        ("region_overrides.status_quo.fit=x", "names no figure of region socal"),
        # ...or a value of another shape than the region's own.
        ("region_overrides.demand.psychiatry_share=abc", "must be a number, got 'abc'"),
        ("region_overrides.demand.psychiatry_share=5", "must be in [0, 1], got 5"),
        ("region_overrides.demand.no_show_intake=-0.1", "must not be negative"),
        ("region_overrides.workforce.session_minutes=55.5", "must be a whole number"),
        ("region_overrides.status_quo.intakes_in_follow_up_slots=1", "must be true or false"),
        ("region_overrides.demand.sessions_max=true", "must be a number"),
        ("region_overrides.demand.cadence_weeks=[1, 2]", "must be a list of 3"),
        ("region_overrides.demand.cadence_shares=[0.5, 0.5, 0.5]", "must sum to 1"),
        ("region_overrides.demand.modality_shares={video = 1.0}", "must be a table with keys"),
    ],
)
def test_an_override_a_run_would_not_honour_is_refused(override: str, message: str) -> None:
    with pytest.raises(RuleFileError, match=re.escape(message)):
        load_scenario(SCENARIO, [override])


def test_region_overrides_take_the_region_figures_own_type() -> None:
    scenario = load_scenario(
        SCENARIO,
        [
            "region_overrides.workforce.session_minutes=45.0",
            "region_overrides.workforce.leave_weeks_per_year=3",
            "region_overrides.demand.cadence_shares=[0.5, 0.25, 0.25]",
            "region_overrides.status_quo.intakes_in_follow_up_slots=false",
        ],
    )
    found = scenario.region_overrides
    assert found["workforce.session_minutes"] == 45
    assert type(found["workforce.session_minutes"]) is int
    assert type(found["workforce.leave_weeks_per_year"]) is float
    assert found["demand.cadence_shares"] == [0.5, 0.25, 0.25]
    assert found["status_quo.intakes_in_follow_up_slots"] is False


def test_a_per_unit_rate_may_exceed_one() -> None:
    # outside_episodes_per_week_per_fte is 0.3 in the region but a rate, not a fraction.
    scenario = load_scenario(
        SCENARIO, ["region_overrides.status_quo.outside_episodes_per_week_per_fte=1.2"]
    )
    assert scenario.region_overrides["status_quo.outside_episodes_per_week_per_fte"] == 1.2


def test_every_tornado_variant_is_accepted() -> None:
    first, second = load_scenario(SCENARIO), load_scenario("socal-union-2024")
    assumptions = estimates(first)
    region_keys = [a for a in assumptions if a.key.startswith("region_overrides.")]
    assert region_keys, "the region's ESTIMATE figures are among the tornado's assumptions"
    pairs = variants(first, second, assumptions)
    assert len(pairs) == 2 + 4 * len(assumptions)
    spec = load_region("socal")
    for assumption in region_keys:
        _, table, key = assumption.key.split(".", 2)
        base = getattr(spec, table)[key]
        changed = [p for p in pairs if f"|{assumption.key}|" in p.name]
        values = {p.region_overrides[f"{table}.{key}"] for p in changed}
        assert len(values) == 2
        assert all(type(v) is type(base) for v in values)
