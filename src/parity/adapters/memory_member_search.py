"""Member look-up in memory: the same query and scope rules as the SQL adapter
(adapters/sql/member_search.py), for tests, demos and the simulator."""

from __future__ import annotations

from dataclasses import dataclass

from parity.domain.care import Appointment, Course
from parity.domain.member_lookup import MemberPage, MemberQuery
from parity.domain.members import Member
from parity.domain.ports import Repository
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
        found = sorted(
            (m for m in self.members.list() if query.matches(m)), key=lambda m: m.id
        )
        admitted = [m for m in found if scope.admits(self._facts(m))]
        return MemberPage(admitted[offset : offset + count], len(admitted))
