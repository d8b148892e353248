"""Password hashing with argon2id (argon2-cffi's PasswordHasher, OWASP's first choice), and
the strength a new password must have (zxcvbn)."""

from __future__ import annotations

from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from parity.domain.errors import InvalidInput


class Argon2Passwords:
    """Hash and check passwords; checking against no user costs the same as a real check,
    so a login's timing does not tell whether the user name exists."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()

    @cached_property
    def _decoy(self) -> str:
        return self._hasher.hash("a decoy that no account uses")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def matches(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._decoy, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False


MIN_SCORE = 3  # zxcvbn's "safely unguessable: moderate protection from offline attacks"


def refuse_weak(password: str, hints: list[str]) -> None:
    """Refuse a password the zxcvbn estimator (Dropbox's, a well-kept library) scores
    below 3 of 4, or one that contains the user's name or another hint (ADR 0012)."""
    lowered = password.lower()
    named = [h for h in hints if len(h) >= 3 and h.lower() in lowered]
    if named:
        raise InvalidInput("a password may not contain the user's name or links")
    verdict = zxcvbn(password[:100], user_inputs=hints)
    if verdict["score"] < MIN_SCORE:
        advice = " ".join(
            [verdict["feedback"].get("warning") or "", *verdict["feedback"].get("suggestions", [])]
        ).strip()
        raise InvalidInput(f"that password is too easy to guess. {advice}".strip())
