"""A figure whose runs split into two groups far apart is reported as not decision-grade
(ADR 0014: under the status quo, initial offers sit at the edge of the standard and a run
either stays inside it or tips past it for months)."""

from __future__ import annotations

from parity.entrypoints.reports.scenarios import (
    FANS,
    HEADLINE,
    conclusions,
    not_decision_grade,
    show_life,
    to_html,
)
from parity.simulation.outcomes import Band, ScenarioOutcome, split_runs
from parity.simulation.scenarios import load_scenario

INITIAL = next(f for f in HEADLINE if f.key == "initial_within_standard")


def test_runs_in_two_tight_groups_far_apart_split() -> None:
    split = split_runs([0.90, 0.44, 0.89, 0.46], 0.10)
    assert split is not None
    assert split.low == (0.44, 0.46)
    assert split.high == (0.89, 0.90)
    assert round(split.gap, 2) == 0.43


def test_a_wide_but_even_spread_is_not_a_split() -> None:
    # Widest gap 0.15 (0.60 -> 0.75); the runs above it spread 0.18, more than half of it.
    assert split_runs([0.60, 0.75, 0.90, 0.93], 0.10) is None


def test_a_gap_smaller_than_what_matters_is_not_a_split() -> None:
    # Two tight groups, but 5 points apart: under the 10 points that matter.
    assert split_runs([0.90, 0.901, 0.95, 0.951], 0.10) is None


def test_two_runs_cannot_show_a_split() -> None:
    assert split_runs([0.44, 0.90], 0.10) is None
    assert split_runs([0.44, None, 0.90], 0.10) is None


def _outcome(name: str, initial: list[float | None], paired: dict[str, Band]) -> ScenarioOutcome:
    present = [v for v in initial if v is not None]
    life = {f.key: Band(None, None, None, 0) for f in HEADLINE}
    life["initial_within_standard"] = Band(sum(present) / len(present), None, None, 4)
    return ScenarioOutcome(
        load_scenario(name, []),
        [],
        {key: [] for key, _, _ in FANS},
        life,
        dict(life),
        4,
        0,
        paired,
        4,
        "",
        {"initial_within_standard": initial},
    )


def test_a_split_figure_is_said_to_be_not_decision_grade_and_not_called_robust() -> None:
    employer = _outcome("socal-employer-2024", [0.93, 0.94, 0.935, 0.94], {})
    # Two runs near 45 %, two near 90 %: the paired interval excludes zero, but its mean
    # describes neither group.
    union = _outcome(
        "socal-union-2024",
        [0.45, 0.90, 0.91, 0.44],
        {"initial_within_standard": Band(-0.27, -0.50, -0.04, 4)},
    )
    lines = not_decision_grade([employer, union])
    assert len(lines) == 1
    assert lines[0].startswith("socal-union-2024, initial offers within standard")
    assert "2 at 44.0% to 45.0% and 2 at 90.0% to 91.0%" in lines[0]
    assert "not decision-grade at 4 runs" in lines[0]
    assert "split in two" in lines[0]
    robust, unsettled = conclusions([employer, union])
    assert robust == []
    assert unsettled == []
    assert show_life(union, INITIAL).endswith("(not decision-grade)")
    assert not show_life(employer, INITIAL).endswith("(not decision-grade)")


def test_runs_spread_over_twice_what_matters_are_not_decision_grade_though_not_split() -> None:
    # Runs that crossed the tipping point for different lengths of time: no widest gap
    # stands out (20.7 points beside a 26.8-point spread below it), but they span 47.5.
    runs: list[float | None] = [0.494, 0.630, 0.762, 0.969]
    assert split_runs(runs, 0.10) is None
    employer = _outcome("socal-employer-2024", [0.93, 0.94, 0.935, 0.94], {})
    union = _outcome(
        "socal-union-2024", runs, {"initial_within_standard": Band(-0.22, -0.40, -0.04, 4)}
    )
    lines = not_decision_grade([employer, union])
    assert len(lines) == 1
    assert "the 4 runs spread from 49.4% to 96.9%" in lines[0]
    assert conclusions([employer, union]) == ([], [])
    # Spread over less than 20 points: a level, however loose.
    assert (
        not_decision_grade([employer, _outcome("socal-union-2024", [0.80, 0.85, 0.90, 0.95], {})])
        == []
    )


def test_the_html_report_has_a_not_decision_grade_section_only_when_a_figure_splits() -> None:
    employer = _outcome("socal-employer-2024", [0.93, 0.94, 0.935, 0.94], {})
    union = _outcome("socal-union-2024", [0.45, 0.90, 0.91, 0.44], {})
    steady = _outcome("socal-union-2024", [0.90, 0.91, 0.92, 0.91], {})
    run = {"runs": 4, "years": 1, "region": "socal", "scale": 0.01, "clinicians": 24}
    run |= {"sites": 3, "warmup": 156, "seed": 7, "workers": "in process", "seconds": 1}
    split = to_html([employer, union], run)
    assert "Not decision-grade" in split
    assert "(not decision-grade)" in split
    assert "Not decision-grade" not in to_html([employer, steady], run)
