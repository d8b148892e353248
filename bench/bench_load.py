"""Load benchmark: Parity beside its floor, under the same concurrent FHIR clients.

For each database (a SQLite file, then a PostgreSQL database of its own) it loads the demo
region and 3,000 bench members, then serves, one after the other, `parity serve` and the
floor (floor_app.py: a bare FastAPI app doing the same database work and nothing else)
with the same uvicorn workers, and lets N client threads run two mixes against each:

- uncontended: each client books members of its own and picks at random among 20
  proposals, so a 409 is a real race (two clients chose the same free slot);
- contended: clients pick any member, and half take the best proposal, so they race.

A round is find -> (hold ->) book -> cancel (every booking is cancelled again, so the
demo region's free slots last the run). Clients take each step of a round together,
and the servers' CPU time is read between steps, so each operation's server CPU per
request is measured apart. It prints, per database and mix, Parity's server CPU per
request and p50/p99 latency for find, hold, book and cancel next to the floor's, with
the ratios; throughput, bookings/s, 409s and errors; and Parity's invariants, checked
with independent SQL afterwards (bench_soak.py uses the same checks).

Run: .venv/bin/python bench/bench_load.py [--clients 32] [--rounds 25] [--db sqlite,postgres]
     [--workers 2] [--mix uncontended,contended] [--json FILE]. Server CPU per request is
     the figure to compare on a shared machine, where wall-clock latency depends on what
     else runs; docs/adr/0017-booking-api-speed.md records the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import create_engine, text

from parity.adapters.sql.engine import normalised_url
from servers import (
    MEMBERS,
    bearer,
    drop_postgres,
    floor_server,
    free_port,
    postgres_url,
    prepare,
    server,
)

__all__ = ["AUTH", "MEMBERS", "bearer", "free_port", "postgres_url", "prepare", "server"]

console = Console(width=max(120, Console().width))
AUTH: dict[str, str] = {}
OPS = ("find", "hold", "book", "cancel")
HOLD_SHARE = 0.5
CANCEL_SHARE = 1.0  # every booking is cancelled again, so the free slots last the run
STEP_TIMEOUT = 120  # a client that died would otherwise hold the others at the barrier
MIXES = {"uncontended": 20, "contended": 5}  # proposals asked for


def parameters(**values: str | int) -> dict[str, Any]:
    """A FHIR Parameters body; `patient_reference` is sent as `patient-reference`."""
    return {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": k[0] + k[1:].replace("_", "-"),
                "valueInteger" if isinstance(v, int) else "valueString": v,
            }
            for k, v in values.items()
        ],
    }


class Tally:
    """What the clients saw, and each operation's server CPU seconds."""

    def __init__(self, clients: int, cpu: Callable[[], float]) -> None:
        self.lock = threading.Lock()
        self.latency: defaultdict[str, list[float]] = defaultdict(list)
        self.conflicts = 0
        self.errors: list[str] = []
        self.booked = 0
        self.cpu = cpu
        self.cpu_seconds: Counter[str] = Counter()
        self._step = 0
        self._mark = cpu()
        self.barrier = threading.Barrier(clients, action=self._account)

    def _account(self) -> None:
        """Runs once every client has finished a step: the CPU since the last step was
        spent on that step's operation."""
        now = self.cpu()
        self.cpu_seconds[OPS[self._step % len(OPS)]] += now - self._mark
        self._mark, self._step = now, self._step + 1

    def timed(self, client: httpx.Client, name: str, path: str, body: dict[str, Any]) -> Any:
        """POST `body`; the JSON answer of a 2xx, else None (a 409 or an error counted)."""
        started = time.perf_counter()
        try:
            response = client.post(path, json=body)
        except httpx.HTTPError as error:
            with self.lock:
                self.errors.append(f"{name}: {error!r}")
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latency[name].append(elapsed)
            if response.status_code == 409:
                self.conflicts += 1
            elif response.status_code >= 300:
                self.errors.append(f"{name}: {response.status_code} {response.text[:160]}")
        return response.json() if response.status_code < 300 else None


def _first_id(answer: Any, kind: str = "Appointment") -> str | None:
    for found in (answer or {}).get("entry", []):
        if found["resource"]["resourceType"] == kind:
            return str(found["resource"]["id"])
    return None


