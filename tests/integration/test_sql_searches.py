"""Searches by equal columns (`where`) and by a due column (`due`) run one prebuilt
statement per shape on `direct.rows`, and the slot search and `many` bind their lists as
arrays on PostgreSQL so that they do too (docs/adr/0017-booking-api-speed.md, ninth
round), on SQLite and PostgreSQL: their rows are the ones `Connection.execute` gives for
the same statement, and the ones of the statement they replace (built afresh for the
values, or with `IN` lists)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sql_support import FIRST_WEEK, Region, at
from sqlalchemy import Engine
from test_repositories import NOW, _request, parents  # noqa: F401  (parents: a fixture)

from parity.adapters.sql import SqlUnitOfWork, direct, mapping, slots
from parity.adapters.sql.record_layout import DUE, SEARCHED, _search_statement
from parity.adapters.sql.statements import one_of
from parity.domain.availability import SlotQuery
from parity.domain.care import RequestStatus
from parity.domain.holds import Hold, HoldStatus
from parity.domain.schedule import BlockKind
from parity.domain.workforce import Modality, ProviderClass


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


def _slot_query(**changes: Any) -> SlotQuery:
    values: dict[str, Any] = {
        "kinds": (BlockKind.FOLLOW_UP, BlockKind.INTAKE),
        "provider_class": ProviderClass.THERAPIST,
        "language": "english",
        "modalities": (Modality.IN_PERSON, Modality.VIDEO),
        "clinic_id": "north",
        "not_before": at(FIRST_WEEK, 0),
        "not_after": at(FIRST_WEEK + timedelta(days=14), 0),
        **changes,
    }
    return SlotQuery(**values)


SLOT_QUERIES: dict[str, tuple[dict[str, Any], list[str] | None]] = {
    "in person or video": ({}, None),
    "video only": ({"modalities": (Modality.VIDEO,)}, None),
    "in person only": ({"modalities": (Modality.IN_PERSON,)}, None),
    "one clinician": ({"clinician_id": "ana"}, None),
    "among a few": ({}, ["ana", "cy"]),
    "none of the kinds": ({"kinds": ()}, None),
}


@pytest.mark.parametrize("case", list(SLOT_QUERIES))
def test_a_slot_search_with_its_lists_as_arrays_reads_the_rows_of_its_in_lists(
    engine: Engine, region: Region, case: str
) -> None:
    changes, among = SLOT_QUERIES[case]
    query = _slot_query(**changes)
    shape = slots.shape_of(query, among)
    values = slots.search_values(query, among, 40)
    with engine.connect() as connection:
        lists = [tuple(r) for r in connection.execute(slots.search_statement(shape), values)]
        arrays = engine.dialect.name == "postgresql"  # SQLite has no arrays
        statement = slots.search_statement(shape, arrays)
        assert (direct.prepared(connection, statement, values) is not None) == arrays
        found = [tuple(r) for r in direct.rows(connection, statement, values)]
        executed = [tuple(r) for r in connection.execute(statement, values)]
    assert found == executed == lists
    if case != "none of the kinds":
        assert lists  # the region's first two weeks have such slots
    else:
        assert lists == []


def test_many_with_its_keys_as_an_array_reads_the_records_of_its_in_list(
    engine: Engine, region: Region
) -> None:
    keys = ["cy", "ana", "nobody"]
    clinicians = mapping.CLINICIANS
    key = clinicians.table.c.id
    in_list = clinicians.query.where(key.in_(keys)).order_by(key)
    arrays = engine.dialect.name == "postgresql"
    statement = clinicians.query.where(one_of(key, "keys", arrays)).order_by(key)
    values = {"keys": keys}
    with engine.connect() as connection:
        expected = [tuple(r) for r in connection.execute(in_list)]
        assert (direct.prepared(connection, statement, values) is not None) == arrays
        found = [tuple(r) for r in direct.rows(connection, statement, values)]
    assert [r[0] for r in expected] == ["ana", "cy"]
    assert found == expected
    uow: Any = region.uow
    with uow:
        assert sorted(uow.clinicians.many(keys)) == ["ana", "cy"]
