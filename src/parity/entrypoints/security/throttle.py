"""Login rate limiting: at most 5 failed logins per user name and per client address in 15
minutes; the next attempt is refused with 429 and Retry-After until the oldest failure ages
out. In-process (one counter per server process): with N workers an attacker gets up to
N × 5 tries per window, still far too few to guess an argon2-hashed 12-character password.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from datetime import datetime, timedelta

from parity.domain.users import TooManyAttempts

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


class LoginThrottle:
    def __init__(self, max_failures: int = MAX_FAILURES, window: timedelta = WINDOW) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: defaultdict[str, deque[datetime]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def check(self, keys: list[str], now: datetime) -> None:
        """Refuse (429) when any key has used up its failures in the window."""
        with self._lock:
            for key in keys:
                failures = self._recent(key, now)
                if len(failures) >= self.max_failures:
                    wait = failures[0] + self.window - now
                    raise TooManyAttempts(
                        "too many failed logins; try again later", int(wait.total_seconds()) + 1
                    )

    def failed(self, keys: list[str], now: datetime) -> None:
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, keys: list[str]) -> None:
        """A correct password clears the user name's failures (not the address's)."""
        with self._lock:
            for key in keys:
                if key.startswith("user:"):
                    self._failures.pop(key, None)


def keys_for(username: str, address: str) -> list[str]:
    return [f"user:{username.strip().lower()}", f"address:{address}"]
