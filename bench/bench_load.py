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

Then, on each server, a free-running phase (--free-seconds a mix): the same rounds and
mixes with no barrier, the clients in separate processes on a light HTTP client, printing
requests/s and bookings/s for Parity and the floor side by side (the lockstep phase caps
throughput at the slowest client of each step).

Run: .venv/bin/python bench/bench_load.py [--clients 32] [--rounds 25] [--db sqlite,postgres]
     [--workers 2] [--mix uncontended,contended] [--free-seconds 20] [--warm-rounds 0]
     [--json FILE]. Server CPU per request is
     the figure to compare on a shared machine, where wall-clock latency depends on what
     else runs; docs/adr/0017-booking-api-speed.md records the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import create_engine

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
        self.cpu_seconds: defaultdict[str, float] = defaultdict(float)
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


def invariants(url: str) -> dict[str, int]:
    """Parity's invariants on the database at `url` (adapters/sql/invariants.py)."""
    from parity.adapters.sql import invariants as sql_invariants  # see `show`

    engine = create_engine(normalised_url(url))
    try:
        with engine.connect() as connection:
            return sql_invariants.broken(connection)
    finally:
        engine.dispose()


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


# -- the free-running phase: no barrier, clients in processes of their own ---------------
#
# The lockstep phase above attributes CPU to each operation, but every step waits for the
# slowest client, so it cannot say how many bookings a server makes when nobody waits. Here
# the same rounds of the same mixes run free: each client goes on to its next call as soon
# as it has its answer. The clients are spread over a few processes and speak HTTP/1.1
# through the standard library's `http.client` (one kept-alive connection each), a small
# fraction of httpx's CPU per request, so the client side does not starve the server on a
# 2-core machine. Server CPU per request here is over all operations together.

FREE_PROCESSES = 4


