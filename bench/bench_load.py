"""Load benchmark: concurrent FHIR clients against a running `parity serve` on loopback.

For each database (SQLite file, then PostgreSQL in a database of its own) it loads the demo
region, imports a block of members, starts the server as a separate process, and lets N
client threads run a fixed number of find -> book (-> cancel) rounds. It prints throughput,
p50/p99 latency per operation, conflicts (409: a slot someone else got first — the
expected, clear answer), errors (anything else non-2xx, or a transport failure), and the
invariants checked afterwards with independent SQL: double bookings, bookings inside
protected time and half-written rows (bench_soak.py uses the same checks).

Run: .venv/bin/python bench/bench_load.py [--clients 32] [--rounds 40] [--db sqlite,postgres]
     [--workers 2]. `server CPU ms / request` (the server processes' CPU time over the
     requests served) is the figure to compare on a shared machine, where wall-clock
     latency depends on what else runs.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import create_engine, text

from parity.adapters.sql.engine import normalised_url

console = Console()
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("PARITY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
MEMBERS = 3_000
CANCEL_SHARE = 0.3
# issue 9: every call needs a bearer token; the server and CLI share one signing secret.
os.environ.setdefault("PARITY_SECRET_KEY", secrets.token_urlsafe(48))
AUTH: dict[str, str] = {}


def bearer(url: str) -> dict[str, str]:
    """A token of the demo's admin account, from `parity users token`."""
    env = {**os.environ, "PARITY_DATABASE_URL": url}
    command = [BIN / "parity", "users", "token", "demo-admin"]
    token = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return {"Authorization": f"Bearer {token.stdout.strip()}"}


