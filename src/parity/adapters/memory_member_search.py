"""Member look-up and audit reading in memory: the same rules as the SQL adapters
(adapters/sql/member_search.py, audit_search.py), for tests, demos and the simulator."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from parity.domain.audit import AuditEvent, AuditSearch
from parity.domain.audit_query import AuditPage, AuditQuery
from parity.domain.care import Appointment, Course
from parity.domain.errors import NotFound
from parity.domain.member_lookup import MemberPage, MemberQuery
from parity.domain.members import Member
from parity.domain.ports import AuditTrail, Repository
from parity.domain.scope import MemberScope
from parity.domain.users import MemberFacts


@dataclass(frozen=True)
class MemoryMemberSearch:
    members: Repository[Member]
    appointments: Repository[Appointment]
    courses: Repository[Course]

    def _facts(self, member: Member) -> MemberFacts:
        visits = {a.clinician_id for a in self.appointments.where(member_id=member.id)}
        courses = {c.clinician_id for c in self.courses.where(member_id=member.id)}
        return MemberFacts(member.id, member.clinic_id, frozenset(visits | courses))

    def find(self, query: MemberQuery, scope: MemberScope, offset: int, count: int) -> MemberPage:
        found = sorted((m for m in self.members.list() if query.matches(m)), key=lambda m: m.id)
        admitted = [m for m in found if scope.admits(self._facts(m))]
        return MemberPage(admitted[offset : offset + count], len(admitted))


@dataclass(frozen=True)
class MemoryAuditReader:
    """The audit trail read by id and by page, over the in-memory trail's own search."""

    trail: AuditTrail

    def _all(self) -> list[AuditEvent]:
        return self.trail.search(AuditSearch(), sys.maxsize)

    def get(self, event_id: int) -> AuditEvent:
        for event in self._all():
            if event.id == event_id:
                return event
        raise NotFound(f"AuditEvent {event_id} not found", resource="AuditEvent", id=event_id)

    def page(self, query: AuditQuery, offset: int, count: int) -> AuditPage:
        found = [e for e in self._all() if query.matches(e)]
        return AuditPage(found[offset : offset + count], len(found))
