"""Two Parity trees side by side under the same clients: which costs less server CPU.

On a shared machine two load benches run one after the other see different neighbours, and
a tree's CPU per request moves by 20 % or more between runs. This serves `parity serve
--workers N` from each tree at once (`PYTHONPATH=<tree>/src`), each on a PostgreSQL
database of its own loaded alike (the demo region and bench_load's members), and runs
bench_load's uncontended lockstep rounds against them in turn (A then B, B then A, ...),
so whatever else runs weighs on both alike. Each repetition starts both servers afresh, so
their workers' first calls are measured as bench_load measures them. It prints each
operation's server CPU ms per request for A and B, per repetition and the median, with B/A
(docs/adr/0017-booking-api-speed.md, fourteenth round).

With --with-database the CPU compared is the server's and its database's backends'
together (a change of the pool or of the statements shows in the database). Each side
also prints its p99 latency of the lockstep rounds.

Run: .venv/bin/python bench/bench_ab.py --a /path/to/base/tree --b . [--reps 4]
     [--rounds 10] [--clients 32] [--workers 2] [--with-database]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

import bench_load
from servers import BIN, bearer, drop_postgres, free_port, postgres_url, prepare, serving

console = Console(width=160)
SIDES = ("A", "B")


def _round(
    base: str, cpu: Callable[[], float], clients: int, auth: dict[str, str]
) -> bench_load.Tally:
    """One lockstep round of the uncontended mix against the server at `base`."""
    bench_load.AUTH.clear()
    bench_load.AUTH.update(auth)
    tally = bench_load.Tally(clients, cpu)
    threads = [
        threading.Thread(
            target=bench_load.client_loop,
            args=(base, "uncontended", i, clients, 1, tally, lambda: None),
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if tally.errors:
        raise RuntimeError(f"errors: {tally.errors[:3]}")
    return tally


def repetition(
    trees: dict[str, Path],
    urls: dict[str, str],
    auth: dict[str, dict[str, str]],
    args: argparse.Namespace,
    number: int,
) -> dict[str, dict[str, float]]:
    """Both servers afresh, `args.rounds` rounds each, taking turns; CPU ms per request."""
    spent: dict[str, defaultdict[str, float]] = {side: defaultdict(float) for side in SIDES}
    calls = {side: Counter[str]() for side in SIDES}
    waited: dict[str, dict[str, list[float]]] = {side: {} for side in SIDES}
    ports = {side: free_port() for side in SIDES}
    commands: dict[str, list[str | Path]] = {
        side: [BIN / "parity", "serve", "--port", str(ports[side]), "--workers", str(args.workers)]
        for side in SIDES
    }
    envs = {
        side: {
            **os.environ,
            "PARITY_DATABASE_URL": urls[side],
            "PYTHONPATH": str(trees[side] / "src"),
        }
        for side in SIDES
    }
    with (
        serving(commands["A"], envs["A"], ports["A"]) as a,
        serving(commands["B"], envs["B"], ports["B"]) as b,
    ):
        served = {"A": a, "B": b}
        if args.with_database:
            served = {side: _with_database(*served[side], urls[side]) for side in SIDES}
        for turn in range(args.rounds):
            order = SIDES if (turn + number) % 2 == 0 else SIDES[::-1]
            for side in order:
                tally = _round(*served[side], args.clients, auth[side])
                for op in bench_load.OPS:
                    spent[side][op] += tally.cpu_seconds[op]
                    calls[side][op] += len(tally.latency[op])
                    waited[side].setdefault(op, []).extend(tally.latency[op])
    figures: dict[str, dict[str, float]] = {}
    for side in SIDES:
        each = {op: 1000 * spent[side][op] / max(1, calls[side][op]) for op in bench_load.OPS}
        each["all"] = 1000 * sum(spent[side].values()) / max(1, sum(calls[side].values()))
        for op, latencies in waited[side].items():
            each[f"p99 {op}"] = bench_load.pct(latencies, 99)
        figures[side] = each
    return figures


def _with_database(
    base: str, cpu: Callable[[], float], url: str
) -> tuple[str, Callable[[], float]]:
    """The server's CPU and its database's backends' (`bench_load.database_cpu`) together:
    what a change of the pool or of the statements costs the database shows too."""
    database = bench_load.pg_database(url)
    return base, lambda: cpu() + (bench_load.database_cpu(database) or 0.0)


def show(results: list[dict[str, dict[str, float]]], with_database: bool = False) -> None:
    spent = "server and database" if with_database else "server"
    table = Table(title=f"{spent} CPU ms per request, A / B (B/A); last row: the medians")
    table.add_column("repetition")
    for op in (*bench_load.OPS, "all"):
        table.add_column(op, justify="right")
    medians = {
        side: {op: statistics.median(r[side][op] for r in results) for op in results[0][side]}
        for side in SIDES
    }
    for label, figures in [*((str(n), r) for n, r in enumerate(results)), ("median", medians)]:
        cells = [
            f"{figures['A'][op]:.2f} / {figures['B'][op]:.2f} ({figures['B'][op] / figures['A'][op]:.2f})"
            for op in (*bench_load.OPS, "all")
        ]
        table.add_row(label, *cells)
    console.print(table)
    # Latency moves with whatever else the machine runs; both sides take turns under it.
    p99 = Table(
        title="p99 latency ms of the lockstep rounds, A / B (B/A), median of the repetitions"
    )
    for op in bench_load.OPS:
        p99.add_column(op, justify="right")
    p99.add_row(
        *(
            f"{medians['A'][f'p99 {op}']:.0f} / {medians['B'][f'p99 {op}']:.0f} "
            f"({medians['B'][f'p99 {op}'] / medians['A'][f'p99 {op}']:.2f})"
            for op in bench_load.OPS
        )
    )
    console.print(p99)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--a", type=Path, required=True, help="tree A (its src/ is served)")
    parser.add_argument("--b", type=Path, required=True, help="tree B")
    parser.add_argument("--reps", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--with-database",
        action="store_true",
        help="count the PostgreSQL backends' CPU with the server's (same machine)",
    )
    args = parser.parse_args()
    trees = {"A": args.a.resolve(), "B": args.b.resolve()}
    urls = {side: postgres_url(f"_ab_{side.lower()}") for side in SIDES}
    try:
        for side in SIDES:
            with tempfile.TemporaryDirectory() as tmp:
                prepare(urls[side], Path(tmp))
        auth = {side: bearer(urls[side]) for side in SIDES}
        results = []
        for number in range(args.reps):
            results.append(repetition(trees, urls, auth, args, number))
            load = Path("/proc/loadavg").read_text().split()[0]
            console.print(f"repetition {number} done, load average {load}")
        show(results, args.with_database)
    finally:
        for url in urls.values():
            drop_postgres(url)


if __name__ == "__main__":
    main()
