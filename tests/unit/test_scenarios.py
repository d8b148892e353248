"""Scenario files, replications, Monte Carlo batches and the comparison report."""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from parity.adapters.rules_files import data_dir
from parity.domain.errors import RuleFileError
from parity.entrypoints.scenario_commands import register
from parity.entrypoints.scenario_files import monthly_csv, summary_csv, to_html
from parity.simulation.montecarlo import plan_jobs, replication_seed, run_jobs
from parity.simulation.monthly import percentile
from parity.simulation.outcomes import band, outcomes
from parity.simulation.scenario_run import (
    ReplicationResult,
    RunSettings,
    run_replication,
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


def test_seeds_depend_only_on_the_base_seed_and_the_replication() -> None:
    jobs = plan_jobs([load_scenario(n) for n in THREE], 4, base_seed=7)
    by_replication = {(j.replication, j.seed) for j in jobs}
    assert len(by_replication) == 4  # replication i shares its seed across scenarios
    assert replication_seed(7, 2) == replication_seed(7, 2) != replication_seed(8, 2)


@pytest.fixture(scope="module")
def demo_results() -> Results:
    scenarios = [tiny("socal-union-2024"), tiny("socal-employer-2024")]
    jobs = plan_jobs(scenarios, 2, base_seed=11)
    return scenarios, run_jobs(jobs, TINY, batch_size=1)


def test_batching_changes_nothing(demo_results: Results) -> None:
    scenarios, results = demo_results
    again = run_jobs(plan_jobs(scenarios, 2, base_seed=11), TINY, batch_size=3)
    assert again == results


def test_a_replication_reports_every_month_of_the_contract(
    demo_results: Results,
) -> None:
    _, results = demo_results
    first = results[0]
    assert [m.month for m in first.months][:3] == ["2024-10", "2024-11", "2024-12"]
    assert len(first.months) == 12
    assert first.errors == 0
    month = first.months[2]
    assert month.headcount > 0
    assert month.capacity_hours > 0
    assert month.payroll_usd > 0
    assert month.appointments_delivered > 0
    assert sum(a.decided for a in month.access.values()) > 0


def test_seven_protected_hours_leave_less_capacity_than_four(
    demo_results: Results,
) -> None:
    scenarios, results = demo_results
    found = outcomes(scenarios, results)
    union, employer = found
    assert union.life["capacity_hours"].mean < employer.life["capacity_hours"].mean
    assert union.versus_first["capacity_hours"].mean == 0
    assert employer.versus_first["capacity_hours"].mean > 0


def test_the_report_is_self_contained_and_the_csvs_hold_every_month(
    demo_results: Results,
) -> None:
    scenarios, results = demo_results
    found = outcomes(scenarios, results)
    facts = {"runs": 2, "years": 1, "scale": 0.4, "warmup": 2, "region": "demo"}
    html = to_html(
        found, facts | {"clinicians": 8, "sites": 1, "seed": 11, "workers": "-", "seconds": 1}
    )
    assert "<script src=" not in html
    assert "Plotly" in html
    assert "socal-union-2024" in html
    assert "base_leave_rate_per_year" in html
    monthly = monthly_csv(found).splitlines()
    assert monthly[0] == "scenario,month,metric,mean,p5,p95,runs"
    assert sum(",2025-09,headcount," in line for line in monthly) == 2
    assert "minus_socal-union-2024_mean" in summary_csv(found).splitlines()[0]


def test_a_strike_takes_strikers_out_and_brings_external_cover_in() -> None:
    base = tiny("socal-strike-2024", **{"strike.starts": "2024-10-07", "strike.weeks": "4"})
    settings = RunSettings(years=1, scale=0.5, warmup_weeks=2)
    strike = run_replication(base, settings, 0, seed=5)
    calm = run_replication(replace(base, strike=None), settings, 0, seed=5)
    october, calm_october = strike.months[0], calm.months[0]
    assert october.capacity_hours < 0.6 * calm_october.capacity_hours
    assert october.payroll_usd < calm_october.payroll_usd
    assert october.external_sessions > 0
    assert calm_october.external_sessions == 0
    assert strike.months[3].external_sessions == 0  # the cover leaves with the strike


def test_bands_are_the_mean_and_the_5th_to_95th_percentiles() -> None:
    b = band([*range(101), None])
    assert (b.mean, b.low, b.high, b.runs) == (50, 5, 95, 101)
    assert band([None]).mean is None


def test_percentiles_of_a_wait_histogram() -> None:
    waits = Counter({1: 50, 2: 40, 9: 10})
    assert (percentile(waits, 0.5), percentile(waits, 0.9), percentile(waits, 0.95)) == (1, 2, 9)
    assert percentile(Counter(), 0.5) is None


def test_compare_writes_the_report_and_fails_cleanly_on_a_bad_scenario(tmp_path: Path) -> None:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """A host for the sub-app, as cli.py is."""

    register(app)
    runner = CliRunner()
    output = tmp_path / "report.html"
    args = ["scenarios", "compare", "socal-union-2024", "socal-2025", "--years", "1", "--runs", "2"]
    tiny_run = ["--scale", "0.2", "--warmup", "1", "--workers", "0", "--region", "demo"]
    result = runner.invoke(app, [*args, *tiny_run, "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert output.exists()
    assert (tmp_path / "report-monthly.csv").exists()
    assert (tmp_path / "report-summary.csv").read_text().count("socal-2025,") > 10
    bad = runner.invoke(app, ["scenarios", "compare", "nope", "--workers", "0"])
    assert bad.exit_code == 2
    assert "no scenario named 'nope'" in bad.output
