"""Kill the server (SIGKILL) in the middle of a booking run, on SQLite and on PostgreSQL,
restart it on the same database, and check with independent SQL that every booking
acknowledged to a client is there, nothing is half-written, no slot is booked twice and
nothing sits in protected time; then that the service books again (ADR 0008)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from served import Server
from sqlalchemy import bindparam, create_engine, text

from parity.adapters.csv_rows import read_rows
from parity.adapters.sql import invariants
from parity.adapters.sql.engine import normalised_url
from parity.bootstrap import build_runtime
from parity.config import Settings
from parity.entrypoints.cli.deployment import load_demo
from parity.services.imports import COLUMNS, import_rows

MEMBERS = 400
# Tests that hold many PostgreSQL connections at once run in one test process, one after
# another, so two processes never add up past the server's 100 (docs/adr/0019-two-test-processes.md).
pytestmark = pytest.mark.xdist_group("many-connections")

CLIENTS = 8
ACKNOWLEDGED_BEFORE_KILL = 12


def parameters(**values: str) -> dict[str, Any]:
    return {
        "resourceType": "Parameters",
        "parameter": [{"name": k.replace("_", "-"), "valueString": v} for k, v in values.items()],
    }


@dataclass
class Run:
    """What the clients saw: the appointments the server acknowledged, by id."""

    acknowledged: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    enough: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)

    def record(self, response: httpx.Response) -> None:
        appointment = int(response.json()["entry"][0]["resource"]["id"])
        with self.lock:
            self.acknowledged.add(appointment)
            if len(self.acknowledged) >= ACKNOWLEDGED_BEFORE_KILL:
                self.enough.set()


def _first_proposal(client: httpx.Client, member: str) -> str | None:
    found = client.post("/Appointment/$find", json=parameters(patient_reference=member))
    if found.status_code != 200:
        return None
    entries = found.json().get("entry", [])
    ids = [e["resource"]["id"] for e in entries if e["resource"]["resourceType"] == "Appointment"]
    return ids[0] if ids else None


def book_once(client: httpx.Client, rng: random.Random) -> httpx.Response | None:
    """find -> (hold ->) book for a random member; the $book response, or None."""
    proposal = _first_proposal(client, f"Patient/crash{rng.randrange(MEMBERS)}")
    if proposal is None:
        return None
    if rng.random() < 0.5:
        held = client.post("/Appointment/$hold", json=parameters(appt_id=proposal))
        if held.status_code != 200:
            return None
        proposal = held.json()["entry"][0]["resource"]["id"]
    return client.post("/Appointment/$book", json=parameters(appt_id=proposal))


def client_loop(base: str, headers: dict[str, str], seed: int, run: Run) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=10, headers=headers) as client:
        while not run.stop.is_set():
            try:
                booked = book_once(client, rng)
            except httpx.TransportError:
                return  # the server is gone
            if booked is not None and booked.status_code == 200:
                run.record(booked)


BOOKED_AMONG = text("SELECT id FROM appointments WHERE status = 'booked' AND id IN :ids")


def broken_invariants(url: str, acknowledged: set[int]) -> dict[str, int]:
    """Each check's count of offending rows, by independent SQL (not the repositories),
    and how many acknowledged appointments are not there, booked."""
    engine = create_engine(normalised_url(url))
    try:
        with engine.connect() as connection:
            found = invariants.broken(connection)
            query = BOOKED_AMONG.bindparams(bindparam("ids", expanding=True))
            there = set(connection.execute(query, {"ids": sorted(acknowledged)}).scalars())
    finally:
        engine.dispose()
    found["acknowledged but not booked"] = len(acknowledged - there)
    return found


@pytest.fixture
def served_database(database_url: str) -> str:
    """The demo region (one week of history, the weeks ahead laid, 20 requests left open
    for the optimizer) and MEMBERS members,
    loaded in this process (a `parity` command spends seconds importing)."""
    runtime = build_runtime(Settings(region="demo", database_url=database_url))
    settings = runtime.settings
    load_demo(runtime, weeks=1, scale=0.5, region="demo", contract=settings.contract, backlog=20)
    clinics = ("san-diego", "fontana", "lancaster", "downey")
    rows = [f"crash{k},Crash Member {k},{clinics[k % 4]}" for k in range(MEMBERS)]
    csv = ("id,name,clinic_id\n" + "\n".join(rows) + "\n").encode()
    import_rows("members", read_rows(csv, COLUMNS["members"]), runtime.uow(), runtime.policy)
    runtime.engine.dispose()
    return database_url


@pytest.fixture
def server(served_database: str, tmp_path: Path) -> Iterator[Server]:
    running = Server(served_database, tmp_path / "server.log")
    running.start()
    yield running
    running.stop()


def load_until_killed(server: Server) -> Run:
    """CLIENTS clients book until enough bookings are acknowledged, then SIGKILL, with
    requests still in flight."""
    run = Run()
    headers = server.headers()
    threads = [
        threading.Thread(target=client_loop, args=(server.base, headers, seed, run))
        for seed in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    reached = run.enough.wait(timeout=60)
    server.kill()
    run.stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert reached, "the clients did not get enough bookings acknowledged before the kill"
    return run


def test_a_killed_server_loses_no_acknowledged_booking_and_leaves_nothing_half_written(
    server: Server,
) -> None:
    run = load_until_killed(server)
    broken = broken_invariants(server.url, run.acknowledged)
    print(f"\ncrash: {len(run.acknowledged)} bookings acknowledged before SIGKILL; {broken}")
    assert broken == dict.fromkeys(broken, 0)
    server.start()  # the same database, a new process
    with httpx.Client(base_url=server.base, timeout=10, headers=server.headers()) as client:
        rng = random.Random(99)
        again = [book_once(client, rng) for _ in range(5)]
    assert any(r is not None and r.status_code == 200 for r in again)
    assert broken_invariants(server.url, run.acknowledged) == dict.fromkeys(broken, 0)


# The optimizer's `--apply`, in a process of its own that SIGKILLs itself in the middle of
# writing its plan: after the third offer, before the commit.
KILLED_APPLY = """
import os, signal, sys
import parity.services.optimize as optimize
from parity.entrypoints.cli.app import app
real, calls = optimize.hold_and_offer, []
def offer_then_die(*args, **kwargs):
    calls.append(real(*args, **kwargs))
    if len(calls) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return calls[-1]