def parameters(**values: str) -> dict[str, Any]:
    return {
        "resourceType": "Parameters",
        "parameter": [{"name": k.replace("_", "-"), "valueString": v} for k, v in values.items()],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_url() -> str:
    admin = create_engine(normalised_url(PG_ADMIN), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS parity_bench WITH (FORCE)"))
        connection.execute(text("CREATE DATABASE parity_bench"))
    admin.dispose()
    return (
        normalised_url(PG_ADMIN).set(database="parity_bench").render_as_string(hide_password=False)
    )


def prepare(url: str, workdir: Path) -> None:
    env = {**os.environ, "PARITY_DATABASE_URL": url}
    subprocess.run(
        [BIN / "parity", "demo", "--weeks", "2", "--reset"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    members = workdir / "members.csv"
    clinics = ("san-diego", "fontana", "lancaster", "downey")
    modalities = ("video;phone", "in-person", "phone;video", "in-person;video")
    rows = [
        f"b{k},Bench Member {k},{clinics[k % 4]},{'spanish' if k % 5 == 0 else 'english'},{modalities[k % 4]}"
        for k in range(MEMBERS)
    ]
    members.write_text("id,name,clinic_id,language,modalities\n" + "\n".join(rows) + "\n")
    subprocess.run(
        [BIN / "parity", "import", "members", str(members)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def server_cpu_seconds(group: int) -> float:
    """User + system CPU seconds of the live processes in process group `group` (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[2]) == group:  # pgrp; utime and stime follow at 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / ticks


@contextmanager
def server(url: str, port: int, workers: int = 2) -> Iterator[tuple[str, Callable[[], float]]]:
    """`parity serve` in its own process group; yields its base URL and a function that
    reads the CPU seconds its processes have used so far. Fails loudly, with the server's
    output, if it does not answer within READY_SECONDS (a loaded machine is slow to start
    it: the command imports a lot)."""
    env = {**os.environ, "PARITY_DATABASE_URL": url}
    log = Path(tempfile.mkdtemp()) / "parity-serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [BIN / "parity", "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(base, process, log)
        yield base, lambda: server_cpu_seconds(process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


READY_SECONDS = 180


def _wait_until_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"parity serve exited:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/metadata", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.5)
    raise RuntimeError(
        f"parity serve did not answer in {READY_SECONDS} s:\n{log.read_text()[-2000:]}"
    )


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: defaultdict[str, list[float]] = defaultdict(list)
        self.conflicts = 0
        self.errors: list[str] = []
        self.booked = 0
        self.cancelled = 0

    def timed(
        self, client: httpx.Client, name: str, path: str, body: dict[str, Any]
    ) -> httpx.Response | None:
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
        return response if response.status_code < 300 else None


def client_loop(base: str, rounds: int, seed: int, tally: Tally, advance: Any) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=30, headers=AUTH) as client:
        for _ in range(rounds):
            member = f"b{rng.randrange(MEMBERS)}"
            found = tally.timed(
                client,
                "find",
                "/Appointment/$find",
                parameters(patient_reference=f"Patient/{member}"),
            )
            advance()
            proposals = [
                e["resource"]
                for e in (found.json().get("entry", []) if found else [])
                if e["resource"]["resourceType"] == "Appointment"
            ]
            if not proposals:
                continue
            # Half the members take the best proposal, so clients really do race for slots.
            choice = proposals[0] if rng.random() < 0.5 else rng.choice(proposals)
            booked = tally.timed(
                client, "book", "/Appointment/$book", parameters(appt_id=choice["id"])
            )
            if booked is None:
                continue
            with tally.lock:
                tally.booked += 1
            appointment = booked.json()["entry"][0]["resource"]["id"]
            if rng.random() < CANCEL_SHARE:
                done = tally.timed(
                    client,
                    "cancel",
                    f"/Appointment/{appointment}/$cancel",
                    parameters(cancelled_by="member", reason="bench"),
                )
                if done is not None:
                    with tally.lock:
                        tally.cancelled += 1


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
            SELECT 1 FROM appointments a WHERE a.slot_id = s.id AND a.status <> 'cancelled')""",
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


def run(name: str, url: str, clients: int, rounds: int, workers: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        console.print(f"[bold]{name}[/]: loading the demo region and {MEMBERS:,} members")
        prepare(url, Path(tmp))
        AUTH.update(bearer(url))
        tally = Tally()
        with (
            server(url, free_port(), workers) as (base, cpu),
            Progress(console=console, transient=True) as progress,
        ):
            task = progress.add_task(f"{clients} clients x {rounds} rounds", total=clients * rounds)
            lock = threading.Lock()

            def advance() -> None:
                with lock:
                    progress.advance(task)

            threads = [
                threading.Thread(target=client_loop, args=(base, rounds, i, tally, advance))
                for i in range(clients)
            ]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            cpu_seconds = cpu()
    all_latency = [x for values in tally.latency.values() for x in values]
    return {
        "database": name,
        "seconds": elapsed,
        "requests": len(all_latency),
        "requests/s": len(all_latency) / elapsed,
        "bookings/s": tally.booked / elapsed,
        "booked": tally.booked,
        "cancelled": tally.cancelled,
        "conflicts": tally.conflicts,
        "errors": tally.errors,
        "latency": {k: v for k, v in tally.latency.items()},
        "invariants": invariants(url),
        "server cpu ms/request": cpu_seconds * 1000 / max(1, len(all_latency)),
    }


def pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


def show(results: list[dict[str, Any]], clients: int) -> None:
    table = Table(title=f"Load on loopback: {clients} concurrent clients, {os.cpu_count()} cores")
    table.add_column("figure")
    for r in results:
        table.add_column(r["database"], justify="right")

    def line(label: str, cell: Any) -> None:
        table.add_row(label, *(cell(r) for r in results))

    line("HTTP requests", lambda r: f"{r['requests']:,} in {r['seconds']:.1f} s")
    line("requests / s", lambda r: f"{r['requests/s']:.0f}")
    line("bookings / s", lambda r: f"{r['bookings/s']:.0f}")
    line("booked / cancelled", lambda r: f"{r['booked']:,} / {r['cancelled']:,}")
    line("conflicts (409)", lambda r: f"{r['conflicts']:,}")
    line("errors", lambda r: str(len(r["errors"])))
    line("server CPU ms / request", lambda r: f"{r['server cpu ms/request']:.1f}")
    for op in ("find", "book", "cancel"):
        line(
            f"{op} p50 / p99 ms",
            lambda r, op=op: (
                f"{pct(r['latency'].get(op, []), 50):.0f} / {pct(r['latency'].get(op, []), 99):.0f}"
            ),
        )
    line("double bookings", lambda r: str(r["invariants"]["double bookings"]))
    line("bookings in protected time", lambda r: str(r["invariants"]["bookings in protected time"]))
    line("half-written rows", lambda r: str(sum(r["invariants"][k] for k in HALF_WRITTEN)))
    console.print(table)
    console.print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
    for r in results:
        for error in r["errors"][:5]:
            console.print(f"[red]{r['database']} error:[/] {error}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    args = parser.parse_args()
    results = []
    for name in args.db.split(","):
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db" if name == "sqlite" else postgres_url()
        results.append(run(name, url, args.clients, args.rounds, args.workers))
    show(results, args.clients)


if __name__ == "__main__":
    main()
