"""How many SQL statements and transactions each scheduling call costs Parity.

The profile (profile_load.py) says where the CPU goes; this says why: each statement costs
SQLAlchemy and psycopg CPU, each transaction a BEGIN and a COMMIT or ROLLBACK round trip.
It loads the demo region on a database of its own, builds the API in this process
(`entrypoints.api.asgi.create`, as a worker does), and runs a few members' find -> hold ->
book -> cancel, counting what SQLAlchemy sends per call (the first member's round only
warms up) and this process's CPU per call (the app and the test client: compare two runs
of this script, not with bench_load). With --show it prints each call's statements.

With --repeat N the members' rounds run N times and the CPU column is the median of the N
repeats' CPU per call (the lowest and highest in brackets), which a shared machine's noise
moves less than one repeat.

Two trees side by side, their repeats taking turns (a shared machine's load then weighs on
both alike): start one run with `--turns FILE --side 0` and another with `--side 1` and the
other tree's code (PYTHONPATH=<tree>/src); each runs a repeat when FILE names its side,
then hands the turn over. Side 0 goes first (a FILE that does not exist yet names it).

Run: .venv/bin/python bench/count_statements.py [--db postgres|sqlite] [--members 5] [--show]
     [--repeat 1] [--turns FILE --side 0|1].
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from bench_load import parameters
from servers import bearer, drop_postgres, postgres_url, prepare

console = Console(width=200)


class Counts:
    """Statements and transactions SQLAlchemy runs, recorded per named call."""

    def __init__(self) -> None:
        self.current = ""
        self.statements: Counter[str] = Counter()
        self.transactions: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.cpu: defaultdict[str, float] = defaultdict(float)
        self.seen: dict[str, list[str]] = {}

    def statement(self, conn: Any, cursor: Any, sql: str, *rest: Any) -> None:
        if self.current:
            self.statements[self.current] += 1
            self.seen.setdefault(self.current, []).append(" ".join(sql.split())[:160])

    def begin(self, conn: Connection) -> None:
        if self.current:
            self.transactions[self.current] += 1
            self.seen.setdefault(self.current, []).append("BEGIN")

    def end(self, conn: Connection) -> None:
        if self.current:
            self.seen.setdefault(self.current, []).append("END")


def _first_id(answer: dict[str, Any], kind: str = "Appointment") -> str | None:
    for found in answer.get("entry", []):
        if found["resource"]["resourceType"] == kind:
            return str(found["resource"]["id"])
    return None


def rounds(client: TestClient, counts: Counts, members: int) -> None:
    def call(name: str, path: str, body: dict[str, Any], warm: bool) -> dict[str, Any]:
        counts.current = "" if warm else name
        if not warm:
            counts.calls[name] += 1
            counts.seen[name] = []
        started = time.process_time()
        response = client.post(path, json=body)
        if not warm:
            counts.cpu[name] += time.process_time() - started
        counts.current = ""
        if response.status_code >= 300:
            raise RuntimeError(f"{name}: {response.status_code} {response.text[:200]}")
        answer: dict[str, Any] = response.json()
        return answer

    for number in range(members + 1):
        warm = number == 0
        body = parameters(patient_reference=f"Patient/b{number}", _count=20)
        found = _first_id(call("find", "/Appointment/$find", body, warm))
        if found is None:
            continue
        held = _first_id(call("hold", "/Appointment/$hold", parameters(appt_id=found), warm))
        booked = _first_id(call("book", "/Appointment/$book", parameters(appt_id=held or ""), warm))
        cancel = parameters(cancelled_by="member", reason="bench")
        call("cancel", f"/Appointment/{booked}/$cancel", cancel, warm)


def _wait_turn(turns: Path | None, side: int) -> None:
    """Until `turns` names `side` (at once without --turns); a file not written yet, or
    left empty, names side 0, which therefore goes first."""
    while turns is not None and _named(turns) != str(side):
        time.sleep(0.05)


def _named(turns: Path) -> str:
    named = turns.read_text().strip() if turns.exists() else ""
    return named or "0"


def _hand_over(turns: Path | None, side: int) -> None:
    if turns is not None:
        turns.write_text(str(1 - side))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--show", action="store_true", help="print each call's statements")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of --members, CPU median")
    parser.add_argument("--turns", type=Path, help="a file two runs take turns by")
    parser.add_argument("--side", type=int, choices=(0, 1), default=0)
    args = parser.parse_args()
    sqlite = args.db == "sqlite"
    url = f"sqlite:///{tempfile.mkdtemp()}/count.db" if sqlite else postgres_url()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            prepare(url, Path(tmp))
        os.environ["PARITY_DATABASE_URL"] = url
        headers = bearer(url)
        counts = Counts()
        event.listen(Engine, "before_cursor_execute", counts.statement)
        event.listen(Engine, "begin", counts.begin)
        event.listen(Engine, "commit", counts.end)
        event.listen(Engine, "rollback", counts.end)
        from parity.entrypoints.api.asgi import create

        per_repeat: list[dict[str, float]] = []
        with TestClient(create(), headers=headers) as client:
            for _ in range(args.repeat):
                _wait_turn(args.turns, args.side)
                calls, cpu = Counter(counts.calls), dict(counts.cpu)
                rounds(client, counts, args.members)
                _hand_over(args.turns, args.side)
                per_repeat.append(
                    {
                        name: (counts.cpu[name] - cpu.get(name, 0.0))
                        / (counts.calls[name] - calls[name])
                        for name in counts.calls
                    }
                )

    finally:
        if not sqlite:
            drop_postgres(url)
    table = Table(title=f"SQL per call ({args.db}, {args.members} members, admin token)")
    for column in ("call", "statements", "transactions", "CPU ms (this process)"):
        table.add_column(column, justify="right")
    for name, made in counts.calls.items():
        each = [1000 * repeat[name] for repeat in per_repeat]
        spread = f" ({min(each):.2f}-{max(each):.2f})" if len(each) > 1 else ""
        table.add_row(
            name,
            f"{counts.statements[name] / made:.1f}",
            f"{counts.transactions[name] / made:.1f}",
            f"{statistics.median(each):.2f}{spread}",
        )
    console.print(table)
    if args.show:
        for name, statements in counts.seen.items():
            console.print(f"[bold]{name}[/bold] (last call)")
            for sql in statements:
                console.print(f"  {sql}", markup=False, highlight=False)


if __name__ == "__main__":
    main()
