"""`$find`'s proposals carry the versions the rule gives (docs/adr/0015, and 0017's
thirteenth round, which computes them from the records the route read instead of parsing
what it rendered), on SQLite and PostgreSQL: a proposal's `meta.versionId` is its request's
counter plus its slot's, and its `meta.lastUpdated` the later of their times, both read
here straight from the tables; a read of the same proposal answers the same version, in
its ETag too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sql_support import Region
from sqlalchemy import Engine, select, update

from parity.adapters.sql import SqlUnitOfWork, tables
from parity.domain.members import Member
from parity.domain.users import Principal, Role
from parity.entrypoints.api import create_app
from parity.entrypoints.security import issue_token

WRITTEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def _api(region: Region, engine: Engine) -> TestClient:
    app = create_app(lambda: SqlUnitOfWork(engine), region.policy, region.clock)
    headers = {"Authorization": f"Bearer {issue_token(app, Principal('admin', Role.ADMIN))}"}
    return TestClient(app, raise_server_exceptions=False, headers=headers)


def _find(api: TestClient, request_id: str | None = None) -> dict[str, Any]:
    named = [{"name": "patient-reference", "valueString": "Patient/ada"}]
    if request_id is not None:
        named.append({"name": "service-request", "valueString": f"ServiceRequest/{request_id}"})
    answer = api.post("/Appointment/$find", json={"resourceType": "Parameters", "parameter": named})
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def _entries(body: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in body["entry"] if e["resource"]["resourceType"] == kind]


def _instant(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rows(engine: Engine, table: Any, keys: list[int]) -> dict[int, tuple[int, datetime | None]]:
    query = select(table.c.id, table.c.version, table.c.last_updated).where(table.c.id.in_(keys))
    with engine.connect() as connection:
        return {row.id: (row.version, row.last_updated) for row in connection.execute(query)}


def _meta(*records: tuple[int, datetime | None]) -> dict[str, str]:
    """The rule, computed here: the counters summed, the latest time."""
    meta = {"versionId": str(sum(version for version, _ in records))}
    times = [moment for _, moment in records if moment is not None]
    if times:
        meta["lastUpdated"] = str(_instant(max(times)))
    return meta


def test_find_proposals_carry_the_sum_of_their_request_and_slot_versions(
    region: Region, engine: Engine
) -> None:
    with region.uow as uow:
        uow.members.add(Member("ada", "Ada", "north"))
        uow.commit()
    with _api(region, engine) as api:
        first = _find(api)
        [request] = _entries(first, "ServiceRequest")
        slot_ids = [
            int(p["slot"][0]["reference"].split("/")[1]) for p in _entries(first, "Appointment")
        ]
        assert len(slot_ids) >= 3, first
        # Give the records versions and times of their own: the request in the middle, the
        # slots by turns later than it, earlier than it, and without a time.
        with engine.begin() as connection:
            requests = tables.care_requests
            connection.execute(
                update(requests)
                .where(requests.c.id == int(request["id"]))
                .values(version=4, last_updated=WRITTEN)
            )
            for n, slot_id in enumerate(slot_ids):
                moment = [WRITTEN + timedelta(hours=n + 1), WRITTEN - timedelta(days=n + 1), None]
                connection.execute(
                    update(tables.slots)
                    .where(tables.slots.c.id == slot_id)
                    .values(version=n + 2, last_updated=moment[n % 3])
                )
        again = _find(api, request["id"])
        proposals = _entries(again, "Appointment")
        reads = {p["id"]: api.get(f"/Appointment/{p['id']}") for p in proposals[:3]}
    request_row = _rows(engine, tables.care_requests, [int(request["id"])])[int(request["id"])]
    slots = _rows(engine, tables.slots, slot_ids)
    assert [int(p["slot"][0]["reference"].split("/")[1]) for p in proposals] == slot_ids
    assert request_row == (4, WRITTEN)
    for proposal in proposals:
        slot_id = int(proposal["slot"][0]["reference"].split("/")[1])
        assert proposal["meta"] == _meta(request_row, slots[slot_id]), proposal["id"]
    [shown] = _entries(again, "ServiceRequest")
    assert shown["meta"] == _meta(request_row)
    # the three kinds of times all met: later than the request's, earlier, none
    assert {proposals[n]["meta"]["lastUpdated"] for n in range(3)} == {
        _instant(WRITTEN + timedelta(hours=1)),
        _instant(WRITTEN),
    }
    # A read of a proposal (stamped from what it renders) answers the same version.
    for key, read in reads.items():
        assert read.status_code == 200, read.text
        [proposal] = [p for p in proposals if p["id"] == key]
        assert read.json()["meta"] == proposal["meta"]
        assert read.headers["etag"] == f'W/"{proposal["meta"]["versionId"]}"'
        same = {k for k in proposal if k not in ("comment", "extension")}
        assert {k: read.json()[k] for k in same} == {k: proposal[k] for k in same}
