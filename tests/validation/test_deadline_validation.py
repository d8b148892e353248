"""Validation in the simulator's own mode, deadline and referral on (ADR 0014): the booking
services reproduce the queue's recursion request by request, and a long run of the
recursion agrees with the exact stationary solution, below, at and above a load of 1."""

from __future__ import annotations

import pytest

from parity.simulation.validation import poisson_arrivals
from parity.simulation.validation_deadline import (
    exact_deadline,
    recursion_deadline,
    recursion_figures,
    simulate_deadline_queue,
)

SLOTS, DEADLINE = 5, 3


@pytest.mark.parametrize("load", [0.8, 1.0, 1.3])
def test_the_services_book_and_refer_exactly_as_the_recursion_says(load: float) -> None:
    arrivals = poisson_arrivals(load * SLOTS, 40, seed=3)
    waits, referred = simulate_deadline_queue(arrivals, SLOTS, DEADLINE)
    expected_waits, expected_referred = recursion_deadline(arrivals, SLOTS, DEADLINE)
    assert waits == expected_waits
    assert referred == expected_referred
    assert max(waits) <= DEADLINE
    if load > 1:
        assert referred > 0  # the deadline binds: overload shows as referrals, not waits


@pytest.mark.parametrize("load", [0.8, 1.0, 1.3])
def test_the_exact_chain_agrees_with_a_long_run_of_the_recursion(load: float) -> None:
    exact = exact_deadline(load * SLOTS, SLOTS, DEADLINE)
    long_run = recursion_figures(load * SLOTS, SLOTS, DEADLINE, days=40_000, seed=1)
    assert long_run.mean_wait == pytest.approx(exact.mean_wait, rel=0.02)
    assert long_run.referred_share == pytest.approx(exact.referred_share, abs=0.005)


def test_with_one_slot_a_day_and_a_one_day_deadline_the_chain_is_the_poisson_tail() -> None:
    # B is always 0: one request a day is booked (wait 1), the rest referred. So the
    # referred share is E[max(A - 1, 0)] / λ = (λ - 1 + e^-λ) / λ.
    lam = 2.0
    exact = exact_deadline(lam, 1, 1)
    assert exact.mean_wait == pytest.approx(1.0)
    assert exact.referred_share == pytest.approx((lam - 1 + 2.718281828459045**-lam) / lam)
