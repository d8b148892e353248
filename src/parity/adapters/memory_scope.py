"""A caller's `MemberScope` over the in-memory store: the same facts the SQL query reads
(visits, courses, home clinic), judged by `MemberScope.admits` (ADR 0012)."""

from __future__ import annotations

from collections.abc import Collection
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
