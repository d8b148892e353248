"""Searches by equal columns (`where`) and by a due column (`due`) run one prebuilt
statement per shape on `direct.rows` (docs/adr/0017-booking-api-speed.md, ninth round), on
SQLite and PostgreSQL: its rows are the ones `Connection.execute` gives for the same
statement, and the ones of the statement built afresh for the values (as before)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from test_repositories import NOW, _request, parents  # noqa: F401  (parents: a fixture)

from parity.adapters.sql import SqlUnitOfWork, direct, mapping
from parity.adapters.sql.repositories import DUE, SEARCHED, _search_statement
from parity.domain.care import RequestStatus
from parity.domain.holds import Hold, HoldStatus


def _three_ways(
    engine: Engine, statement: Any, values: dict[str, Any], built: Any
) -> list[list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        # PostgreSQL runs it on the cursor path; SQLite always through `execute`.
        on_cursor = direct.prepared(connection, statement, values) is not None
        assert on_cursor == (engine.dialect.name == "postgresql")
        return [
            [tuple(row) for row in direct.rows(connection, statement, values)],
            [tuple(row) for row in connection.execute(statement, values)],
            [tuple(row) for row in connection.execute(built)],
        ]


def test_a_search_by_equal_columns_reads_the_rows_execute_reads(
    engine: Engine,
    uow: SqlUnitOfWork,
    parents: dict[str, int],  # noqa: F811
) -> None:
    with uow:
        uow.requests.add(_request(member_id="m2", status=RequestStatus.BOOKED))
        uow.requests.add(_request(member_id="m2"))
        uow.commit()
    requests = mapping.REQUESTS
    statement = _search_statement(requests, None, ("member_id", "status"))
    values = {f"{SEARCHED}member_id": "m2", f"{SEARCHED}status": RequestStatus.OPEN}
    columns = requests.table.c
    built = requests.query.where(
        columns.member_id == "m2", columns.status == RequestStatus.OPEN
    ).order_by(columns.id)
    found, executed, afresh = _three_ways(engine, statement, values, built)
    assert len(found) == 1
    assert found == executed == afresh
    with uow:
        (record,) = uow.requests.where(member_id="m2", status=RequestStatus.OPEN)
    assert record.id == found[0][0]


def test_a_search_by_a_due_column_reads_the_rows_execute_reads(
    engine: Engine,
    uow: SqlUnitOfWork,
    parents: dict[str, int],  # noqa: F811
) -> None:
    with uow:
        for minutes in (-5, 0, 5):
            hold = Hold(parents["request"], parents["slot"], NOW - timedelta(hours=1), NOW)
            hold.expires_at = NOW + timedelta(minutes=minutes)
            uow.holds.add(hold)
        uow.commit()
    holds = mapping.HOLDS
    statement = _search_statement(holds, "expires_at", ("status",))
    values = {f"{SEARCHED}status": HoldStatus.ACTIVE, f"{SEARCHED}{DUE}": NOW}
    columns = holds.table.c
    built = holds.query.where(
        columns.expires_at <= NOW, columns.status == HoldStatus.ACTIVE
    ).order_by(columns.id)
    found, executed, afresh = _three_ways(engine, statement, values, built)
    assert len(found) == 2  # expired five minutes ago, and now
    assert found == executed == afresh
