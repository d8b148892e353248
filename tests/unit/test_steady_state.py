"""The warm-up's steady-state check: a slow drift is not a steady state."""

from __future__ import annotations

from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.steady import (
    APART_WEEKS,
    STEADY_WARMUP_WEEKS,
    WINDOW_WEEKS,
    WeeklyLoad,
    is_flat,
    steady_warmup,
)


def weekly(values: list[float]) -> WeeklyLoad:
    load = WeeklyLoad()
    load.utilisation = [0.93] * len(values)
    load.lead_days = values
    return load


def test_a_lead_that_grows_three_percent_every_eight_weeks_is_not_flat() -> None:
    # 0.37 % a week: two adjacent eight-week means differ by about 3 % (under the 5 %
    # tolerance), but over the sixteen weeks between windows that end 16 weeks apart,
    # by about 6 %.
    lead = [18.0 * 1.0037**week for week in range(40)]
    adjacent = sum(lead[-8:]) / 8 / (sum(lead[-16:-8]) / 8) - 1
    assert 0.02 < adjacent < 0.05
    assert not is_flat(lead, 0.05, relative=True)
    assert not weekly(lead).flat()


def test_a_lead_that_only_wobbles_is_flat() -> None:
    lead = [25.0 + (1.0 if week % 2 else -1.0) for week in range(40)]
    assert is_flat(lead, 0.05, relative=True)
    assert weekly(lead).flat()


def test_fewer_than_twenty_four_weeks_are_too_few_to_call_flat() -> None:
    lead = [25.0] * 23
    assert not is_flat(lead, 0.05, relative=True)
    assert weekly(lead).report() == "warm-up too short to check for a steady state"
    assert is_flat([25.0] * 24, 0.05, relative=True)


def test_utilisation_is_compared_in_points_not_shares() -> None:
    # From 0.90 to 0.915 is 1.5 points (flat at 2 points) though over 1.6 %.
    use = [0.90] * 16 + [0.915] * 8
    assert is_flat(use, 0.02, relative=False)
    assert not is_flat([0.90] * 16 + [0.925] * 8, 0.02, relative=False)


def test_paired_runs_warm_up_as_long_as_the_slowest_policy_needs() -> None:
    both = steady_warmup([BookingPolicy.PARITY, BookingPolicy.STATUS_QUO])
    assert both == STEADY_WARMUP_WEEKS[BookingPolicy.STATUS_QUO]
    assert steady_warmup([BookingPolicy.PARITY]) == STEADY_WARMUP_WEEKS[BookingPolicy.PARITY]
    # Long enough for the check itself: two eight-week windows 16 weeks apart.
    assert min(STEADY_WARMUP_WEEKS.values()) >= WINDOW_WEEKS + APART_WEEKS
