"""A served worker compiles its scheduling calls' statements, and reads what FastAPI notes
of its endpoints, before it serves (docs/adr/0017-booking-api-speed.md, fourteenth round):
after `asgi.create`, members' `$find`, `$hold`, `$book` and `$cancel` (a search of each
shape: video, in person, both) compile no statement and read no source file; on SQLite,
which compiles as it goes, nothing is compiled ahead."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any
from weakref import WeakKeyDictionary

import pytest
from fastapi import routing
from fastapi.testclient import TestClient
from sql_support import build_region

from parity.adapters.sql import SqlUnitOfWork, direct
from parity.adapters.sql.warm import compile_hot_statements
from parity.bootstrap import Runtime, build_runtime
from parity.config import Settings
from parity.domain.members import Member
from parity.domain.users import Principal, Role
from parity.domain.workforce import Modality
from parity.entrypoints.api import asgi
from parity.entrypoints.security import issue_token

MEMBERS = {
    "vid": (Modality.VIDEO, Modality.PHONE),
    "inp": (Modality.IN_PERSON,),
    "both": (Modality.IN_PERSON, Modality.VIDEO),
}


@pytest.fixture
def runtime(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    """A runtime on a fresh database holding the hand-built region and three members, on
    the region's clock, which `asgi.create` builds its app on; nothing compiled yet in
    this process (the statements' table emptied for the test)."""
    environment = {"PARITY_DATABASE_URL": database_url, "PARITY_SECRET_KEY": "k" * 40}
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    built = build_runtime(Settings.from_env(environment))
    uow = SqlUnitOfWork(built.engine)
    region = build_region(uow, built.policy)
    with uow:
        for member, modalities in MEMBERS.items():
            uow.members.add(Member(member, member.title(), "north", modalities=modalities))
        uow.commit()
    served = replace(built, clock=region.clock)
    monkeypatch.setattr(asgi, "build_runtime", lambda *a, **k: served)
    monkeypatch.setattr(direct, "_KEPT", WeakKeyDictionary())
    monkeypatch.setattr(direct, "_LAST", None)
    try:
        yield served
    finally:
        built.engine.dispose()


def _parameters(**values: str) -> dict[str, Any]:
    return {
        "resourceType": "Parameters",
        "parameter": [{"name": k.replace("_", "-"), "valueString": v} for k, v in values.items()],
    }


def _first(answer: Any) -> str:
    assert answer.status_code < 300, answer.text
    entries = answer.json().get("entry", [answer.json()])
    resources = [e.get("resource", e) for e in entries]
    return str(next(r["id"] for r in resources if r["resourceType"] == "Appointment"))


def _rounds(client: TestClient) -> None:
    """Each member's find, hold of the first proposal, booking of the hold, cancellation."""
    for member in MEMBERS:
        found = _first(
            client.post(
                "/Appointment/$find", json=_parameters(patient_reference=f"Patient/{member}")
            )
        )
        held = _first(client.post("/Appointment/$hold", json=_parameters(appt_id=found)))
        booked = _first(client.post("/Appointment/$book", json=_parameters(appt_id=held)))
        cancel = _parameters(cancelled_by="member", reason="test")
        answer = client.post(f"/Appointment/{booked}/$cancel", json=cancel)
        assert answer.status_code == 200, answer.text


def _counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[Any]:
    """Each call of `owner.name` from now on, noted (the call still runs)."""
    calls: list[Any] = []
    original: Callable[..., Any] = getattr(owner, name)

    def noted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, noted)
    return calls


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_served_worker_compiles_its_scheduling_statements_before_serving(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = _counting(monkeypatch, direct, "_prepare")
    app = asgi.create()
    assert compiled, "nothing compiled at start-up"
    compiled.clear()
    token = issue_token(app, Principal("admin", Role.ADMIN))
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        _rounds(client)
    assert [" ".join(str(args[1]).split())[:80] for args in compiled] == []


def test_a_served_worker_reads_no_endpoint_source_once_serving(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not hasattr(routing, "_endpoint_context_cache"):
        pytest.skip("this FastAPI notes no endpoint context")
    monkeypatch.setattr(routing, "_endpoint_context_cache", {})
    app = asgi.create()
    read = _counting(monkeypatch, inspect, "getsourcelines")
    token = issue_token(app, Principal("admin", Role.ADMIN))
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        _rounds(client)
        assert client.get("/metadata").status_code == 200
    assert [getattr(args[0], "__name__", args[0]) for args in read] == []


def test_nothing_is_compiled_ahead_where_statements_go_through_execute(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = _counting(monkeypatch, direct, "_prepare")
    with runtime.engine.connect() as connection:
        ahead = compile_hot_statements(connection)
        cursor_path = direct.takes_cursor_path(connection)
    if cursor_path:
        assert ahead == len(compiled) > 0
    else:  # SQLite
        assert (ahead, compiled) == (0, [])
