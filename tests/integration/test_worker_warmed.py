"""A served worker does its one-time work before it serves (docs/adr/0017-booking-api-
speed.md, thirteenth round), on SQLite and PostgreSQL: the guard's table of route
templates (FastAPI builds every route's state on the way) and the pool's first connection
are made by `asgi.create`, so the first caller does not pay for them; and the guard still
matches each route to its template."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from parity.bootstrap import build_runtime
from parity.config import Settings
from parity.entrypoints.api import asgi
from parity.entrypoints.security.guard import route_paths


def test_a_served_worker_has_its_route_table_and_a_connection_before_serving(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = {"PARITY_DATABASE_URL": database_url, "PARITY_SECRET_KEY": "k" * 40}
    runtime = build_runtime(Settings.from_env(environment))
    runtime.engine.dispose()
    made = []
    monkeypatch.setattr(asgi, "build_runtime", lambda *a, **k: made.append(runtime) or runtime)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    try:
        app = asgi.create()
        assert made == [runtime]
        table = app.state.route_paths
        assert {"/Appointment/$find", "/Appointment/{appointment_id}/$cancel"} <= set(
            table.values()
        )
        assert runtime.engine.pool.checkedin() == 1  # connected, and back in the pool
        with TestClient(app) as client:
            assert client.get("/metadata").status_code == 200
        assert route_paths(app) is table  # the guard answered from it, made once
    finally:
        runtime.engine.dispose()
