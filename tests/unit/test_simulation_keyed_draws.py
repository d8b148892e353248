"""A keyed draw is a pure function of (seed, purpose, entity, n): uniform on [0, 1), different
for different keys, and the same in every process (ADR 0014, draws keyed by episode)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import parity
from parity.simulation.keyed_draws import GOLDEN, KeyedDraws, Purpose, mix64

DRAWS = 100_000
BINS = 10


def _fixed_draws() -> list[float]:
    """100,000 draws over a fixed set of keys: 500 episodes x 100 draws x two purposes."""
    draws = KeyedDraws(7)
    return [
        draws.uniform(purpose, entity, n)
        for purpose in (Purpose.NO_SHOW, Purpose.CANCELLATION)
        for entity in range(1, 501)
        for n in range(1, 101)
    ]


def test_the_mixing_function_is_splitmix64s() -> None:
    # splitmix64 from state 0 first adds the increment, then mixes: its published first
    # output is 0xE220A8397B1DCDAF.
    assert mix64(GOLDEN) == 0xE220A8397B1DCDAF


def test_keyed_draws_lie_in_the_unit_interval_with_the_uniforms_mean() -> None:
    values = _fixed_draws()
    assert len(values) == DRAWS
    assert all(0.0 <= v < 1.0 for v in values)
    # The mean of n uniforms has standard deviation sqrt(1 / (12 n)) ~ 0.00091: five of them.
    assert abs(sum(values) / DRAWS - 0.5) < 5 * (1 / (12 * DRAWS)) ** 0.5


def test_keyed_draws_fill_ten_equal_bins_as_a_uniform_would() -> None:
    counts = [0] * BINS
    for value in _fixed_draws():
        counts[int(value * BINS)] += 1
    expected = DRAWS / BINS
    statistic = sum((c - expected) ** 2 / expected for c in counts)
    # Chi-square with 9 degrees of freedom: P(X < 0.74) ~ 1.6e-4, P(X > 33.72) = 1e-4.
    assert 0.74 < statistic < 33.72


def test_the_same_key_gives_the_same_draw_and_another_key_another() -> None:
    first, again, other_seed = KeyedDraws(7), KeyedDraws(7), KeyedDraws(8)
    assert first.uniform(Purpose.NO_SHOW, 42, 3) == again.uniform(Purpose.NO_SHOW, 42, 3)
    keys = [(p, e, n) for p in Purpose for e in range(1, 201) for n in range(1, 6)]
    values = {first.uniform(*key) for key in keys}
    assert len(values) == len(keys)  # every purpose, entity and n its own value
    assert all(first.uniform(*key) != other_seed.uniform(*key) for key in keys)


def test_a_keyed_draw_is_the_same_in_another_process_whatever_its_hash_seed() -> None:
    keys = [(int(p), e, n) for p in Purpose for e in (1, 77, 10**9) for n in (1, 2)]
    here = [KeyedDraws(7).uniform(Purpose(p), e, n) for p, e, n in keys]
    script = (
        "import json, sys\n"
        "from parity.simulation.keyed_draws import KeyedDraws, Purpose\n"
        "keys = json.loads(sys.argv[1])\n"
        "print(json.dumps([KeyedDraws(7).uniform(Purpose(p), e, n) for p, e, n in keys]))\n"
    )
    source = str(Path(parity.__file__).resolve().parents[1])
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONPATH": source, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", script, json.dumps(keys)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert json.loads(out.stdout) == here
