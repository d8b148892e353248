"""One shared in-memory store behind an app whose sync routes run in a threadpool: the
API tests (conftest.py) and the browser tests (browser/browser_support.py) both use it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from parity.adapters.memory import MemoryUnitOfWork


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
