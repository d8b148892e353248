"""What a SQL unit of work keeps for the rest of a transaction (docs/adr/0017, fourth
round): a record read by key is read once; a caller's unsaved change is not kept; a change
committed by another transaction meanwhile is refused at `save`, never overwritten; the
next transaction reads afresh; and the stamps it knows are those the database holds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event
from test_repositories import DEE, NORTH, SOUTH, _request

from parity.adapters.sql import SqlUnitOfWork
from parity.domain.care import RequestStatus
from parity.domain.errors import InvalidTransition


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(conn: object, cursor: object, sql: str, *rest: object) -> None:
        seen.append(sql.split()[0].upper())

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _open(uow: SqlUnitOfWork) -> int:
    """An open care request (a record the domain changes in place), its id."""
    with uow:
        uow.clinics.add(NORTH)
        uow.clinics.add(SOUTH)
        uow.clinicians.add(DEE)
        key = uow.requests.add(_request()).id
        uow.commit()
    return key


def test_a_record_is_read_once_per_transaction_and_again_in_the_next(
    uow: SqlUnitOfWork, engine: Engine
) -> None:
    key = _open(uow)
    with counted(engine) as seen, uow:
        first = uow.requests.get(key)
        again = uow.requests.get(key)
        by_key = uow.requests.where(id=key)
    assert seen.count("SELECT") == 1
    assert first == again == by_key[0]
    with counted(engine) as seen, uow:
        uow.requests.get(key)
    assert seen.count("SELECT") == 1  # a new transaction reads afresh


def test_an_unsaved_change_is_not_kept(uow: SqlUnitOfWork) -> None:
    key = _open(uow)
    with uow:
        uow.requests.get(key).status = RequestStatus.WITHDRAWN
        assert uow.requests.get(key).status is RequestStatus.OPEN


def test_a_saved_change_is_what_the_transaction_reads_after(uow: SqlUnitOfWork) -> None:
    key = _open(uow)
    with uow:
        changed = uow.requests.get(key)
        changed.status = RequestStatus.WITHDRAWN
        uow.requests.save(changed)
        assert uow.requests.get(key).status is RequestStatus.WITHDRAWN
        uow.commit()
    with uow:
        assert uow.requests.get(key).status is RequestStatus.WITHDRAWN


def test_a_change_committed_meanwhile_is_refused_not_overwritten(
    uow: SqlUnitOfWork, engine: Engine, backend: str
) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE): no one commits meanwhile")
    key = _open(uow)
    other = SqlUnitOfWork(engine)
    with uow:
        kept = uow.requests.get(key)
        with other:
            theirs = other.requests.get(key)
            theirs.status = RequestStatus.BOOKED
            other.requests.save(theirs)
            other.commit()
        assert uow.requests.get(key).status is RequestStatus.OPEN  # what this one read
        kept.status = RequestStatus.WITHDRAWN
        with pytest.raises(InvalidTransition):
            uow.requests.save(kept)
    with uow:
        assert uow.requests.get(key).status is RequestStatus.BOOKED


def test_the_stamps_it_knows_are_those_the_database_holds(
    uow: SqlUnitOfWork, engine: Engine
) -> None:
    key = _open(uow)
    with uow:
        uow.requests.save(uow.requests.get(key))
        with counted(engine) as seen:
            known = uow.stamps.of("requests", [key])
        read = uow.stamps.of("requests", [key], lock=True)  # a lock always reads
        uow.commit()
    assert seen == []
    assert known == read
    assert known[key].version == 2
