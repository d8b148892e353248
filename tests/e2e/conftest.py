"""Fixtures for the end-to-end tests: the demo region (fhir_support.py) behind the FHIR API,
through a TestClient or a real uvicorn server."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import FhirClient, Region, auth_headers, build

from parity.adapters.memory import MemoryUnitOfWork
from parity.adapters.rules_files import load_contract, load_rules
from parity.entrypoints.api import create_app
from parity.services.policy import Policy


class LockedUnitOfWork:
    """One shared in-memory store, used by one request at a time.

    FastAPI runs sync routes in a threadpool and `MemoryUnitOfWork` is not thread-safe, so
    each `with` block holds the store's lock (re-entrant: a service may be called from a
    route that already read inside its own block).
    """

    def __init__(self, store: MemoryUnitOfWork, lock: threading.RLock) -> None:
        self._store = store
        self._lock = lock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def __enter__(self) -> LockedUnitOfWork:
        self._lock.acquire()
        self._store.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._store.__exit__(exc_type, exc, tb)
        finally:
            self._lock.release()

    def commit(self) -> None:
        self._store.commit()

    def rollback(self) -> None:
        self._store.rollback()


def locked(store: MemoryUnitOfWork) -> Callable[[], LockedUnitOfWork]:
    lock = threading.RLock()
    return lambda: LockedUnitOfWork(store, lock)


@pytest.fixture(scope="session")
def policy() -> Policy:
    return Policy(load_rules(), load_contract("socal-2025"))


@pytest.fixture
def region(policy: Policy) -> Region:
    return build(policy)


@pytest.fixture
def app(region: Region) -> FastAPI:
    return create_app(locked(region.store), region.policy, region.clock)


@pytest.fixture
def api(app: FastAPI) -> Iterator[FhirClient]:
    with TestClient(app, headers=auth_headers(app)) as client:
        yield FhirClient(client)