class Round:
    """One client's round: each step is one operation (or nothing), then the barrier."""

    def __init__(self, client: httpx.Client, tally: Tally, rng: random.Random) -> None:
        self.client, self.tally, self.rng = client, tally, rng
        self.target: str | None = None
        self.booked: str | None = None

    def find(self, member: str, count: int, best_share: float) -> None:
        body = parameters(patient_reference=f"Patient/{member}", _count=count)
        answer = self.tally.timed(self.client, "find", "/Appointment/$find", body)
        proposals = [
            e["resource"]["id"]
            for e in (answer or {}).get("entry", [])
            if e["resource"]["resourceType"] == "Appointment"
        ]
        if proposals:
            best = self.rng.random() < best_share
            self.target = proposals[0] if best else self.rng.choice(proposals)

    def hold(self) -> None:
        if self.target is None or self.rng.random() >= HOLD_SHARE:
            return
        held = self.tally.timed(
            self.client, "hold", "/Appointment/$hold", parameters(appt_id=self.target)
        )
        self.target = _first_id(held)

    def book(self) -> None:
        if self.target is None:
            return
        booked = self.tally.timed(
            self.client, "book", "/Appointment/$book", parameters(appt_id=self.target)
        )
        self.booked = _first_id(booked)
        if self.booked is not None:
            with self.tally.lock:
                self.tally.booked += 1

    def cancel(self) -> None:
        if self.booked is None or self.rng.random() >= CANCEL_SHARE:
            return
        path = f"/Appointment/{self.booked}/$cancel"
        self.tally.timed(
            self.client, "cancel", path, parameters(cancelled_by="member", reason="bench")
        )


def client_loop(
    base: str, mix: str, index: int, clients: int, rounds: int, tally: Tally, advance: Any
) -> None:
    rng = random.Random(index)
    with httpx.Client(base_url=base, timeout=30, headers=AUTH) as client:
        for number in range(rounds):
            if mix == "uncontended":  # members of this client's own, never shared
                member, best_share = f"b{(number * clients + index) % MEMBERS}", 0.0
            else:
                member, best_share = f"b{rng.randrange(MEMBERS)}", 0.5
            step = Round(client, tally, rng)
            for operation in (
                partial(step.find, member, MIXES[mix], best_share),
                step.hold,
                step.book,
                step.cancel,
            ):
                operation()
                tally.barrier.wait(timeout=STEP_TIMEOUT)
            advance()


INVARIANTS = {
    "double bookings": """
        SELECT count(*) FROM (SELECT slot_id FROM appointments WHERE status = 'booked'
                              GROUP BY slot_id HAVING count(*) > 1) AS doubled""",
    "bookings in protected time": """
        SELECT count(*) FROM appointments a JOIN protected_times p
          ON p.clinician_id = a.clinician_id AND p.start < a."end" AND a.start < p."end"
         WHERE a.status <> 'cancelled'""",
    "booked, slot not busy": """
        SELECT count(*) FROM appointments a JOIN slots s ON s.id = a.slot_id
         WHERE a.status = 'booked' AND s.status <> 'busy'""",
    "busy slot, no live appointment": """
        SELECT count(*) FROM slots s WHERE s.status = 'busy' AND NOT EXISTS (
            SELECT 1 FROM appointments a WHERE a.slot_id = s.id AND a.status <> 'cancelled')
          AND NOT EXISTS (
            SELECT 1 FROM availability_exceptions x
             WHERE x.clinician_id = s.clinician_id AND x.kind = 'pto'
               AND x.withdrawn_at IS NULL AND x.start <= s.start AND s."end" <= x."end")
          AND NOT EXISTS (
            SELECT 1 FROM slots r WHERE r.clinician_id = s.clinician_id
               AND r.start = s.start AND r.id <> s.id AND s.kind = 'urgent')""",
    "held slot, no active hold": """
        SELECT count(*) FROM slots s WHERE s.status = 'busy-tentative' AND NOT EXISTS (
            SELECT 1 FROM holds h WHERE h.slot_id = s.id AND h.status = 'active')""",
}


HALF_WRITTEN = (
    "booked, slot not busy",
    "busy slot, no live appointment",
    "held slot, no active hold",
)


def invariants(url: str) -> dict[str, int]:
    engine = create_engine(normalised_url(url))
    with engine.connect() as connection:
        found = {
            name: int(connection.execute(text(sql)).scalar_one())
            for name, sql in INVARIANTS.items()
        }
    engine.dispose()
    return found


