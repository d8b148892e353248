"""A record saved after this transaction read it writes only the columns that changed
(adapters/sql/repositories.py, `SqlRepository._changed`): what it leaves out is what the
row already holds, so the row afterwards is the record, field for field; a record with a
value its caller could change in place (JSON) still writes every column. On SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import astuple
from datetime import timedelta

from sql_support import Region, initial_request
from sqlalchemy import Engine, event

from parity.adapters.sql import SqlUnitOfWork, tables
from parity.domain.care import RequestStatus
from parity.services.requests import open_request
from parity.services.waitlist import JoinWaitlist, join_waitlist


@contextmanager
def _updates(engine: Engine, table: str) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(conn: object, cursor: object, sql: str, *rest: object) -> None:
        if sql.startswith(f"UPDATE {table} "):
            seen.append(" ".join(sql.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _set(sql: str) -> set[str]:
    """The columns an UPDATE sets."""
    assignments = sql.partition(" SET ")[2].partition(" WHERE ")[0]
    return {part.split("=")[0].strip().strip('"') for part in assignments.split(", ")}


def test_a_request_saved_after_a_read_writes_what_changed_and_reads_back_whole(
    region: Region, engine: Engine
) -> None:
    opened = open_request(initial_request("m1"), region.uow, region.clock, region.policy)
    uow = region.uow
    with uow:
        request = uow.requests.get(opened.id)
        before = astuple(request)
        request.status = RequestStatus.WITHDRAWN
        request.withdrawn_by = "m1"
        request.withdrawn_at = request.requested_at + timedelta(hours=1)
        with _updates(engine, "care_requests") as seen:
            uow.requests.save(request)
        uow.commit()
    assert len(seen) == 1
    assert _set(seen[0]) == {"status", "withdrawn_by", "withdrawn_at", "version", "last_updated"}
    with SqlUnitOfWork(engine) as other:
        stored = other.requests.get(opened.id)
    assert astuple(stored) == astuple(request) != before
    assert other.requests.known_stamps([opened.id])[opened.id].version == 2


def test_a_save_that_changed_nothing_still_counts_a_write(region: Region, engine: Engine) -> None:
    opened = open_request(initial_request("m1"), region.uow, region.clock, region.policy)
    with region.uow as uow:
        request = uow.requests.get(opened.id)
        with _updates(engine, "care_requests") as seen:
            uow.requests.save(request)
        uow.commit()
    assert _set(seen[0]) == {"version", "last_updated"}
    with SqlUnitOfWork(engine) as other:
        assert astuple(other.requests.get(opened.id)) == astuple(request)
        assert other.requests.known_stamps([opened.id])[opened.id].version == 2


def test_a_record_not_read_in_the_transaction_writes_every_column(
    region: Region, engine: Engine
) -> None:
    opened = open_request(initial_request("m1"), region.uow, region.clock, region.policy)
    with region.uow as uow:
        request = uow.requests.get(opened.id)
    request.claimed_by = "staff"
    with region.uow as uow, _updates(engine, "care_requests") as seen:
        uow.requests.save(request)  # a new transaction: nothing kept to compare with
        uow.commit()
    assert _set(seen[0]) == set(tables.care_requests.c.keys()) - {"id"}


def test_a_waitlist_entry_holding_json_writes_every_column(region: Region, engine: Engine) -> None:
    opened = open_request(initial_request("m1"), region.uow, region.clock, region.policy)
    entry = join_waitlist(JoinWaitlist(opened.id), region.uow, region.clock)
    with region.uow as uow:
        kept = uow.waitlist.get(entry.id)
        kept.head_of_line = not kept.head_of_line
        with _updates(engine, "waitlist_entries") as seen:
            uow.waitlist.save(kept)
        uow.commit()
    assert _set(seen[0]) == set(tables.waitlist_entries.c.keys()) - {"id"}
    with SqlUnitOfWork(engine) as other:
        assert other.waitlist.get(entry.id).head_of_line is kept.head_of_line
