"""Independent random streams, one per process of the simulation (ADR 0014).

A single generator shared by arrivals, cancellations and no-shows lets a booking decision
shift every later arrival: two contracts run with the same seed then see different members
arrive, and their difference mixes the contract with noise. Each process draws from its
own stream, spawned from the run's seed with numpy's `SeedSequence`, so paired runs share
their arrivals and session counts draw for draw whatever the contract does to bookings.

An episode's own chances (no-shows, cancellations, exceptions, give-ups) are not drawn from
these streams but keyed by the episode (keyed_draws.py): a stream would deal them in event
order, which the contract changes. The streams of those processes serve only a request
outside any episode.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

PROCESSES = (
    "arrivals",
    "sessions",
    "cancellations",
    "no_shows",
    "departures",
    "leave",
    "exceptions",
)


@dataclass(frozen=True)
class Streams:
    arrivals: random.Random
    sessions: random.Random
    cancellations: random.Random
    no_shows: random.Random
    departures: random.Random
    leave: random.Random
    exceptions: random.Random


def streams_for(seed: int) -> Streams:
    """One `random.Random` per process, seeded from `SeedSequence(seed).spawn(...)`."""
    children = np.random.SeedSequence(seed).spawn(len(PROCESSES))
    generators = [random.Random(int(c.generate_state(2, np.uint64)[0])) for c in children]
    return Streams(*generators)
