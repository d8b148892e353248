"""The scenario lab's adapter to the scenario simulator (ADR 0005): the packaged scenarios,
a small Monte Carlo comparison run in this process, and a comparison saved by
`parity scenarios compare` read back from its monthly CSV.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from parity.adapters.csv_rows import read_rows
from parity.adapters.rules_files import data_dir
from parity.domain.errors import InvalidInput
from parity.entrypoints.reports.charts import Series
from parity.entrypoints.reports.scenarios import FANS
from parity.entrypoints.web.routing import CONTROL
from parity.simulation.montecarlo import plan_jobs, run_jobs
from parity.simulation.outcomes import ScenarioOutcome, outcomes
from parity.simulation.scenario_run import RunSettings
from parity.simulation.scenarios import DEFAULTS, load_scenario

# The monthly figures charted are the HTML report's (`reports/scenarios.py`, `FANS`); the
# headline figures over the contract's life, with how the page shows each.
HEADLINE = (
    ("initial_within_standard", "initial offers within standard", "pct"),
    ("follow_up_within_standard", "follow-ups within standard", "pct"),
    ("headcount", "headcount at the end", "count"),
    ("departures", "departures", "count"),
    ("oon_referrals", "out-of-network referrals", "count"),
    ("violations", "violations", "count"),
    ("payroll_usd", "payroll (USD)", "count"),
)


@dataclass(frozen=True)
class ScenarioChoice:
    name: str
    title: str
    contract: str


@dataclass(frozen=True)
class Headline:
    """A figure over the contract's life: mean [5th-95th percentile] per scenario."""

    label: str
    kind: str
    values: list[tuple[float | None, float | None, float | None]]


@dataclass(frozen=True)
class Comparison:
    """Scenarios side by side, from a run here or a file written by `parity scenarios`."""

    source: str
    scenarios: list[str]
    series: dict[str, list[Series]]
    headline: list[Headline] = field(default_factory=list)


def scenario_choices() -> list[ScenarioChoice]:
    """The packaged scenarios (data/scenarios/*.toml, without the shared defaults)."""
    choices = []
    for path in sorted(data_dir("scenarios").glob("*.toml")):
        if path.stem != DEFAULTS:
            scenario = load_scenario(path.stem)
            choices.append(ScenarioChoice(scenario.name, scenario.title, scenario.contract.name))
    return choices


@dataclass(frozen=True)
class RunAsked:
    names: list[str]
    runs: int
    years: int
    scale: float
    seed: int


Progress = Callable[[int, int], None]


def run_comparison(asked: RunAsked, progress: Progress) -> Comparison:
    """Run every scenario `runs` times in this process (common random numbers), as
    `parity scenarios compare --workers 0` does; `progress(done, total)` after each run."""
    scenarios = [load_scenario(name) for name in asked.names]
    jobs = plan_jobs(scenarios, asked.runs, asked.seed)
    done = [0]

    def tick(count: int) -> None:
        done[0] += count
        progress(done[0], len(jobs))

    results = run_jobs(jobs, RunSettings(asked.years, asked.scale, 0), progress=tick)
    compared = outcomes(scenarios, results)
    source = f"run here: {asked.runs} runs × {asked.years} year(s) at scale {asked.scale:g}"
    return Comparison(
        source, [o.scenario.name for o in compared], _fans(compared), _headline(compared)
    )


def _fans(compared: list[ScenarioOutcome]) -> dict[str, list[Series]]:
    """Each charted monthly figure: one band (mean, 5th and 95th percentile) per scenario."""
    return {
        key: [
            Series(
                o.scenario.name,
                o.months,
                [b.mean for b in o.monthly[key]],
                [b.low for b in o.monthly[key]],
                [b.high for b in o.monthly[key]],
            )
            for o in compared
        ]
        for key, _, _ in FANS
        if all(key in o.monthly for o in compared)
    }


def _headline(compared: list[ScenarioOutcome]) -> list[Headline]:
    """The figures over the contract's life, each scenario's mean and band side by side."""
    return [
        Headline(label, kind, [(o.life[k].mean, o.life[k].low, o.life[k].high) for o in compared])
        for k, label, kind in HEADLINE
        if all(k in o.life for o in compared)
    ]


# -- a comparison saved by `parity scenarios compare` ---------------------------------------

MONTHLY_COLUMNS = ("scenario", "month", "metric", "mean", "p5", "p95")


Point = tuple[str, float | None, float | None, float | None]


def _number(text: str, column: str) -> float | None:
    """A figure as `scenarios compare` writes it: a finite number, or empty / None / nan
    for a month with no value. inf (or 1e309, which reads as inf) is no figure a chart can
    draw, and is refused."""
    if text.strip() in ("", "None", "nan"):
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{column} {text[:40]!r} is not a finite number")
    return value


def _point(values: dict[str, str]) -> tuple[str, str, Point]:
    """One row's metric, scenario and point; an empty key or a control character is
    refused (ValueError) as `parity import` refuses them."""
    if any(CONTROL.search(value) for value in values.values()):
        raise ValueError("a value holds a control character")
    metric, scenario, month = values["metric"], values["scenario"], values["month"]
    if not (metric and scenario and month):
        raise ValueError("metric, scenario and month must not be empty")
    mean, low, high = (_number(values[c], c) for c in ("mean", "p5", "p95"))
    return metric, scenario, (month, mean, low, high)


def comparison_from_csv(name: str, body: bytes) -> Comparison:
    """Read the `*-monthly.csv` that `parity scenarios compare` writes beside its report,
    with the reader `parity import` uses (`adapters/csv_rows.py`): a file someone edited
    or made up is refused with its line, never a 500 (docs/adr/0011, twelfth round)."""
    try:
        records = read_rows(body, ())
    except InvalidInput as error:
        raise InvalidInput(f"{name}: {error.message}") from None
    missing = [c for c in MONTHLY_COLUMNS if c not in records[0].values]
    if missing:
        raise InvalidInput(
            f"{name}: not a scenarios monthly CSV (missing column {', '.join(missing)}); "
            "load the *-monthly.csv written by `parity scenarios compare`"
        )
    rows: defaultdict[tuple[str, str], list[Point]] = defaultdict(list)
    for record in records:
        try:
            if record.extra or record.short:
                raise ValueError("the row has more or fewer values than the header has columns")
            metric, scenario, point = _point(record.values)
        except ValueError as error:
            raise InvalidInput(f"{name}, line {record.line}: {error}") from None
        rows[(metric, scenario)].append(point)
    scenarios = sorted({scenario for _, scenario in rows})
    series = {
        key: [
            _series(scenario, rows[(key, scenario)])
            for scenario in scenarios
            if (key, scenario) in rows
        ]
        for key, _, _ in FANS
    }
    return Comparison(f"file: {name}", scenarios, {k: v for k, v in series.items() if v})


def _series(scenario: str, points: list[Point]) -> Series:
    ordered = sorted(points)
    return Series(
        scenario,
        [p[0] for p in ordered],
        [p[1] for p in ordered],
        [p[2] for p in ordered],
        [p[3] for p in ordered],
    )
