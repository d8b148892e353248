"""Login throttling that holds under concurrency and across worker processes
(docs/adr/0012-authorisation-where-the-data-is-touched.md, hardening).

Every attempt is counted *before* its password is checked, by one atomic upsert per key in
the database (`LoginAttempts`), so a burst of concurrent guesses gets its first few checked
and the rest refused, and every worker process shares the count. Keys and limits per
15-minute window:

- `pair:{user}|{address}`: 5 — one address guessing one user's password;
- `address:{address}`: 20 — one address, any users;
- `user:{user}`: 100 — every address together, which bounds distributed guessing while a
  stranger (one address: 5 tries) cannot lock the user out; locking a user out takes
  twenty addresses, and only until the window ends.

A correct password clears its pair and address counts. Argon2 checks in flight are
bounded (a semaphore): each costs 64 MiB, so a flood of anonymous logins waits or is
refused with 429 rather than exhausting memory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from parity.domain.calendar import EPOCH
from parity.domain.ports import UnitOfWork
from parity.domain.users import TooManyAttempts

WINDOW = timedelta(minutes=15)
LIMITS = {"pair": 5, "address": 20, "user": 100}
IN_FLIGHT = 4  # argon2 checks at once, per process
WAIT_SECONDS = 10.0


def keys_for(username: str, address: str) -> list[str]:
    name = username.strip().lower()[:100]
    return [f"pair:{name}|{address}", f"address:{address}", f"user:{name}"]


class LoginThrottle:
    def __init__(
        self,
        limits: dict[str, int] | None = None,
        window: timedelta = WINDOW,
        in_flight: int = IN_FLIGHT,
        wait_seconds: float = WAIT_SECONDS,
    ) -> None:
        self.limits = limits or LIMITS
        self.window = window
        self.wait_seconds = wait_seconds
        self._slots = threading.BoundedSemaphore(in_flight)

    def window_start(self, now: datetime) -> datetime:
        return EPOCH + ((now - EPOCH) // self.window) * self.window

    def admit(self, uow_factory: Callable[[], UnitOfWork], keys: list[str], now: datetime) -> None:
        """Count this attempt under every key (committed at once); refuse (429) when any
        key is over its limit in the current window."""
        start = self.window_start(now)
        uow = uow_factory()
        with uow:
            counts = {key: uow.login_attempts.reserve(key, start) for key in keys}
            uow.commit()
        over = [key for key, count in counts.items() if count > self.limits[key.split(":")[0]]]
        if over:
            wait = start + self.window - now
            raise TooManyAttempts(
                "too many sign-in attempts; try again later", int(wait.total_seconds()) + 1
            )

    def succeeded(
        self, uow_factory: Callable[[], UnitOfWork], keys: list[str], now: datetime
    ) -> None:
        """A correct password clears its pair and address counts (not the user's)."""
        uow = uow_factory()
        with uow:
            for key in keys:
                if not key.startswith("user:"):
                    uow.login_attempts.clear(key, self.window_start(now))
            uow.commit()

    @contextmanager
    def checking(self) -> Iterator[None]:
        """Hold one of the bounded argon2 slots while a password is checked."""
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise TooManyAttempts("the server is busy checking sign-ins; try again", 5)
        try:
            yield
        finally:
            self._slots.release()
