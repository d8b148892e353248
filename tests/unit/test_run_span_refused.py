"""A simulated run whose days the business calendar cannot count, or no date can hold, is
refused before it starts, naming the day (ADR 0014, "A region's figures read for what they
mean"): a start near year 9999 was an `OverflowError` traceback, and a run reaching past the
calendar's last listed year failed midway."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from parity.adapters.rules_files import data_dir, load_rules
from parity.domain.errors import InvalidInput
from parity.entrypoints.cli.app import app
from parity.simulation import montecarlo
from parity.simulation.engine import check_span
from parity.simulation.montecarlo import plan_jobs, run_jobs
from parity.simulation.run_state import SimulationConfig
from parity.simulation.scenario_run import RunSettings
from parity.simulation.scenarios import load_scenario

runner = CliRunner()
CALENDAR = tomllib.loads((data_dir("calendars") / "california-state.toml").read_text())
LAST_YEAR = int(CALENDAR["last_year"])


def _simulate(*args: str) -> tuple[int, str]:
    result = runner.invoke(
        app,
        ["simulate", "--region", "demo", "--scale", "0.01", "--warmup", "0", "--no-settle", *args],
    )
    return result.exit_code, " ".join(result.output.split())


def test_a_start_no_run_can_follow_is_a_clear_error() -> None:
    code, output = _simulate("--start", "9999-12-27", "--weeks", "1")
    assert code == 2
    assert "reaches past 9999-12-31, the last date there is" in output
    assert "Traceback" not in output


def test_a_run_reaching_past_the_calendars_years_is_refused_naming_the_day() -> None:
    # The last Monday of the last listed year: a week's requests have deadlines 10 and 15
    # business days later, in the next year, which the calendar does not list.
    last_monday = date(LAST_YEAR, 12, 31)
    last_monday -= timedelta(days=last_monday.weekday())
    code, output = _simulate("--start", last_monday.isoformat(), "--weeks", "1")
    assert code == 2
    assert f"lists holidays for 2019-{LAST_YEAR}" in output
    assert f"{LAST_YEAR + 1}-" in output


def test_the_calendar_bounds_a_run_by_its_deadlines_not_by_its_start() -> None:
    rules = load_rules()
    # Requests on a run's last day have deadlines up to 15 business days later (initial
    # psychiatry); worked out on the weekdays alone, that is at least three weeks.
    end_of_list = date(LAST_YEAR, 12, 31)
    room = SimulationConfig(weeks=1, warmup_weeks=0, start=end_of_list - timedelta(weeks=10))
    check_span(room, rules)
    too_late = replace(room, start=end_of_list - timedelta(weeks=2))
    assert too_late.end + timedelta(days=21) > end_of_list
    with pytest.raises(InvalidInput, match=f"{LAST_YEAR + 1}-"):
        check_span(too_late, rules)


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("9999-01-04", "reach past the first or the last date"),
        (f"{LAST_YEAR}-06-03", f"{LAST_YEAR + 1}-"),
        ("0001-01-08", "reach past the first or the last date"),
        ("0001-03-05", "0001-02-.. is outside it"),
    ],
)
def test_scenario_runs_whose_span_no_calendar_holds_are_refused_before_any_runs(
    start: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[object] = []

    def replication(*args: object) -> None:
        started.append(args)
        raise AssertionError("a replication started")

    monkeypatch.setattr(montecarlo, "run_replication", replication)
    scenario = load_scenario("socal-employer-2024", [f"start={start}"])
    jobs = plan_jobs([scenario], runs=2, base_seed=7)
    with pytest.raises(InvalidInput, match=message):
        run_jobs(jobs, RunSettings(1, 0.002, 4))
    assert started == []
