"""Draws keyed by who they belong to, not by when they are made (ADR 0014).

A stream hands out its numbers in the order they are asked for, so any change to which
visit is booked when (another contract, another release of the urgent holds) would deal an
episode's no-show, cancellation or exception to another episode, and a paired difference
would carry that noise. A keyed draw is a pure function of (the run's seed, its purpose,
the entity it belongs to, the entity's n-th draw of that purpose): two runs that share
their arrivals give the same episode the same draws, whatever order its events come in.

The function is splitmix64's finaliser applied to each key in turn (Steele, Lea & Flood,
"Fast splittable pseudorandom number generators", OOPSLA 2014): a few integer operations,
no generator state, the same in every process (no string hashing, which Python salts).
"""

from __future__ import annotations

import hashlib
import random
from enum import IntEnum

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15  # 2**64 / the golden ratio, splitmix64's increment
TO_UNIT = 2.0**-53


class Purpose(IntEnum):
    """What a draw decides. The values are part of every keyed draw: never renumber one."""

    NO_SHOW = 1
    CANCELLATION = 2  # whether a booked visit is cancelled, and by whom
    CANCELLATION_TIME = 3  # when, within the lead time
    EXCEPTION = 4  # whether a course's clinician documents clinical exceptions
    GIVE_UP = 5  # whether a member offered a late visit or an outside wait gives up
    GIVE_UP_TIME = 6  # when, while waiting
    OFFER_ANSWER = 7  # whether a waitlisted member accepts a freed slot
    # The workforce's (scenario runs), keyed by the clinician or the opening:
    PENSION = 8  # whether a clinician at the start has a defined-benefit pension
    LEAVING = 9  # whether a clinician gives notice in a month
    NOTICE_DAY = 10  # on which of the month's first 28 days
    RECRUITING_LAG = 11  # how long a vacancy stays open
    GROWTH_PROFILE = 12  # the clinic and profile of a new authorised position
    STRIKING = 13  # whether a clinician of the unit strikes
    STRIKE_COVER = 14  # whose hours an external clinician covers
    # The templates' (every run alike: keyed by the clinician, seed 0):
    INTAKE_ROUNDING = 15  # whether a clinician's week rounds its intake quota up


EPISODE_PURPOSES = Purpose.OFFER_ANSWER + 1  # an episode counts its draws of these


M1, M2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def mix64(z: int) -> int:
    """splitmix64's finaliser: a bijection of 64-bit integers that spreads every input bit."""
    z = (z ^ (z >> 30)) * M1 & MASK
    z = (z ^ (z >> 27)) * M2 & MASK
    return z ^ (z >> 31)


def purpose_key(seed: int, purpose: Purpose) -> int:
    """The key of a run's draws of one purpose (computed once a run)."""
    return mix64((mix64((seed * GOLDEN + 1) & MASK) + int(purpose) * GOLDEN) & MASK)


def keyed_uniform(key: int, entity: int, n: int) -> float:
    """A uniform number in [0, 1), a function of `purpose_key(...)`, the entity and n."""
    # mix64(mix64(key + entity * GOLDEN) + n * GOLDEN), written out: a draw is made at
    # every booking and visit, and two calls would cost a third of its time.
    z = (key + entity * GOLDEN) & MASK
    z = (z ^ (z >> 30)) * M1 & MASK
    z = (z ^ (z >> 27)) * M2 & MASK
    z = ((z ^ (z >> 31)) + n * GOLDEN) & MASK
    z = (z ^ (z >> 30)) * M1 & MASK
    z = (z ^ (z >> 27)) * M2 & MASK
    return ((z ^ (z >> 31)) >> 11) * TO_UNIT


class KeyedDraws:
    """A run's keyed draws: `uniform(purpose, entity, n)` for the entity's n-th draw."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        # By the purpose's value (a list: indexed at every draw, faster than a dict).
        self.keys = [0] * (max(Purpose) + 1)
        for purpose in Purpose:
            self.keys[purpose] = purpose_key(seed, purpose)

    def uniform(self, purpose: Purpose, entity: int, n: int) -> float:
        return keyed_uniform(self.keys[purpose], entity, n)

    def generator(self, purpose: Purpose, entity: int, n: int) -> random.Random:
        """A generator of its own for a rare draw that needs one (a weighted choice)."""
        return random.Random(int(self.uniform(purpose, entity, n) * 2.0**53))


def entity_of(name: str) -> int:
    """A stable 64-bit number for a name (a clinician's id): not `hash()`, which is salted
    per process."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big")
