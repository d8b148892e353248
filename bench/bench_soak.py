"""Soak: N concurrent FHIR clients for M minutes against `parity serve` on PostgreSQL.

Each client loops over a mixed round for a random member of the bench's 3,000: `$find`;
then, on a proposal, either `$hold` -> `$book` or `$book` directly (a few holds are
released instead); a read of the booked Appointment; a `$cancel` of most bookings (so the
slots come back and the run can last); and searches (Patient, Appointment by patient,
Slot by clinician). It prints, per minute, requests and bookings; per operation,
p50/p95/p99 latency; answers by status class; and, at the end, the invariants checked with
independent SQL (double bookings, bookings in protected time, half-written rows).

A 409 (someone else took the slot first) is an expected answer, counted apart. Errors
are 5xx, any other 4xx, timeouts and connection failures: a clean soak has none.

Run: .venv/bin/python bench/bench_soak.py [--minutes 10] [--clients 64] [--workers 2]
`make bench` runs it with the defaults (10 minutes); `--minutes 1` for a quick look.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bench_load import (
    AUTH,
    MEMBERS,
    bearer,
    free_port,
    invariants,
    parameters,
    pct,
    postgres_url,
    prepare,
    server,
)
from servers import drop_postgres

console = Console()
CANCEL_SHARE = 0.8
RELEASE_SHARE = 0.1
HOLD_SHARE = 0.5
TIMEOUT_SECONDS = 30.0


class Soak:
    """What the clients saw, shared between their threads."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.lock = threading.Lock()
        self.latency: defaultdict[str, list[float]] = defaultdict(list)
        self.answers: Counter[str] = Counter()
        self.errors: list[str] = []
        self.per_minute: defaultdict[int, Counter[str]] = defaultdict(Counter)

    def call(
        self, client: httpx.Client, name: str, method: str, path: str, **kw: Any
    ) -> httpx.Response | None:
        """One request, timed and classified; the response if it was a 2xx."""
        began = time.perf_counter()
        try:
            response = client.request(method, path, **kw)
        except httpx.HTTPError as error:
            self._count(name, began, "transport error", f"{name}: {error!r}")
            return None
        status = response.status_code
        kind = "2xx" if status < 300 else "409 conflict" if status == 409 else f"{status}"
        problem = (
            None if kind in {"2xx", "409 conflict"} else f"{name}: {status} {response.text[:200]}"
        )
        self._count(name, began, kind, problem)
        return response if status < 300 else None

    def _count(self, name: str, began: float, kind: str, error: str | None) -> None:
        now = time.perf_counter()
        with self.lock:
            self.latency[name].append(now - began)
            self.answers[kind] += 1
            minute = int((now - self.started) // 60)
            self.per_minute[minute]["requests"] += 1
            if name == "book" and kind == "2xx":
                self.per_minute[minute]["bookings"] += 1
            if error is not None:
                self.errors.append(error)

    def error_count(self) -> int:
        return sum(n for kind, n in self.answers.items() if kind not in {"2xx", "409 conflict"})


def _proposals(found: httpx.Response | None) -> list[dict[str, Any]]:
    entries = found.json().get("entry", []) if found is not None else []
    return [e["resource"] for e in entries if e["resource"]["resourceType"] == "Appointment"]


def _book(client: httpx.Client, soak: Soak, rng: random.Random, target: str) -> str | None:
    """Hold then book, or book directly; the booked Appointment's id."""
    if rng.random() < HOLD_SHARE:
        held = soak.call(
            client, "hold", "POST", "/Appointment/$hold", json=parameters(appt_id=target)
        )
        if held is None:
            return None
        target = held.json()["entry"][0]["resource"]["id"]
        if rng.random() < RELEASE_SHARE:
            body = parameters(cancelled_by="member", reason="soak")
            soak.call(client, "release", "POST", f"/Appointment/{target}/$cancel", json=body)
            return None
    booked = soak.call(
        client, "book", "POST", "/Appointment/$book", json=parameters(appt_id=target)
    )
    return None if booked is None else str(booked.json()["entry"][0]["resource"]["id"])


def _reads(client: httpx.Client, soak: Soak, rng: random.Random, member: str) -> None:
    soak.call(client, "read", "GET", f"/Patient/{member}")
    soak.call(client, "search", "GET", "/Appointment", params={"patient": f"Patient/{member}"})
    clinician = f"Practitioner/c{rng.randrange(1, 21):05d}"
    soak.call(client, "search", "GET", "/Slot", params={"actor": clinician, "_count": 20})


def one_round(client: httpx.Client, soak: Soak, rng: random.Random) -> None:
    member = f"b{rng.randrange(MEMBERS)}"
    found = soak.call(
        client,
        "find",
        "POST",
        "/Appointment/$find",
        json=parameters(patient_reference=f"Patient/{member}"),
    )
    proposals = _proposals(found)
    if proposals:
        choice = proposals[0] if rng.random() < 0.5 else rng.choice(proposals)
        booked = _book(client, soak, rng, choice["id"])
        if booked is not None:
            soak.call(client, "read", "GET", f"/Appointment/{booked}")
            if rng.random() < CANCEL_SHARE:
                body = parameters(cancelled_by="member", reason="soak")
                soak.call(client, "cancel", "POST", f"/Appointment/{booked}/$cancel", json=body)
    _reads(client, soak, rng, member)


def client_loop(base: str, seed: int, soak: Soak, until: float) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=TIMEOUT_SECONDS, headers=AUTH) as client:
        while time.perf_counter() < until:
            one_round(client, soak, rng)


