"""Sensitivity of a paired comparison to every ESTIMATE parameter (ADR 0014).

For each parameter whose source says ESTIMATE (scenario tables, and the region's demand,
workforce and booking-behaviour tables), both scenarios are run again, paired, with the
value halved and increased by half. The chart shows how the mean difference (second minus
first) moves; an assumption "changes the ranking" when either end has the opposite sign
to the base difference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from statistics import fmean
from typing import Any

from parity.adapters.figure_shapes import is_fraction
from parity.adapters.rules_files import RegionSpec, load_region
from parity.simulation.outcomes import life_figures, prices_for
from parity.simulation.scenario_run import ReplicationResult
from parity.simulation.scenarios import REGION_TABLES, Scenario, load_scenario

LOW, HIGH = 0.5, 1.5


@dataclass(frozen=True)
class Assumption:
    key: str  # an override path: TABLE.KEY, or region_overrides.TABLE.KEY
    base: float
    source: str

    def levels(self) -> tuple[float, float]:
        low, high = self.base * LOW, self.base * HIGH
        # A region figure is a fraction by the rule its overrides are read by.
        region = self.key.startswith("region_overrides.")
        leaf = self.key.rsplit(".", 1)[-1]
        fraction = (
            "share" in self.key or "rate" in self.key or (region and is_fraction(leaf, self.base))
        )
        if 0 < self.base <= 1 and fraction:
            high = min(high, 1.0)
        if float(self.base).is_integer() and self.base >= 1:
            return float(max(1, round(low))), float(round(high))
        return low, high


@dataclass(frozen=True)
class Bar:
    assumption: Assumption
    low: float | None
    high: float | None

    def changes_ranking(self, base: float | None) -> bool:
        if base is None or base == 0:
            return False
        return any(v is not None and v * base < 0 for v in (self.low, self.high))


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def scenario_estimates(scenario: Scenario) -> list[Assumption]:
    found: list[Assumption] = []
    for name, _, source in scenario.parameters():
        section, _, key = name.partition(".")
        value = _number(scenario.table.get(section, {}).get(key)) if key else None
        if value is not None and "ESTIMATE" in source.upper() and value > 0:
            found.append(Assumption(name, value, source))
    return found


def region_estimates(spec: RegionSpec) -> list[Assumption]:
    found: list[Assumption] = []
    for table_name in REGION_TABLES:
        table: Mapping[str, Any] = getattr(spec, table_name)
        shared = str(table.get("sources", ""))
        for key, raw in table.items():
            value = _number(raw)
            source = str(table.get(f"{key}_source", "")) or _sentence(shared, key)
            if value is not None and value > 0 and "ESTIMATE" in source.upper():
                found.append(Assumption(f"region_overrides.{table_name}.{key}", value, source))
    return found


def _sentence(text: str, key: str) -> str:
    return next((s for s in text.split(". ") if key in s), "")


def estimates(first: Scenario) -> list[Assumption]:
    return scenario_estimates(first) + region_estimates(load_region(first.region))


def variants(
    first: Scenario,
    second: Scenario,
    assumptions: Sequence[Assumption],
    overrides: Sequence[str] = (),
) -> list[Scenario]:
    """The base pair, then a pair per assumption and level, named `scenario|key|level`
    (each reloaded from its file with the command line's overrides and the one change)."""
    pairs = [first, second]
    for assumption in assumptions:
        for level, value in zip(("low", "high"), assumption.levels(), strict=True):
            for scenario in (first, second):
                changed = load_scenario(scenario.name, [*overrides, f"{assumption.key}={value!r}"])
                name = f"{scenario.name}|{assumption.key}|{level}"
                pairs.append(replace(changed, name=name, booking=scenario.booking))
    return pairs


def mean_difference(
    results: Sequence[ReplicationResult], first: str, second: str, figure: str, scenario: Scenario
) -> float | None:
    """Mean over replications of (second - first) for `figure`, paired by replication."""
    prices = prices_for(scenario)

    def by_run(name: str) -> dict[int, float | None]:
        return {
            r.replication: life_figures(r.months, prices)[figure]
            for r in results
            if r.scenario == name
        }

    a, b = by_run(first), by_run(second)
    gaps = [b[i] - a[i] for i in a if a[i] is not None and b.get(i) is not None]  # type: ignore[operator]
    return fmean(gaps) if gaps else None


def bars(
    first: Scenario,
    second: Scenario,
    assumptions: Sequence[Assumption],
    results: Sequence[ReplicationResult],
    figure: str,
) -> tuple[float | None, list[Bar]]:
    def gap(level: str, key: str) -> float | None:
        suffix = f"|{key}|{level}"
        return mean_difference(results, first.name + suffix, second.name + suffix, figure, first)

    base = mean_difference(results, first.name, second.name, figure, first)
    found = [Bar(a, gap("low", a.key), gap("high", a.key)) for a in assumptions]
    found.sort(key=lambda b: -_spread(b))
    return base, found


def _spread(bar: Bar) -> float:
    values = [v for v in (bar.low, bar.high) if v is not None]
    return max(values) - min(values) if len(values) == 2 else 0.0


def robustness(base: float | None, found: Sequence[Bar], label: str) -> str:
    """The plain-words paragraph: which conclusion holds under every assumption tried."""
    if base is None:
        return f"No {label} difference could be measured."
    direction = "higher" if base > 0 else "lower"
    flips = [b.assumption.key for b in found if b.changes_ranking(base)]
    if not flips:
        return (
            f"The second scenario's {label} is {direction} than the first's at the base "
            f"values, and stays {direction} when any one of the {len(found)} estimated "
            "parameters is halved or increased by half: this ranking is robust to them."
        )
    return (
        f"The second scenario's {label} is {direction} than the first's at the base values, "
        f"but the ranking reverses when one of these estimates moves by half: "
        f"{', '.join(flips)}. Treat the ranking as depending on them."
    )


ProgressHook = Callable[[int], None]
