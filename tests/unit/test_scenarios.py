"""Scenario files, replications, Monte Carlo batches and the comparison report."""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import pytest

from parity.adapters.rules_files import data_dir, load_rules
from parity.domain.errors import RuleFileError
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.montecarlo import plan_jobs, replication_seed
from parity.simulation.monthly import percentile
from parity.simulation.outcomes import band
from parity.simulation.scenario_run import (
    ReplicationResult,
    RunSettings,
    paired_warmup,
    simulation_config,
)
from parity.simulation.scenarios import Scenario, load_scenario
from parity.simulation.workforce import PensionPlan

Results = tuple[list[Scenario], list[ReplicationResult]]
THREE = ("socal-union-2024", "socal-employer-2024", "socal-2025")
TINY = RunSettings(years=1, scale=0.4, warmup_weeks=2)


def tiny(name: str, **overrides: str) -> Scenario:
    """A scenario on the four-clinic demo region, over four months."""
    return load_scenario(name, ['region="demo"', *(f"{k}={v}" for k, v in overrides.items())])


def test_every_figure_in_the_scenario_files_names_its_source() -> None:
    for path in data_dir("scenarios").glob("*.toml"):
        table = tomllib.loads(path.read_text())
        for section, values in table.items():
            if not isinstance(values, dict):
                continue
            for key, value in values.items():
                if isinstance(value, int | float | list) and not key.endswith("_source"):
                    assert values.get(f"{key}_source"), (
                        f"{path.name}: {section}.{key} has no source"
                    )


def test_the_three_proposals_differ_in_protected_hours_pension_and_wages() -> None:
    union, employer, ratified = (load_scenario(n) for n in THREE)
    assert [s.contract.ipc_hours_per_week_fte for s in (union, employer, ratified)] == [7, 4, 5]
    assert [s.plan for s in (union, employer, ratified)] == [
        PensionPlan.DEFINED_BENEFIT,
        PensionPlan.NONE,
        PensionPlan.CASH_BALANCE,
    ]
    assert union.pay.increases == (0.06, 0.06, 0.055, 0.05)
    assert employer.pay.increases == ratified.pay.increases == (0.055, 0.055, 0.05, 0.04)
    assert union.start == employer.start == ratified.start


def test_a_scenario_inherits_its_base_and_overrides_what_it_names() -> None:
    strike = load_scenario("socal-strike-2024")
    employer = load_scenario("socal-employer-2024")
    assert strike.contract == employer.contract
    assert strike.pay == employer.pay
    assert strike.strike is not None
    assert employer.strike is None
    assert strike.strike.weeks == 28


def test_any_parameter_can_be_overridden_from_the_command_line() -> None:
    changed = load_scenario("socal-2025", ["turnover.wage_elasticity=1.5", "pay.increases=[0.1]"])
    assert changed.turnover.wage_elasticity == 1.5
    assert changed.pay.increases == (0.1,)
    assert load_scenario("socal-2025").turnover.wage_elasticity == 2.0


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("turnover.wage_elasticity=-1", "turnover.wage_elasticity must be a number >= 0"),
        ("turnover.base_leave_rate_per_year=1.5", "must be a share in [0, 1]"),
        ("pension.plan=gold", "pension.plan must be one of"),
        ("no equals sign", "TABLE.KEY=VALUE"),
    ],
)
def test_a_bad_value_names_the_scenario_and_the_key(override: str, message: str) -> None:
    with pytest.raises(RuleFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_scenario("socal-2025", [override])


def test_an_unknown_scenario_lists_the_known_ones() -> None:
    with pytest.raises(RuleFileError, match="socal-union-2024"):
        load_scenario("socal-2099")


def test_the_run_starts_on_a_monday_and_covers_the_contract() -> None:
    start = load_scenario("socal-2025").start
    config = simulation_config(start, date(2027, 10, 1), 13, 1)
    assert config.start.weekday() == 0
    assert config.start <= start - timedelta(weeks=13) < config.start + timedelta(weeks=1)
    assert config.measure_from <= start
    assert config.end >= date(2027, 10, 1)


@pytest.mark.parametrize(
    "name", ["socal-employer-2024", "socal-union-2024", "socal-2025", "socal-strike-2024"]
)
def test_the_longest_warm_up_begins_inside_the_business_day_calendar(name: str) -> None:
    # The status quo's warm-up before a 2024 contract begins in 2021; every deadline the
    # run counts from its first week needs that year's holidays.
    scenario = load_scenario(name)
    weeks = 156  # --warmup's longest, and the status quo's default
    assert paired_warmup([replace(scenario, booking=BookingPolicy.STATUS_QUO)]) <= weeks
    config = simulation_config(scenario.start, date(2027, 10, 1), weeks, 1)
    calendar = load_rules(scenario.jurisdiction).calendar
    first = calendar.add_business_days(config.start, 10)
    assert first > config.start


def test_seeds_depend_only_on_the_base_seed_and_the_replication() -> None:
    jobs = plan_jobs([load_scenario(n) for n in THREE], 4, base_seed=7)
    by_replication = {(j.replication, j.seed) for j in jobs}
    assert len(by_replication) == 4  # replication i shares its seed across scenarios
    assert replication_seed(7, 2) == replication_seed(7, 2) != replication_seed(8, 2)


def test_bands_are_the_mean_and_the_5th_to_95th_percentiles() -> None:
    b = band([*range(101), None])
    assert (b.mean, b.low, b.high, b.runs) == (50, 5, 95, 101)
    assert band([None]).mean is None


def test_percentiles_of_a_wait_histogram() -> None:
    waits = Counter({1: 50, 2: 40, 9: 10})
    assert (percentile(waits, 0.5), percentile(waits, 0.9), percentile(waits, 0.95)) == (1, 2, 9)
    assert percentile(Counter(), 0.5) is None
