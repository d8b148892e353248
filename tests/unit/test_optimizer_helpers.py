"""Checks of the optimizer test helpers themselves (the brute-force matching) and of the
packaged weights' tiering."""

from __future__ import annotations

from optimizer_support import WEIGHTS, brute_force_matching

from parity.optimizer import DayPart


def test_the_packaged_weights_put_medium_above_every_soft_cost_of_one_request() -> None:
    most_soft = (
        WEIGHTS.continuity
        + WEIGHTS.off_preferred_time
        + WEIGHTS.other_area
        + WEIGHTS.move_offered
        + max(WEIGHTS.caseload_band_costs)
    )
    assert WEIGHTS.unplaced_per_business_day_closer > most_soft
    assert DayPart.MORNING in DayPart


def test_the_brute_force_matching_finds_an_augmenting_path() -> None:
    # r1 can take s1 or s2, r2 only s1: both fit only if r1 moves over.
    assert brute_force_matching({1: [1, 2], 2: [1]}) == 2
    assert brute_force_matching({1: [1], 2: [1]}) == 1
