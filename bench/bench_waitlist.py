"""Deadlines the waitlist saves: the demo region with the waitlist off and on, same seed.

Off, a request with no timely slot is referred out of network at once, and a slot a
member cancellation frees is only found by whoever asks next. On, the request waits for
a freed slot (offered to the request nearest its deadline first) and is referred only
when still waiting a day before its deadline (data/messages.toml).

Prints, per seed and in total: requests measured, requests that met their deadline
(within standard or another compliant outcome), referrals out of network, and the
difference ("deadlines saved").

Run: .venv/bin/python bench/bench_waitlist.py [--weeks 12] [--warmup 8] [--scale 1] [--seeds 7]
"""

from __future__ import annotations

import argparse
import time as timer
from dataclasses import dataclass
from datetime import date

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from parity.adapters.rules_files import load_region
from parity.bootstrap import build_policy
from parity.config import Settings
from parity.simulation.engine import Simulation, SimulationConfig
from parity.simulation.region import build_region
from parity.simulation.summary import summarise
from parity.simulation.waitlist_run import WaitlistSimulation

console = Console(width=150)
START = date(2026, 1, 5)


@dataclass(frozen=True)
class Figures:
    requests: int
    decided: int
    met: int
    referred: int
    offers: int
    accepted: int
    timely_accepted: int
    seconds: float

    @property
    def missed(self) -> int:
        """Deadlines missed: decided and not compliant, plus (conservatively) anything still
        undecided at the end, i.e. still waiting."""
        return self.requests - self.met


def run(seed: int, weeks: int, warmup: int, scale: float, waitlist: bool, contract: str) -> Figures:
    settings = Settings(contract=contract, region="demo", seed=seed)
    policy = build_policy(settings)
    region = build_region(load_region("demo"), policy.contract, scale, seed)
    config = SimulationConfig(weeks=weeks, warmup_weeks=warmup, start=START, seed=seed)
    kind = WaitlistSimulation if waitlist else Simulation
    simulation = kind(region, policy, config)
    label = f"seed {seed}, waitlist {'on' if waitlist else 'off'}"
    started = timer.perf_counter()
    columns = (
        TextColumn(f"[bold]{label}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("days", total=(weeks + warmup) * 7)
        simulation.run(lambda done, _: progress.update(task, completed=done))
    seconds = timer.perf_counter() - started
    summary = summarise(simulation.uow, simulation.policy, config, region.member_count)
    groups = summary.groups.values()
    offers = getattr(simulation, "offers_made", 0)
    accepted = getattr(simulation, "offers_accepted", 0)
    timely = getattr(simulation, "timely_accepted", 0)
    return Figures(
        sum(g.requests for g in groups),
        sum(g.decided for g in groups),
        sum(g.compliant for g in groups),
        sum(g.referred for g in groups),
        offers,
        accepted,
        timely,
        seconds,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=12, help="measured weeks")
    parser.add_argument("--warmup", type=int, default=8, help="warm-up weeks, not measured")
    parser.add_argument("--scale", type=float, default=1.0, help="demo region scale")
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11, 13])
    parser.add_argument("--contract", default="socal-2025", help="contract preset")
    args = parser.parse_args()
    title = f"Waitlist off vs on: demo region x{args.scale:g}, {args.contract}, {args.weeks} weeks"
    table = Table(title=title)
    for column in COLUMNS:
        table.add_column(column, justify="right")
    pairs = []
    for seed in args.seeds:
        off = run(seed, args.weeks, args.warmup, args.scale, False, args.contract)
        on = run(seed, args.weeks, args.warmup, args.scale, True, args.contract)
        table.add_row(*_row(seed, "off", off))
        table.add_row(*_row(seed, "on", on))
        pairs.append((off, on))
    console.print(table)
    _conclude(pairs)


COLUMNS = (
    "seed",
    "waitlist",
    "requests",
    "met deadline",
    "share met",
    "missed",
    "referred OON",
    "still waiting",
    "offers (accepted, timely)",
    "seconds",
)


def _row(seed: int, name: str, f: Figures) -> list[str]:
    return [
        str(seed),
        name,
        f"{f.requests:,}",
        f"{f.met:,}",
        f"{f.met / f.requests:.2%}" if f.requests else "n/a",
        f"{f.missed:,}",
        f"{f.referred:,}",
        f"{f.requests - f.decided:,}",
        f"{f.offers:,} ({f.accepted:,}, {f.timely_accepted:,})",
        f"{f.seconds:.1f}",
    ]


def _conclude(pairs: list[tuple[Figures, Figures]]) -> None:
    """Two readings: the direct one (timely waitlist offers accepted: each is a request that
    would otherwise have been referred or late) and the whole-run one (missed deadlines,
    off minus on; runs diverge after the first accepted offer, so it carries noise)."""
    direct = sum(on.timely_accepted for _, on in pairs)
    missed_off = sum(off.missed for off, _ in pairs)
    missed_on = sum(on.missed for _, on in pairs)
    rate_off = missed_off / sum(off.requests for off, _ in pairs)
    rate_on = missed_on / sum(on.requests for _, on in pairs)
    console.print(
        f"[bold]deadlines saved by the waitlist (direct: timely offers accepted): {direct:,}[/] "
        f"over {len(pairs)} seed(s)"
    )
    console.print(
        f"missed deadlines off {missed_off:,} vs on {missed_on:,} "
        f"(difference {missed_off - missed_on:+,}); missed per 1,000 requests "
        f"off {rate_off * 1000:.1f} vs on {rate_on * 1000:.1f}"
    )


if __name__ == "__main__":
    main()
