"""The floor: a bare FastAPI app doing the database work of find, hold, book and cancel.

bench_load.py serves it beside Parity, with the same uvicorn workers, on the same database
(PostgreSQL through psycopg, or the same SQLite file through sqlite3), and sends it the
same requests, so the two servers' CPU per request and latencies can be read side by side
(docs/adr/0017-booking-api-speed.md). Nothing here authenticates, authorises, audits,
keeps evidence, validates FHIR or checks a rule beyond the slot's status: it is what the
database work alone costs, the floor Parity is measured against.

- find: the member's row, then one indexed SELECT of the earliest free intake slots of a
  therapist who speaks the member's language and offers one of their modalities (in
  person only at their clinic), in the next 14 days: Parity's search, without its rules.
- hold: a conditional UPDATE of the slot (free -> busy-tentative) and an INSERT of a hold.
- book: a conditional UPDATE of the slot (free, or held by this hold, -> busy) and an
  INSERT of the appointment (for a hold, an UPDATE of the hold too).
- cancel: an UPDATE of the appointment and one of its slot back to free.

A slot someone else took is a 409, as in Parity. Holds and appointments go to tables of
the floor's own (`floor_holds`, `floor_appointments`), so Parity's rows stay as they were.

Served as `uvicorn floor_app:create --factory --app-dir bench`, with FLOOR_DATABASE_URL
set to a `postgresql://` URL or a `sqlite:///path` URL.
"""

from __future__ import annotations

import json
import os
import queue
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from fastapi import FastAPI, HTTPException

POOL_SIZE = 10
WINDOW = timedelta(days=14)
NOTICE = timedelta(hours=2)
SQLITE_INSTANT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores instants in SQLite

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS floor_holds (
        id {serial}, slot_id INTEGER NOT NULL, member_id TEXT NOT NULL,
        status TEXT NOT NULL, held_at {instant} NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS floor_appointments (
        id {serial}, slot_id INTEGER NOT NULL, member_id TEXT NOT NULL,
        clinician_id TEXT NOT NULL, start {instant} NOT NULL,
        status TEXT NOT NULL, booked_at {instant} NOT NULL)""",
)

FIND = """
SELECT s.id, s.clinician_id, s.start FROM slots s
 WHERE s.status = 'free' AND s.kind = 'intake' AND s.start >= {p} AND s.start < {p}
   AND EXISTS (SELECT 1 FROM clinicians c
                WHERE c.id = s.clinician_id AND c.provider_class = 'therapist')
   AND EXISTS (SELECT 1 FROM clinician_languages l
                WHERE l.clinician_id = s.clinician_id AND l.language = {p})
   AND EXISTS (SELECT 1 FROM clinician_modalities m
                WHERE m.clinician_id = s.clinician_id
                  AND (m.modality IN ({remote}) OR (m.modality = {p} AND s.clinic_id = {p})))
 ORDER BY s.start, s.id LIMIT {p}"""
MEMBER = "SELECT clinic_id, language, modalities FROM members WHERE id = {p}"
TAKE = "UPDATE slots SET status = {p} WHERE id = {p} AND status = {p} RETURNING clinician_id, start"
HOLD = "INSERT INTO floor_holds (slot_id, member_id, status, held_at) VALUES ({p}, {p}, 'active', {p}) RETURNING id"
END_HOLD = "UPDATE floor_holds SET status = 'booked' WHERE id = {p} AND status = 'active' RETURNING slot_id, member_id"
BOOK = """INSERT INTO floor_appointments (slot_id, member_id, clinician_id, start, status, booked_at)
          VALUES ({p}, {p}, {p}, {p}, 'booked', {p}) RETURNING id"""
CANCEL = "UPDATE floor_appointments SET status = 'cancelled' WHERE id = {p} AND status = 'booked' RETURNING slot_id"
FREE = "UPDATE slots SET status = 'free' WHERE id = {p}"


class Database:
    """A fixed pool of DB-API connections and the dialect's spelling of the statements."""

    def __init__(self, url: str, pool_size: int = POOL_SIZE) -> None:
        self.sqlite = url.startswith("sqlite")
        self.url = url
        mark = "?" if self.sqlite else "%s"
        self.sql = {
            name: text.format(p=mark, remote=f"{mark}, {mark}")
            for name, text in {
                "find": FIND,
                "member": MEMBER,
                "take": TAKE,
                "hold": HOLD,
                "end_hold": END_HOLD,
                "book": BOOK,
                "cancel": CANCEL,
                "free": FREE,
            }.items()
        }
        self.idle: queue.Queue[Any] = queue.Queue()
        for _ in range(pool_size):
            self.idle.put(self._connect())

    def create_tables(self) -> None:
        """The floor's own holds and appointments (before its workers start)."""
        serial = "INTEGER PRIMARY KEY" if self.sqlite else "SERIAL PRIMARY KEY"
        instant = "TEXT" if self.sqlite else "TIMESTAMPTZ"
        with self.transaction() as cursor:
            for statement in SCHEMA:
                cursor.execute(statement.format(serial=serial, instant=instant))

    def _connect(self) -> Any:
        if not self.sqlite:
            return psycopg.connect(self.url.replace("+psycopg", ""))
        connection = sqlite3.connect(
            self.url.split("///", 1)[1], timeout=30, isolation_level=None, check_same_thread=False
        )
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            connection.execute(f"PRAGMA {pragma}")
        return connection

    def close(self) -> None:
        while not self.idle.empty():
            self.idle.get().close()

    def instant(self, value: datetime) -> Any:
        return value.astimezone(UTC).strftime(SQLITE_INSTANT) if self.sqlite else value

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Any]:
        """A cursor in one transaction, committed at the end, rolled back on an error.
        On SQLite a writing transaction takes the write lock at once (BEGIN IMMEDIATE)."""
        connection = self.idle.get(timeout=10)
        cursor = connection.cursor()
        try:
            if self.sqlite:
                cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield cursor
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            cursor.close()
            self.idle.put(connection)

    def one(self, cursor: Any, name: str, values: Sequence[Any]) -> Any:
        cursor.execute(self.sql[name], tuple(values))
        return cursor.fetchone()


