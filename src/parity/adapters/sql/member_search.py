"""Member look-up in SQL: the query and the caller's scope become one WHERE clause, so the
database returns only members the caller may see (docs/adr/0015-fhir-conformance.md).

Name parts are matched as `lower(family) LIKE 'smi%'`, which the expression indexes of
migration r0010 answer (with `text_pattern_ops` on PostgreSQL, whatever the collation).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, false, func, not_, or_, select, true

from parity.adapters.sql import tables
from parity.adapters.sql.mapping import MEMBERS
from parity.adapters.sql.store import Store
from parity.domain.member_lookup import BirthDateBound, Groups, MemberPage, MemberQuery
from parity.domain.members import Member
from parity.domain.scope import MemberScope, Reach

members = tables.members
ESCAPE = "\\"


def _prefix(value: str) -> str:
    escaped = (
        value.replace(ESCAPE, ESCAPE * 2).replace("%", f"{ESCAPE}%").replace("_", f"{ESCAPE}_")
    )
    return f"{escaped.lower()}%"


def _starts(column: ColumnElement[str], group: frozenset[str]) -> ColumnElement[bool]:
    return or_(*(func.lower(column).like(_prefix(v), escape=ESCAPE) for v in sorted(group)))


def _any_of(column: ColumnElement[str], groups: Groups) -> list[ColumnElement[bool]]:
    return [column.in_(sorted(group)) for group in groups]


def _birth(bound: BirthDateBound) -> ColumnElement[bool]:
    born = members.c.birth_date
    inside = and_(
        born >= bound.low if bound.low is not None else true(),
        born < bound.high if bound.high is not None else true(),
    )
    return and_(born.is_not(None), not_(inside) if bound.outside else inside)


def criteria(query: MemberQuery) -> list[ColumnElement[bool]]:
    """The query as conditions on `members` (ANDed)."""
    found = _any_of(members.c.id, query.ids)
    found += [or_(_starts(members.c.family, g), _starts(members.c.given, g)) for g in query.names]
    found += [_starts(members.c.family, group) for group in query.family]
    found += [_starts(members.c.given, group) for group in query.given]
    found += [_birth(bound) for bound in query.birth]
    found += _any_of(members.c.gender, query.genders) + _any_of(members.c.phone, query.phones)
    return found


def _patients_of(clinician_id: str) -> Select[tuple[str]]:
    visits = select(tables.appointments.c.member_id).where(
        tables.appointments.c.clinician_id == clinician_id
    )
    courses = select(tables.courses.c.member_id).where(
        tables.courses.c.clinician_id == clinician_id
    )
    return visits.union(courses)  # type: ignore[return-value]


def in_scope(scope: MemberScope) -> ColumnElement[bool]:
    """The members `scope` admits, as a condition (MemberScope.admits, in SQL)."""
    if scope.reach is Reach.EVERYONE:
        return true()
    if scope.reach is Reach.SELF and scope.member_id:
        return members.c.id == scope.member_id
    if scope.reach is Reach.PATIENTS and scope.clinician_id:
        return members.c.id.in_(_patients_of(scope.clinician_id))
    if scope.reach is Reach.CLINICS:
        return members.c.clinic_id.in_(sorted(scope.clinic_ids))
    return false()


class SqlMemberSearch(Store):
    def find(self, query: MemberQuery, scope: MemberScope, offset: int, count: int) -> MemberPage:
        where = and_(in_scope(scope), *criteria(query))
        total = self._execute(select(func.count()).select_from(members).where(where))
        found: list[Member] = []
        if count:
            page = MEMBERS.query.where(where).order_by(members.c.id).offset(offset).limit(count)
            found = [MEMBERS.to_domain(row) for row in self._execute(page).mappings()]
        return MemberPage(found, int(total.scalar_one()))