class _Caller:
    """One client's kept-alive connection; JSON in, (status, JSON or None) out."""

    def __init__(self, host: str, port: int, auth: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.headers = {"Content-Type": "application/fhir+json", **auth}
        self.connection = http.client.HTTPConnection(host, port, timeout=30)

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        payload = json.dumps(body).encode()
        for attempt in (1, 2):
            try:
                self.connection.request("POST", path, payload, self.headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.connection.close()  # the server closed a kept-alive connection
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt == 2:
                    raise
        status = response.status
        return status, (json.loads(data) if status < 300 and data else None)


def _free_client(
    host: str,
    port: int,
    auth: dict[str, str],
    mix: str,
    index: int,
    clients: int,
    until: float,
    out: dict[str, Any],
) -> None:
    rng = random.Random(index)
    caller = _Caller(host, port, auth)
    latency: defaultdict[str, list[float]] = defaultdict(list)
    booked = conflicts = 0
    errors: list[str] = []

    def timed(name: str, path: str, body: dict[str, Any]) -> Any:
        nonlocal conflicts
        started = time.perf_counter()
        try:
            status, answer = caller.post(path, body)
        except (http.client.HTTPException, OSError) as error:
            errors.append(f"{name}: {error!r}")
            return None
        latency[name].append(time.perf_counter() - started)
        if status == 409:
            conflicts += 1
        elif status >= 300:
            errors.append(f"{name}: {status}")
        return answer

    number = 0
    while time.time() < until:
        if mix == "uncontended":
            member, best_share = f"b{(number * clients + index) % MEMBERS}", 0.0
        else:
            member, best_share = f"b{rng.randrange(MEMBERS)}", 0.5
        number += 1
        booked += _free_round(timed, rng, member, mix, best_share)
    out.update(latency=dict(latency), booked=booked, conflicts=conflicts, errors=errors)


def _free_round(
    timed: Callable[[str, str, dict[str, Any]], Any],
    rng: random.Random,
    member: str,
    mix: str,
    best_share: float,
) -> int:
    """find -> (hold ->) book -> cancel, each call as soon as the last answered; 1 if
    it booked."""
    body = parameters(patient_reference=f"Patient/{member}", _count=MIXES[mix])
    answer = timed("find", "/Appointment/$find", body)
    proposals = [
        e["resource"]["id"]
        for e in (answer or {}).get("entry", [])
        if e["resource"]["resourceType"] == "Appointment"
    ]
    if not proposals:
        return 0
    target = proposals[0] if rng.random() < best_share else rng.choice(proposals)
    if rng.random() < HOLD_SHARE:
        target = _first_id(timed("hold", "/Appointment/$hold", parameters(appt_id=target)))
    if target is None:
        return 0
    visit = _first_id(timed("book", "/Appointment/$book", parameters(appt_id=target)))
    if visit is None:
        return 0
    cancel = parameters(cancelled_by="member", reason="bench")
    timed("cancel", f"/Appointment/{visit}/$cancel", cancel)
    return 1


def _free_process(
    base: str,
    auth: dict[str, str],
    mix: str,
    indexes: list[int],
    clients: int,
    seconds: float,
    start: Any,
    results: Any,
) -> None:
    """A process of free-running clients (threads), started together with the others."""
    parsed = urlsplit(base)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    start.wait()
    until = time.time() + seconds
    outs: list[dict[str, Any]] = [{} for _ in indexes]
    threads = [
        threading.Thread(target=_free_client, args=(host, port, auth, mix, i, clients, until, out))
        for i, out in zip(indexes, outs, strict=True)
    ]
    cpu_before = time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outs[0]["client cpu"] = time.process_time() - cpu_before  # this process's threads
    results.put(outs)


def database_cpu(database: str | None) -> float | None:
    """CPU seconds used so far by the PostgreSQL backends serving `database` on this machine
    (their `/proc` entries: `postgres: [CLUSTER:] USER DATABASE HOST(PORT) ...`; the shared
    writers are not counted); None where there are none to read (SQLite, another machine's
    server, no `/proc`)."""
    if database is None or not Path("/proc").is_dir():
        return None
    ticks, total, seen = os.sysconf("SC_CLK_TCK"), 0.0, False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            words = (entry / "cmdline").read_bytes().decode(errors="replace").split()
            if not words or words[0] != "postgres:" or database not in words[1:4]:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a backend that ended while it was read
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        seen = True
    return total if seen else None


def free_load(
    base: str,
    cpu: Callable[[], float],
    mix: str,
    clients: int,
    seconds: float,
    database: str | None = None,
) -> dict[str, Any]:
    """`clients` free-running clients in FREE_PROCESSES processes for `seconds`; with the
    CPU the database's backends (`database`, on this machine) and the clients used."""
    context = multiprocessing.get_context("fork")
    processes = min(FREE_PROCESSES, clients)
    start, results = context.Barrier(processes + 1), context.Queue()
    workers = [
        context.Process(
            target=_free_process,
            args=(
                base,
                dict(AUTH),
                mix,
                list(range(p, clients, processes)),
                clients,
                seconds,
                start,
                results,
            ),
        )
        for p in range(processes)
    ]
    for worker in workers:
        worker.start()
    start.wait()
    began, cpu_before, db_before = time.perf_counter(), cpu(), database_cpu(database)
    outs = [out for _ in workers for out in results.get(timeout=seconds + 120)]
    elapsed, cpu_seconds = time.perf_counter() - began, cpu() - cpu_before
    db_after = database_cpu(database)
    for worker in workers:
        worker.join()
    latency: defaultdict[str, list[float]] = defaultdict(list)
    for out in outs:
        for op, values in out["latency"].items():
            latency[op].extend(values)
    requests = sum(len(v) for v in latency.values())
    booked = sum(out["booked"] for out in outs)
    return {
        "seconds": elapsed,
        "requests": requests,
        "requests/s": requests / elapsed,
        "bookings/s": booked / elapsed,
        "booked": booked,
        "conflicts": sum(out["conflicts"] for out in outs),
        "errors": [e for out in outs for e in out["errors"]],
        "cpu ms/request": cpu_seconds * 1000 / max(1, requests),
        "cpu s": {
            "server": cpu_seconds,
            "database": None if db_before is None or db_after is None else db_after - db_before,
            "clients": sum(out.get("client cpu", 0.0) for out in outs),
        },
        "count": {op: len(v) for op, v in latency.items()},
        "p50 ms": {op: pct(v, 50) for op, v in latency.items()},
        "p99 ms": {op: pct(v, 99) for op, v in latency.items()},
    }


def run(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Both servers, every mix, on one database; Parity's invariants after its runs."""
    result: dict[str, Any] = {"database": name, "parity": {}, "floor": {}, "free": {}}
    with tempfile.TemporaryDirectory() as tmp:
        console.print(f"[bold]{name}[/]: loading the demo region and {MEMBERS:,} members")
        prepare(url, Path(tmp))
    AUTH.update(bearer(url))
    for label, serve in (("parity", server), ("floor", floor_server)):
        with serve(url, free_port(), args.workers) as (base, cpu):
            if args.warm_rounds > 0:  # measured by no figure: each server's one-time costs
                load(base, cpu, "contended", args.clients, args.warm_rounds)
            for mix in args.mix.split(","):
                result[label][mix] = load(base, cpu, mix, args.clients, args.rounds)
            if args.free_seconds > 0:
                for mix in args.mix.split(","):
                    free = free_load(
                        base, cpu, mix, args.clients, args.free_seconds, pg_database(url)
                    )
                    result["free"].setdefault(mix, {})[label] = free
        if label == "parity":
            result["invariants"] = invariants(url)
    return result


def pg_database(url: str) -> str | None:
    parsed = normalised_url(url)
    return parsed.database if parsed.get_backend_name() == "postgresql" else None


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


def show_free(result: dict[str, Any], clients: int, seconds: float) -> None:
    """The free-running phase, Parity and the floor side by side, per mix."""
    if not result["free"]:
        return
    table = Table(
        title=f"{result['database']}, free-running: {clients} clients, {seconds:.0f} s a mix, "
        f"no barrier ({FREE_PROCESSES} client processes)"
    )
    for column in ("mix", "server", "requests/s", "bookings/s", "CPU ms/request"):
        table.add_column(column, justify="right")
    for column in ("p99 find/hold/book/cancel ms", "409s", "errors"):
        table.add_column(column, justify="right")
    for mix, servers in result["free"].items():
        for label in ("parity", "floor"):
            r = servers.get(label)
            if r is None:
                continue
            p99 = " / ".join(f"{r['p99 ms'][op]:.0f}" if op in r["p99 ms"] else "-" for op in OPS)
            table.add_row(
                mix,
                "Parity" if label == "parity" else "floor",
                f"{r['requests/s']:.0f}",
                f"{r['bookings/s']:.1f}",
                f"{r['cpu ms/request']:.1f}",
                p99,
                f"{r['conflicts']:,}",
                f"{len(r['errors'])}",
            )
    console.print(table)
    show_free_cpu(result)
    for mix, servers in result["free"].items():
        for label, r in servers.items():
            for error in r["errors"][:3]:
                console.print(f"[red]{label} {mix} free-running error:[/] {error}")


def show_free_cpu(result: dict[str, Any]) -> None:
    """Where a free-running booking's CPU went (the server, the database's backends, the
    clients: all on this machine), and so how many bookings a second this machine's cores
    could make at those costs if nothing else ran: what a bookings/s target asks of each."""
    cores = os.cpu_count() or 1
    table = Table(
        title=f"{result['database']}, free-running: CPU ms a booking, and the most bookings/s "
        f"{cores} cores make at that cost"
    )
    for column in ("mix", "server", "its CPU", "database", "clients", "all", "ceiling/s", "made/s"):
        table.add_column(column, justify="right")
    for mix, servers in result["free"].items():
        for label in ("parity", "floor"):
            r = servers.get(label)
            if r is None or not r["booked"]:
                continue
            spent = r["cpu s"]
            parts = [spent["server"], spent["database"], spent["clients"]]
            each = [None if part is None else part * 1000 / r["booked"] for part in parts]
            known = sum(part for part in each if part is not None)
            table.add_row(
                mix,
                "Parity" if label == "parity" else "floor",
                *("-" if part is None else f"{part:.1f}" for part in each),
                f"{known:.1f}" + ("" if None not in each else " (no database)"),
                f"{cores * 1000 / known:.0f}",
                f"{r['bookings/s']:.1f}",
            )
    console.print(table)


def show(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    # Imported here, not at the top: count_statements.py imports this module's helpers
    # and may run them against an older tree's code (PYTHONPATH), which lacks it.
    from parity.adapters.sql import invariants as sql_invariants

    for result in results:
        for mix in args.mix.split(","):
            show_mix(result, mix, args.clients)
        show_free(result, args.clients, args.free_seconds)
        found = result["invariants"]
        half = sql_invariants.half_written(found)
        console.print(
            f"  Parity on {result['database']}: {found[sql_invariants.DOUBLE_BOOKINGS]} "
            f"double bookings, {found[sql_invariants.IN_PROTECTED_TIME]} bookings in "
            "protected time, "
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
    parser.add_argument(
        "--warm-rounds",
        type=int,
        default=0,
        help="contended rounds each server runs, unmeasured, before the first mix: its "
        "workers' one-time costs (first connections, statements compiled and prepared) "
        "then fall outside every figure; 0 (the default) measures them in the first mix",
    )
    parser.add_argument(
        "--free-seconds",
        type=float,
        default=20,
        help="seconds of each mix's free-running phase (no barrier); 0 skips it",
    )
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
