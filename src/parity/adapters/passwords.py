"""Password hashing with argon2id (argon2-cffi's PasswordHasher, OWASP's first choice)."""

from __future__ import annotations

from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


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
