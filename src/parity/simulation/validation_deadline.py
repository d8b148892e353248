"""Validation in the mode the simulator runs: a deadline, and referral when it cannot be met
(ADR 0014; extends the FCFS check of ADR 5 in `validation.py`).

The same stripped-down queue (one pool, `s` slots a business day, Poisson requests after
hours, earliest free slot from the next business day on), now with a deadline of D business
days: the k-th request of day t is booked at wait ceil((B + k) / s) when that is at most D,
and referred out of network otherwise. A referred request books nothing, so every later
request of that day is referred too: the day accepts min(A, D s − B) requests and

    B(t+1) = max(B(t) + min(A(t), D s − B(t)) − s, 0),

a finite chain on 0..D s that is stable at any load, above 1 included. `exact_deadline`
solves its stationary distribution (numpy); `simulate_deadline_queue` runs the same
configuration through the real services.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from parity.simulation.validation import ceil_sum, poisson_pmf, simulate_queue


@dataclass(frozen=True)
class DeadlineFigures:
    mean_wait: float  # business days, over booked requests
    referred_share: float


def exact_deadline(
    arrivals_per_day: float, slots_per_day: int, deadline_days: int
) -> DeadlineFigures:
    """The stationary mean wait of booked requests and the share referred, exactly."""
    lam, s, cap = arrivals_per_day, slots_per_day, deadline_days * slots_per_day
    top = int(lam + 12 * math.sqrt(lam) + 30)
    pmf = poisson_pmf(lam, top)
    states = cap + 1
    backlog = np.arange(states)[:, None]
    accepted = np.minimum(np.arange(top + 1)[None, :], cap - backlog)
    following = np.maximum(backlog + accepted - s, 0)
    matrix = np.zeros((states, states))
    np.add.at(matrix, (np.broadcast_to(backlog, following.shape), following), pmf[None, :])
    system = matrix.T - np.eye(states)
    system[-1, :] = 1.0
    rhs = np.zeros(states)
    rhs[-1] = 1.0
    pi = np.linalg.solve(system, rhs)
    waits = ceil_sum(backlog + accepted, s) - ceil_sum(np.broadcast_to(backlog, accepted.shape), s)
    booked = float(pi @ (accepted @ pmf))
    return DeadlineFigures(float(pi @ (waits @ pmf)) / booked, 1 - booked / lam)


def recursion_deadline(
    arrivals: list[int], slots_per_day: int, deadline_days: int
) -> tuple[list[int], int]:
    """Waits of booked requests and the number referred, day by day from an empty book."""
    backlog, waits, referred, cap = 0, [], 0, deadline_days * slots_per_day
    for count in arrivals:
        accepted = min(count, cap - backlog)
        waits += [-(-(backlog + k) // slots_per_day) for k in range(1, accepted + 1)]
        referred += count - accepted
        backlog = max(backlog + accepted - slots_per_day, 0)
    return waits, referred


def recursion_figures(
    arrivals_per_day: float, slots_per_day: int, deadline_days: int, days: int, seed: int
) -> DeadlineFigures:
    """The recursion alone over many Poisson days (its first tenth dropped)."""
    arrivals = np.random.default_rng(seed).poisson(arrivals_per_day, days).tolist()
    skip, s, cap = days // 10, slots_per_day, deadline_days * slots_per_day
    backlog, waits, booked, offered = 0, 0, 0, 0
    for day, count in enumerate(arrivals):
        accepted = min(count, cap - backlog)
        if day >= skip:
            waits += int(ceil_sum(np.array(backlog + accepted), s) - ceil_sum(np.array(backlog), s))
            booked += accepted
            offered += count
        backlog = max(backlog + accepted - s, 0)
    return DeadlineFigures(waits / booked, 1 - booked / offered)


def simulate_deadline_queue(
    arrivals: list[int], slots_per_day: int, deadline_days: int
) -> tuple[list[int], int]:
    """The same queue through `open_request` / `book_request` with the deadline on."""
    run = simulate_queue(arrivals, slots_per_day, deadline_days=deadline_days)
    return run.waits, run.referred
