"""Member look-up (US Core's Patient search), always within the caller's scope: the query
returns only members the caller may see, and a de-identified caller (an auditor) may not
search by name, birth date or phone (docs/adr/0015-fhir-conformance.md)."""

from __future__ import annotations

from parity.domain.member_lookup import MemberPage, MemberQuery
from parity.domain.ports import UnitOfWork
from parity.domain.scope import MemberScope
from parity.domain.users import Forbidden
from parity.services import scoping


def find_members(
    uow: UnitOfWork, query: MemberQuery, scope: MemberScope, offset: int, count: int
) -> MemberPage:
    """One page of the members in `scope` that `query` matches (member-id order), and how
    many it matches in all."""
    if scope.deidentified and query.identifying:
        raise Forbidden("a de-identified search may not name, date or call a member")
    with uow:
        found = uow.member_search.find(query, scope, offset, count)
    scoping.note({m.id for m in found.members})  # the audit event names each one
    return found