def _parameters(body: dict[str, Any]) -> dict[str, str]:
    return {
        p["name"]: str(p.get("valueString", p.get("valueInteger", "")))
        for p in body.get("parameter", [])
    }


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "entry": [{"resource": r} for r in resources]}


def _find(db: Database, member: str, count: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    with db.transaction(write=False) as cursor:
        row = db.one(cursor, "member", [member])
        if row is None:
            raise HTTPException(404, f"Patient/{member} not found")
        clinic, language, modalities = row
        offered = json.loads(modalities) if isinstance(modalities, str) else modalities
        remote = [m if m in offered else "none" for m in ("video", "phone")]
        local = "in-person" if "in-person" in offered else "none"
        window = (db.instant(now + NOTICE), db.instant(now + WINDOW))
        cursor.execute(db.sql["find"], (*window, language, *remote, local, clinic, count))
        found = cursor.fetchall()
    return [
        {"resourceType": "Appointment", "id": f"proposal-{member}-{slot}", "status": "proposed"}
        for slot, _clinician, _start in found
    ]


def _take(db: Database, cursor: Any, slot: int, old: str, new: str) -> tuple[str, Any]:
    row = db.one(cursor, "take", [new, slot, old])
    if row is None:
        raise HTTPException(409, f"slot {slot} is not {old}")
    return str(row[0]), row[1]


def _hold(db: Database, target: str) -> dict[str, Any]:
    member, slot = _proposal(target)
    with db.transaction() as cursor:
        _take(db, cursor, slot, "free", "busy-tentative")
        (hold,) = db.one(cursor, "hold", [slot, member, db.instant(datetime.now(UTC))])
    return {"resourceType": "Appointment", "id": f"hold-{hold}", "status": "pending"}


def _book(db: Database, target: str) -> dict[str, Any]:
    now = db.instant(datetime.now(UTC))
    with db.transaction() as cursor:
        if target.startswith("hold-"):
            row = db.one(cursor, "end_hold", [int(target.removeprefix("hold-"))])
            if row is None:
                raise HTTPException(409, f"{target} is not active")
            slot, member = int(row[0]), str(row[1])
            clinician, start = _take(db, cursor, slot, "busy-tentative", "busy")
        else:
            member, slot = _proposal(target)
            clinician, start = _take(db, cursor, slot, "free", "busy")
        (booked,) = db.one(cursor, "book", [slot, member, clinician, start, now])
    return {"resourceType": "Appointment", "id": str(booked), "status": "booked"}


def _proposal(target: str) -> tuple[str, int]:
    member, _, slot = target.removeprefix("proposal-").rpartition("-")
    if not member or not slot.isdigit():
        raise HTTPException(400, f"not a proposal: {target}")
    return member, int(slot)


def _cancel(db: Database, appointment: int) -> dict[str, Any]:
    with db.transaction() as cursor:
        row = db.one(cursor, "cancel", [appointment])
        if row is None:
            raise HTTPException(409, f"appointment {appointment} is not booked")
        cursor.execute(db.sql["free"], (int(row[0]),))
    return {"resourceType": "Appointment", "id": str(appointment), "status": "cancelled"}


def create() -> FastAPI:
    """The floor app on FLOOR_DATABASE_URL, one connection pool per worker process."""
    db = Database(os.environ["FLOOR_DATABASE_URL"])
    app = FastAPI()

    @app.get("/metadata")
    def metadata() -> dict[str, str]:
        return {"resourceType": "CapabilityStatement"}

    @app.post("/Appointment/$find")
    def find(body: dict[str, Any]) -> dict[str, Any]:
        asked = _parameters(body)
        member = asked["patient-reference"].removeprefix("Patient/")
        return _bundle(*_find(db, member, int(asked.get("_count") or 5)))

    @app.post("/Appointment/$hold")
    def hold(body: dict[str, Any]) -> dict[str, Any]:
        return _bundle(_hold(db, _parameters(body)["appt-id"]))

    @app.post("/Appointment/$book")
    def book(body: dict[str, Any]) -> dict[str, Any]:
        return _bundle(_book(db, _parameters(body)["appt-id"]))

    @app.post("/Appointment/{appointment}/$cancel")
    def cancel(appointment: int, body: dict[str, Any]) -> dict[str, Any]:
        return _bundle(_cancel(db, appointment))

    return app