def load(
    base: str, cpu: Callable[[], float], mix: str, clients: int, rounds: int
) -> dict[str, Any]:
    """`clients` threads run `rounds` rounds of `mix` against the server at `base`."""
    tally = Tally(clients, cpu)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(
            f"{mix}: {clients} clients x {rounds} rounds", total=clients * rounds
        )
        lock = threading.Lock()

        def advance() -> None:
            with lock:
                progress.advance(task)

        threads = [
            threading.Thread(
                target=client_loop, args=(base, mix, i, clients, rounds, tally, advance)
            )
            for i in range(clients)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    return figures(tally, elapsed)


def figures(tally: Tally, elapsed: float) -> dict[str, Any]:
    requests = sum(len(v) for v in tally.latency.values())
    return {
        "seconds": elapsed,
        "requests": requests,
        "requests/s": requests / elapsed,
        "bookings/s": tally.booked / elapsed,
        "booked": tally.booked,
        "conflicts": tally.conflicts,
        "errors": tally.errors,
        "cpu ms": {
            op: tally.cpu_seconds[op] * 1000 / len(tally.latency[op])
            for op in OPS
            if tally.latency.get(op)
        },
        "count": {op: len(v) for op, v in tally.latency.items()},
        "cpu ms/request": sum(tally.cpu_seconds.values()) * 1000 / max(1, requests),
        "p50 ms": {op: pct(v, 50) for op, v in tally.latency.items()},
        "p99 ms": {op: pct(v, 99) for op, v in tally.latency.items()},
    }


def run(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Both servers, every mix, on one database; Parity's invariants after its runs."""
    result: dict[str, Any] = {"database": name, "parity": {}, "floor": {}}
    with tempfile.TemporaryDirectory() as tmp:
        console.print(f"[bold]{name}[/]: loading the demo region and {MEMBERS:,} members")
        prepare(url, Path(tmp))
    AUTH.update(bearer(url))
    for label, serve in (("parity", server), ("floor", floor_server)):
        with serve(url, free_port(), args.workers) as (base, cpu):
            for mix in args.mix.split(","):
                result[label][mix] = load(base, cpu, mix, args.clients, args.rounds)
        if label == "parity":
            result["invariants"] = invariants(url)
    return result


def pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


def _ratio(ours: float | None, floor: float | None) -> str:
    return f"{ours / floor:.1f}x" if ours and floor else "-"


def show_mix(result: dict[str, Any], mix: str, clients: int) -> None:
    parity, floor = result["parity"][mix], result["floor"][mix]
    table = Table(title=f"{result['database']}, {mix} mix: {clients} clients")
    for column in ("operation", "Parity CPU ms", "floor CPU ms", "ratio"):
        table.add_column(column, justify="right")
    for column in ("Parity p50/p99 ms", "floor p50/p99 ms", "p99 ratio"):
        table.add_column(column, justify="right")
    for op in OPS:
        ours, theirs = parity["cpu ms"].get(op), floor["cpu ms"].get(op)
        p99 = (parity["p99 ms"].get(op), floor["p99 ms"].get(op))
        table.add_row(
            f"{op} ({parity['count'].get(op, 0):,})",
            f"{ours:.1f}" if ours else "-",
            f"{theirs:.1f}" if theirs else "-",
            _ratio(ours, theirs),
            _latency(parity, op),
            _latency(floor, op),
            _ratio(*p99),
        )
    ours, theirs = parity["cpu ms/request"], floor["cpu ms/request"]
    table.add_row("all", f"{ours:.1f}", f"{theirs:.1f}", _ratio(ours, theirs), "", "", "")
    console.print(table)
    for label, r in (("Parity", parity), ("floor", floor)):
        console.print(
            f"  {label}: {r['requests']:,} requests in {r['seconds']:.1f} s "
            f"({r['requests/s']:.0f}/s), {r['bookings/s']:.0f} bookings/s, "
            f"{r['conflicts']:,} conflicts (409), {len(r['errors'])} errors"
        )


def _latency(figures: dict[str, Any], op: str) -> str:
    if op not in figures["p50 ms"]:
        return "-"
    return f"{figures['p50 ms'][op]:.0f} / {figures['p99 ms'][op]:.0f}"


def show(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    for result in results:
        for mix in args.mix.split(","):
            show_mix(result, mix, args.clients)
        found = result["invariants"]
        half = sum(found[k] for k in HALF_WRITTEN)
        console.print(
            f"  Parity on {result['database']}: {found['double bookings']} double bookings, "
            f"{found['bookings in protected time']} bookings in protected time, "
            f"{half} half-written rows"
        )
        for label in ("parity", "floor"):
            for mix in args.mix.split(","):
                for error in result[label][mix]["errors"][:3]:
                    console.print(f"[red]{label} {mix} error:[/] {error}")
    console.print(
        f"{os.cpu_count()} cores; load average (1 min) at the end: {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--mix", default="uncontended,contended")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    results = []
    for name in args.db.split(","):
        sqlite = name == "sqlite"
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db" if sqlite else postgres_url()
        try:
            results.append(run(name, url, args))
        finally:
            if not sqlite:
                drop_postgres(url)
    show(results, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
