"""Scenario runs: replications and Monte Carlo batches through the booking services, and the
comparison report they write (seconds each; statistical, so they live apart from the unit
tests)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from parity.entrypoints.cli.scenarios import register
from parity.entrypoints.reports.scenarios import monthly_csv, summary_csv, to_html
from parity.simulation.montecarlo import plan_jobs, run_jobs
from parity.simulation.outcomes import outcomes
from parity.simulation.scenario_run import (
    ReplicationResult,
    RunSettings,
    run_replication,
)
from parity.simulation.scenarios import Scenario, load_scenario

# One set of demo runs serves the whole module: its tests run in one test process
# (docs/adr/0019-two-test-processes.md).
pytestmark = pytest.mark.xdist_group("scenario-runs")

Results = tuple[list[Scenario], list[ReplicationResult]]
THREE = ("socal-union-2024", "socal-employer-2024", "socal-2025")
TINY = RunSettings(years=1, scale=0.4, warmup_weeks=2)


def tiny(name: str, **overrides: str) -> Scenario:
    """A scenario on the four-clinic demo region, over four months."""
    return load_scenario(name, ['region="demo"', *(f"{k}={v}" for k, v in overrides.items())])


@pytest.fixture(scope="module")
def demo_results() -> Results:
    scenarios = [tiny("socal-union-2024"), tiny("socal-employer-2024")]
    jobs = plan_jobs(scenarios, 2, base_seed=11)
    return scenarios, run_jobs(jobs, TINY, batch_size=1)


def test_each_scenario_counts_the_runs_that_began_measuring_from_a_steady_load(
    demo_results: Results,
) -> None:
    scenarios, results = demo_results
    assert not any(r.steady for r in results)  # two weeks are too few to tell
    marked = [replace(r, steady=r.replication == 0) for r in results]
    found = outcomes(scenarios, marked)
    assert [o.steady_runs for o in found] == [1, 1]
    assert found[0].unsteady_check == "warm-up too short to check for a steady state"


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
    # A one-week warm-up cannot show a steady load: the output says so for every run.
    said = " ".join(result.output.split())
    assert "socal-2025: 0 of 2 runs flat when measuring began (warm-up 1 weeks)" in said
    assert "warm-up too short to check for a steady state" in said
    assert "0 of 2 flat when measuring began" in output.read_text()
    bad = runner.invoke(app, ["scenarios", "compare", "nope", "--workers", "0"])
    assert bad.exit_code == 2
    assert "no scenario named 'nope'" in bad.output
