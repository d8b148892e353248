"""The warm-up's steady-state check: a slow drift is not a steady state."""

from __future__ import annotations

import tomllib
from dataclasses import replace

from parity.adapters.rules_files import data_dir, load_region
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.scenario_run import paired_warmup
from parity.simulation.scenarios import load_scenario
from parity.simulation.steady import (
    APART_WEEKS,
    WINDOW_WEEKS,
    WeeklyLoad,
    is_flat,
    steady_warmup,
    warmup_weeks,
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
    # Two made-up warm-ups in the region's behaviour tables, so the figures can only come
    # from there.
    socal = load_region("socal")
    spec = replace(
        socal,
        status_quo={**socal.status_quo, "steady_warmup_weeks": 61},
        parity={**socal.parity, "steady_warmup_weeks": 37},
    )
    assert steady_warmup([(spec, BookingPolicy.PARITY), (spec, BookingPolicy.STATUS_QUO)]) == 61
    assert steady_warmup([(spec, BookingPolicy.PARITY)]) == 37


def test_the_warm_up_is_the_region_files_measured_figure() -> None:
    # Read independently of the loader: the region file's tables as TOML.
    table = tomllib.loads((data_dir("regions") / "socal.toml").read_text())
    status_quo = table["status_quo"]["steady_warmup_weeks"]
    parity = table["parity"]["steady_warmup_weeks"]
    union = load_scenario("socal-union-2024")
    employer = load_scenario("socal-employer-2024")
    assert paired_warmup([union, employer]) == parity
    mixed = [union, replace(employer, booking=BookingPolicy.STATUS_QUO)]
    assert paired_warmup(mixed) == max(parity, status_quo)
    # A scenario's own region override is the figure its runs use.
    longer = replace(union, region_overrides={"parity.steady_warmup_weeks": parity + 8})
    assert paired_warmup([longer, employer]) == parity + 8


def test_every_regions_warm_up_is_long_enough_to_check() -> None:
    # Long enough for the check itself: two eight-week windows 16 weeks apart.
    for name in ("socal", "demo"):
        spec = load_region(name)
        for policy in BookingPolicy:
            assert warmup_weeks(spec, policy) >= WINDOW_WEEKS + APART_WEEKS
