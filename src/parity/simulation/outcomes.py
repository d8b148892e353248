"""Replications -> means with 90 % intervals, per month and over the contract's life.

A band is the 5th to 95th percentile of the replications (where 90 % of the simulated
futures fall), not a confidence interval of the mean. Differences between scenarios are
taken replication by replication (they share seeds and, with one random stream per
process and draws keyed by episode, their arrivals and each episode's chances), and
reported both as such a band and as the mean paired difference with its 90 % confidence
interval (ADR 0014).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from statistics import NormalDist, fmean, stdev

import numpy as np

from parity.adapters.rules_files import load_rules
from parity.simulation.monthly import Month, Prices, metrics, pooled
from parity.simulation.scenario_run import ReplicationResult
from parity.simulation.scenarios import Scenario

LOW, HIGH = 5.0, 95.0
# Figures over the whole run that are not sums: what a month-by-month mean says better.
AVERAGED = {"headcount": "average_headcount", "fte": "average_fte"}


@dataclass(frozen=True)
class Band:
    mean: float | None
    low: float | None
    high: float | None
    runs: int


def band(values: Iterable[float | None]) -> Band:
    present = [float(v) for v in values if v is not None]
    if not present:
        return Band(None, None, None, 0)
    low, high = np.percentile(present, [LOW, HIGH])
    return Band(fmean(present), float(low), float(high), len(present))


@dataclass(frozen=True)
class Split:
    """One figure's runs in two groups far apart: the runs below the widest gap between
    neighbouring runs, and those above it (sorted)."""

    low: tuple[float, ...]
    high: tuple[float, ...]

    @property
    def gap(self) -> float:
        return self.high[0] - self.low[-1]


def split_runs(values: Iterable[float | None], material: float) -> Split | None:
    """The runs split in two when the widest gap between neighbouring runs is at least
    `material` and wider than twice the spread inside either side: the runs then settle
    in one of two states (e.g. either side of a tipping point) and their mean describes
    neither. Three runs at least; None when they do not split."""
    runs = sorted(float(v) for v in values if v is not None)
    if len(runs) < 3:
        return None
    cut = max(range(1, len(runs)), key=lambda i: runs[i] - runs[i - 1])
    low, high = tuple(runs[:cut]), tuple(runs[cut:])
    gap = high[0] - low[-1]
    spread = max(low[-1] - low[0], high[-1] - high[0])
    return Split(low, high) if gap >= material and gap > 2 * spread else None


def t_quantile(share: float, df: int) -> float:
    """Student's t quantile: exact for 1 and 2 degrees of freedom, otherwise the
    Cornish-Fisher expansion in 1/df (Abramowitz & Stegun 26.7.5; error < 0.01 from 3)."""
    if df == 1:
        return math.tan(math.pi * (share - 0.5))
    if df == 2:
        return (2 * share - 1) / math.sqrt(2 * share * (1 - share))
    z = NormalDist().inv_cdf(share)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


def paired_interval(values: Iterable[float | None], level: float = 0.90) -> Band:
    """Mean of paired differences with its `level` confidence interval (Student's t)."""
    present = [float(v) for v in values if v is not None]
    if len(present) < 2:
        only = present[0] if present else None
        return Band(only, None, None, len(present))
    mean = fmean(present)
    half = t_quantile(0.5 + level / 2, len(present) - 1) * stdev(present) / math.sqrt(len(present))
    return Band(mean, mean - half, mean + half, len(present))


@cache
def _penalty(jurisdiction: str) -> int:
    return load_rules(jurisdiction).penalty_per_violation_usd


def prices_for(scenario: Scenario) -> Prices:
    return Prices(
        scenario.costs.oon_cost_per_session_usd,
        scenario.costs.external_cost_per_session_usd,
        _penalty(scenario.jurisdiction),
    )


def life_figure_names() -> tuple[str, ...]:
    """The names `life_figures` gives, in its order (what a tornado may compare)."""
    return (*metrics(Prices(0.0, 0.0, 0.0)), *AVERAGED.values())


def life_figures(months: Sequence[Month], prices: Prices) -> dict[str, float | None]:
    """One replication over the whole run: shares and waits pooled over every request,
    counts and money summed, staffing at the end and on average."""
    figures = {name: f(pooled(months)) for name, f in metrics(prices).items()}
    for name, averaged in AVERAGED.items():
        figures[averaged] = fmean(float(getattr(m, name)) for m in months)
    return figures


@dataclass(frozen=True)
class ScenarioOutcome:
    scenario: Scenario
    months: list[str]
    monthly: dict[str, list[Band]]
    life: dict[str, Band]
    versus_first: dict[str, Band]
    runs: int
    errors: int
    # The mean paired difference from the first scenario with its 90 % confidence interval.
    paired: dict[str, Band]
    # Runs whose load was flat when measuring began, and one run's check that was not.
    steady_runs: int = 0
    unsteady_check: str = ""
    # Each figure over the contract's life, run by run (in replication order).
    runs_life: dict[str, list[float | None]] = field(default_factory=dict)


def _monthly(results: Sequence[ReplicationResult], prices: Prices) -> dict[str, list[Band]]:
    figures = metrics(prices)
    count = len(results[0].months)
    return {
        name: [band(f(r.months[i]) for r in results) for i in range(count)]
        for name, f in figures.items()
    }


def _difference(
    mine: list[dict[str, float | None]],
    first: list[dict[str, float | None]],
    summarise: Callable[[Iterable[float | None]], Band] = band,
) -> dict[str, Band]:
    def gap(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else a - b

    return {
        name: summarise(gap(m[name], f[name]) for m, f in zip(mine, first, strict=True))
        for name in mine[0]
    }


def outcomes(
    scenarios: Sequence[Scenario], results: Sequence[ReplicationResult]
) -> list[ScenarioOutcome]:
    """Bands per scenario; the first scenario is the reference for paired differences."""
    by_name = {s.name: [r for r in results if r.scenario == s.name] for s in scenarios}
    lives = {
        s.name: [life_figures(r.months, prices_for(s)) for r in by_name[s.name]] for s in scenarios
    }
    first = lives[scenarios[0].name]
    found: list[ScenarioOutcome] = []
    for scenario in scenarios:
        mine = by_name[scenario.name]
        if not mine:
            raise ValueError(f"no replications of {scenario.name}")
        found.append(
            ScenarioOutcome(
                scenario,
                [m.month for m in mine[0].months],
                _monthly(mine, prices_for(scenario)),
                {
                    k: band(life[k] for life in lives[scenario.name])
                    for k in lives[scenario.name][0]
                },
                _difference(lives[scenario.name], first),
                len(mine),
                sum(r.errors for r in mine),
                _difference(lives[scenario.name], first, paired_interval),
                sum(r.steady for r in mine),
                next((r.steady_check for r in mine if not r.steady), ""),
                {k: [life[k] for life in lives[scenario.name]] for k in lives[scenario.name][0]},
            )
        )
    return found
