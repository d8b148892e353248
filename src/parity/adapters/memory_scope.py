"""The access side of the in-memory store (ADR 0012): a caller's `MemberScope` judged from
the same facts the SQL query reads (visits, courses, home clinic), signed-out tokens, and
login attempt counters. Kept outside the unit of work's undo log: a sign-out or an
attempt counts even when the request's own transaction rolls back."""

from __future__ import annotations

import threading
from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from parity.domain.care import Appointment, Course
from parity.domain.errors import NotFound
from parity.domain.members import Member
from parity.domain.ports import Repository
from parity.domain.scope import MemberScope, Reach
from parity.domain.users import MemberFacts


class Store(Protocol):
    @property
    def members(self) -> Repository[Member]: ...

    @property
    def appointments(self) -> Repository[Appointment]: ...

    @property
    def courses(self) -> Repository[Course]: ...


class MemoryMemberScopes:
    def __init__(self, store: Store) -> None:
        self._store = store

    def facts(self, member_id: str) -> MemberFacts:
        try:
            clinic_id: str | None = self._store.members.get(member_id).clinic_id
        except NotFound:
            clinic_id = None
        visits = {a.clinician_id for a in self._store.appointments.where(member_id=member_id)}
        courses = {c.clinician_id for c in self._store.courses.where(member_id=member_id)}
        return MemberFacts(member_id, clinic_id, frozenset(visits | courses))

    def admitted(self, scope: MemberScope, member_ids: Collection[str]) -> frozenset[str]:
        ids = set(member_ids)
        if scope.reach is Reach.EVERYONE:
            return frozenset(ids)
        return frozenset(i for i in ids if scope.admits(self.facts(i)))


class MemoryRevokedTokens:
    """Signed-out tokens in memory (one process: tests and demos)."""

    def __init__(self) -> None:
        self._revoked: dict[str, datetime] = {}

    def revoke(self, jti: str, expires_at: datetime) -> None:
        self._revoked[jti] = expires_at

    def is_revoked(self, jti: str) -> bool:
        return jti in self._revoked


class MemoryLoginAttempts:
    """Attempt counters in memory, counted under a lock (sync routes run in threads)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, datetime], int] = {}
        self._lock = threading.Lock()

    def reserve(self, key: str, window_start: datetime) -> int:
        with self._lock:
            count = self._counts.get((key, window_start), 0) + 1
            self._counts[(key, window_start)] = count
            return count

    def clear(self, key: str, window_start: datetime) -> None:
        with self._lock:
            for found in [k for k in self._counts if k[0] == key and k[1] <= window_start]:
                del self._counts[found]
