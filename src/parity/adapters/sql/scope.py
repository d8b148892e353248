"""A caller's `MemberScope` as SQL: which of some members it admits, answered by the
database from visits, courses and home clinics (ADR 0012)."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from sqlalchemy import Select, select, union

from parity.adapters.sql import tables
from parity.adapters.sql.store import Store
from parity.domain.scope import MemberScope, Reach

CHUNK = 500  # ids per IN list, well under every driver's parameter limit


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _patients(clinician_id: str, ids: list[str]) -> Select[tuple[str]]:
    """Members among `ids` the clinician has treated, is booked to treat or follows."""
    visits, courses = tables.appointments, tables.courses
    seen = select(visits.c.member_id).where(
        visits.c.clinician_id == clinician_id, visits.c.member_id.in_(ids)
    )
    followed = select(courses.c.member_id).where(
        courses.c.clinician_id == clinician_id, courses.c.member_id.in_(ids)
    )
    both = union(seen, followed).subquery()
    return select(both.c.member_id)


def _of_clinics(clinic_ids: Collection[str], ids: list[str]) -> Select[tuple[str]]:
    members = tables.members
    return select(members.c.id).where(
        members.c.clinic_id.in_(sorted(clinic_ids)), members.c.id.in_(ids)
    )


class SqlMemberScopes(Store):
    def admitted(self, scope: MemberScope, member_ids: Collection[str]) -> frozenset[str]:
        ids = sorted(set(member_ids))
        if scope.reach is Reach.EVERYONE:
            return frozenset(ids)
        if scope.reach is Reach.SELF:
            return frozenset(i for i in ids if i == scope.member_id)
        found: set[str] = set()
        for chunk in _chunks(ids):
            query = self._query(scope, chunk)
            if query is not None:
                found.update(self._execute(query).scalars())
        return frozenset(found)

    @staticmethod
    def _query(scope: MemberScope, ids: list[str]) -> Select[tuple[str]] | None:
        if scope.reach is Reach.PATIENTS and scope.clinician_id:
            return _patients(scope.clinician_id, ids)
        if scope.reach is Reach.CLINICS and scope.clinic_ids:
            return _of_clinics(scope.clinic_ids, ids)
        return None