optimize.hold_and_offer = offer_then_die
app(["optimize", "--from", sys.argv[1], "--apply", "--time-limit", "2"], prog_name="parity")
"""
SCHEDULE = {
    "appointments": "SELECT id, slot_id, status FROM appointments ORDER BY id",
    "offers": "SELECT id, slot_id, response FROM offers ORDER BY id",
    "requests": "SELECT id, status FROM care_requests ORDER BY id",
    "slots taken": "SELECT id, status FROM slots WHERE status <> 'free' ORDER BY id",
    "holds": "SELECT id, status FROM holds ORDER BY id",
    "referrals": "SELECT id, request_id FROM referrals ORDER BY id",
}


def schedule(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(normalised_url(url))
    try:
        with engine.connect() as connection:
            return {
                name: [tuple(row) for row in connection.execute(text(sql))]
                for name, sql in SCHEDULE.items()
            }
    finally:
        engine.dispose()


def test_an_optimizer_apply_killed_midway_leaves_the_schedule_exactly_as_before(
    served_database: str,
) -> None:
    before = schedule(served_database)
    assert any(status == "open" for _, status in before["requests"])
    today = datetime.now(tz=ZoneInfo("America/Los_Angeles")).date().isoformat()
    env = {**os.environ, "PARITY_DATABASE_URL": served_database}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_APPLY, today], env=env, capture_output=True, check=False
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert schedule(served_database) == before
