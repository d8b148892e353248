"""A database that is briefly unavailable is a 503 OperationOutcome that says to retry,
never a 500: a PostgreSQL connection killed under the pool, a SQLite file locked by
another writer past the busy timeout."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pg_schemas import fresh_schema
from sqlalchemy import Engine, text

from parity.adapters.clock import SystemClock
from parity.adapters.sql import SqlUnitOfWork, engine_from_url, upgrade
from parity.domain.users import Principal, Role
from parity.entrypoints.api import create_app
from parity.entrypoints.security import issue_token
from parity.services.policy import Policy

# The connections a test kills are named after its process: the suite runs in two
# (docs/adr/0019-two-test-processes.md), and one must not kill the other's.
APPLICATION = f"parity-outage-test-{os.getpid()}"


def api_on(engine: Engine, policy: Policy) -> TestClient:
    """The API on `engine`, called by an admin (every route, every row)."""
    app = create_app(lambda: SqlUnitOfWork(engine), policy, SystemClock())
    token = issue_token(app, Principal("outage-test", Role.ADMIN))
    headers = {"Authorization": f"Bearer {token}"}
    return TestClient(app, raise_server_exceptions=False, headers=headers)


def unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    issue = response.json()["issue"][0]
    assert issue["code"] == "transient"
    assert issue["diagnostics"].startswith("database-unavailable")


@pytest.fixture
def postgres(postgres_admin: Engine) -> Iterator[Engine]:
    for url in fresh_schema(postgres_admin):
        engine = engine_from_url(url, connect_args={"application_name": APPLICATION})
        upgrade(engine)
        yield engine
        engine.dispose()


@pytest.mark.postgres
def test_a_connection_killed_under_the_pool_is_one_503_then_service_again(
    postgres: Engine, postgres_admin: Engine, policy: Policy
) -> None:
    with api_on(postgres, policy) as api:
        assert api.get("/Practitioner").status_code == 200  # a pooled connection now
        with postgres_admin.connect() as admin:
            killed = admin.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": APPLICATION},
            ).scalar_one()
        assert killed >= 1
        unavailable(api.get("/Practitioner"))
        assert api.get("/Practitioner").status_code == 200


def test_a_sqlite_file_locked_past_the_busy_timeout_is_a_503(tmp_path: Any, policy: Policy) -> None:
    url = f"sqlite:///{tmp_path / 'parity.db'}"
    engine = engine_from_url(url, connect_args={"timeout": 0.2})
    upgrade(engine)
    writer = engine_from_url(url)
    try:
        with writer.connect() as other, api_on(engine, policy) as api:
            other.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is taken
            unavailable(api.get("/Practitioner"))
            other.rollback()
            assert api.get("/Practitioner").status_code == 200
    finally:
        writer.dispose()
        engine.dispose()