def soak(url: str, minutes: float, clients: int, workers: int) -> tuple[Soak, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        console.print(f"loading the demo region and {MEMBERS:,} members")
        prepare(url, Path(tmp))
        AUTH.update(bearer(url))  # every call carries the demo admin's token
    load_before = os.getloadavg()
    with (
        server(url, free_port(), workers) as (base, cpu),
        Progress(console=console, transient=True) as bar,
    ):
        started = time.perf_counter()
        until = started + minutes * 60
        state = Soak(started)
        threads = [
            threading.Thread(target=client_loop, args=(base, i, state, until))
            for i in range(clients)
        ]
        for thread in threads:
            thread.start()
        task = bar.add_task(f"{clients} clients for {minutes:g} min", total=minutes * 60)
        while any(t.is_alive() for t in threads):
            time.sleep(1)
            bar.update(task, completed=min(minutes * 60, time.perf_counter() - started))
        elapsed = time.perf_counter() - started
        cpu_seconds = cpu()
    figures = {
        "seconds": elapsed,
        "load before": load_before,
        "load after": os.getloadavg(),
        "server cpu s": cpu_seconds,
        "invariants": invariants(url),
    }
    return state, figures


def show(state: Soak, figures: dict[str, Any], clients: int, workers: int) -> None:
    requests = sum(len(v) for v in state.latency.values())
    minutes = Table(title="Per minute")
    minutes.add_column("minute", justify="right")
    minutes.add_column("requests/s", justify="right")
    minutes.add_column("bookings/s", justify="right")
    for minute in sorted(state.per_minute):
        counts = state.per_minute[minute]
        span = min(60.0, figures["seconds"] - minute * 60)  # the last minute may be short
        if span < 1:
            continue
        rates = (f"{counts[k] / span:.1f}" for k in ("requests", "bookings"))
        minutes.add_row(str(minute + 1), *rates)
    console.print(minutes)
    ops = Table(title="Latency per operation (ms)")
    for column in ("operation", "count", "p50", "p95", "p99", "max"):
        ops.add_column(column, justify="right")
    for name, values in sorted(state.latency.items()):
        ops.add_row(
            name,
            f"{len(values):,}",
            *(f"{pct(values, q):.0f}" for q in (50, 95, 99)),
            f"{max(values) * 1000:.0f}",
        )
    console.print(ops)
    summary = Table(
        title=f"Soak: {clients} clients, {workers} workers, {os.cpu_count()} cores (shared)"
    )
    summary.add_column("figure")
    summary.add_column("value", justify="right")
    seconds = figures["seconds"]
    summary.add_row("duration", f"{seconds / 60:.1f} min")
    summary.add_row("HTTP requests", f"{requests:,} ({requests / seconds:.1f}/s)")
    booked = sum(c["bookings"] for c in state.per_minute.values())
    summary.add_row("bookings", f"{booked:,} ({booked / seconds:.1f}/s)")
    summary.add_row(
        "server CPU per request", f"{figures['server cpu s'] / max(requests, 1) * 1000:.1f} ms"
    )
    for kind, n in sorted(state.answers.items()):
        summary.add_row(f"answers {kind}", f"{n:,}")
    summary.add_row("errors (5xx, other 4xx, transport)", str(state.error_count()))
    for name, n in figures["invariants"].items():
        summary.add_row(name, str(n))
    summary.add_row(
        "load average before / after",
        " / ".join(f"{x:.1f}" for x in (figures["load before"][0], figures["load after"][0])),
    )
    console.print(summary)
    for error in state.errors[:10]:
        console.print(f"[red]error:[/] {error}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    args = parser.parse_args()
    url = postgres_url() if args.db == "postgres" else f"sqlite:///{tempfile.mkdtemp()}/soak.db"
    try:
        state, figures = soak(url, args.minutes, args.clients, args.workers)
    finally:
        if args.db == "postgres":
            drop_postgres(url)
    show(state, figures, args.clients, args.workers)
    clean = state.error_count() == 0 and not any(figures["invariants"].values())
    raise SystemExit(0 if clean else 1)


if __name__ == "__main__":
    main()
