"""Version-aware updates under concurrency (docs/adr/0015): many workers send the same
change with the same `If-Match`, each on its own connection, at once. The check and the
change are one transaction with the records locked, so exactly one succeeds and every
other is refused as stale (412), never let through nor failed half-way, on SQLite and
PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sql_support import Region, initial_request
from sqlalchemy import Engine
from starlette.requests import Request

from parity.adapters import fhir
from parity.adapters.sql import SqlUnitOfWork
from parity.domain.errors import ParityError
from parity.domain.ports import UnitOfWork
from parity.domain.scope import EVERYONE
from parity.domain.users import Principal, Role
from parity.entrypoints.api.versions import PreconditionFailed, changing
from parity.services import queries
from parity.services.requests import PreferLater, open_request, prefer_later_date

# Tests that hold many PostgreSQL connections at once run in one test process, one after
# another, so two processes never add up past the server's 100 (docs/adr/0019-two-test-processes.md).
pytestmark = pytest.mark.xdist_group("many-connections")

WORKERS = 8


def _asked_with(etag: str) -> Request:
    return Request({"type": "http", "headers": [(b"if-match", etag.encode())]})


def test_one_of_many_changes_sent_with_the_same_version_wins_the_rest_get_412(
    engine: Engine, region: Region
) -> None:
    request_id = open_request(initial_request("m1"), region.uow, region.clock, region.policy).id
    with region.uow as uow:
        read = uow.stamps.of("requests", [request_id])[request_id]
    later = region.clock.now() + timedelta(days=30)
    start = threading.Barrier(WORKERS)

    def render(uow: UnitOfWork) -> fhir.Json:
        found = queries.care_request(uow, EVERYONE, request_id)
        return fhir.service_request(found, region.policy.rules)

    def worker(n: int) -> object:
        uow = SqlUnitOfWork(engine)
        start.wait()
        try:
            with changing(_asked_with(f'W/"{read.version}"'), uow, render) as joined:
                cmd = PreferLater(
                    request_id,
                    later + timedelta(hours=n),
                    Principal(f"worker {n}", Role.MEMBER, "m1"),
                )
                return prefer_later_date(cmd, joined, region.clock)
        except ParityError as refused:
            return refused

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outcomes = list(pool.map(worker, range(WORKERS)))

    refused = [o for o in outcomes if isinstance(o, ParityError)]
    assert len(outcomes) - len(refused) == 1
    assert all(isinstance(o, PreconditionFailed) for o in refused), refused
    with region.uow as uow:
        assert uow.stamps.of("requests", [request_id])[request_id].version == read.version + 1
