"""The in-memory users and audit trail (docs/adr/0008-authentication-and-audit.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from parity.adapters.memory_undo import UndoLog
from parity.domain.audit import AuditEvent, AuditSearch
from parity.domain.errors import InvalidInput
from parity.domain.users import User

# -- users and the audit trail (ADR 0008) --------------------------------------------------------


class MemoryUsers:
    """Users by name; a taken name is refused, as the SQL table's unique index does."""

    def __init__(self, log: UndoLog) -> None:
        self._log = log
        self._by_name: dict[str, User] = {}

    def add(self, user: User) -> User:
        if user.username in self._by_name:
            raise InvalidInput(f"user {user.username!r} already exists")
        user.id = len(self._by_name) + 1
        self._by_name[user.username] = user
        self._log.push((self._forget, user.username))
        return user

    def _forget(self, username: str) -> None:
        self._by_name.pop(username, None)

    def by_username(self, username: str) -> User | None:
        return self._by_name.get(username)

    def list(self) -> Sequence[User]:
        return sorted(self._by_name.values(), key=lambda u: u.username)


class MemoryAuditTrail:
    """Events in the order written; nothing here changes or removes one once committed."""

    def __init__(self, log: UndoLog) -> None:
        self._log = log
        self._events: list[AuditEvent] = []

    def append(self, event: AuditEvent) -> AuditEvent:
        stored = replace(event, id=len(self._events) + 1)
        self._events.append(stored)
        self._log.push(self._forget_last)
        return stored

    def _forget_last(self) -> None:
        self._events.pop()

    def search(self, search: AuditSearch, limit: int) -> list[AuditEvent]:
        return [e for e in reversed(self._events) if search.matches(e)][:limit]
