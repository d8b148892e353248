"""The calibration table prints a simulated figure that agrees with its "met" column."""

from __future__ import annotations

from parity.entrypoints.cli.calibrate import _shown
from parity.simulation.calibration import Target


def share(low: float, high: float) -> Target:
    return Target("outpatient_users_per_member_year", low, high, "a source", "")


def test_a_share_just_below_its_bound_is_not_printed_as_the_bound() -> None:
    goal = share(0.12, 0.16)
    assert not goal.met(0.11996)
    assert _shown(goal, 0.11996) == "11.996%"


def test_a_share_just_above_its_upper_bound_shows_the_decimals_that_put_it_outside() -> None:
    goal = share(0.12, 0.16)
    assert _shown(goal, 0.16004) == "16.004%"


def test_a_figure_well_inside_or_outside_keeps_one_decimal() -> None:
    goal = share(0.5, 0.6)
    assert _shown(goal, 0.193) == "19.3%"
    assert _shown(goal, 0.5549) == "55.5%"


def test_a_wait_in_business_days_just_below_its_bound_shows_more_decimals() -> None:
    goal = Target("follow_up_mean_wait_business_days", 18.4, 24.4, "a source", "")
    assert _shown(goal, 21.06) == "21.1"
    assert _shown(goal, 18.396) == "18.396"
