"""Authorisation where the data is touched (docs/adr/0012-authorisation-where-the-data-is-touched.md).

Every read, search and write of member data passes the caller's `MemberScope` to these
functions, inside the unit of work that reads or changes the record: a search keeps only
the records of admitted members, a read or a write of anything else is `NotFound` (one
answer for "absent" and "not yours", so ids cannot be probed).

Each member these functions admit is noted in the current request's disclosure (a context
variable the audit trail opens per request), so the audit event names every member whose
data the response carried, however many.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol, TypeVar

from parity.domain.errors import NotFound
from parity.domain.ports import UnitOfWork
from parity.domain.scope import EVERYONE, MemberScope

_disclosed: ContextVar[set[str] | None] = ContextVar("parity_disclosed", default=None)


class OfMember(Protocol):
    @property
    def member_id(self) -> str: ...


R = TypeVar("R", bound=OfMember)


@contextmanager
def disclosure() -> Iterator[set[str]]:
    """Collect the members disclosed while the block runs (one request)."""
    found: set[str] = set()
    token = _disclosed.set(found)
    try:
        yield found
    finally:
        _disclosed.reset(token)


def note(member_ids: set[str] | frozenset[str]) -> None:
    """Record that these members' data is about to leave (for the audit trail)."""
    found = _disclosed.get()
    if found is not None:
        found.update(m for m in member_ids if m)


def admitted(uow: UnitOfWork, scope: MemberScope, member_ids: set[str]) -> frozenset[str]:
    """The members among `member_ids` that the scope admits (noted as disclosed)."""
    found = uow.member_scopes.admitted(scope, member_ids)
    note(found)
    return found


def kept(uow: UnitOfWork, scope: MemberScope, records: Sequence[R]) -> list[R]:
    """The records of admitted members, in their order (a search's result set)."""
    allowed = admitted(uow, scope, {r.member_id for r in records})
    return [r for r in records if r.member_id in allowed]


def require(uow: UnitOfWork, scope: MemberScope, record: R, what: str, key: object) -> R:
    """The record if its member is admitted; `NotFound` otherwise (absent or not yours)."""
    if record.member_id not in admitted(uow, scope, {record.member_id}):
        raise NotFound(f"{what} {key} not found", resource=what, id=str(key))
    return record


def require_member(uow: UnitOfWork, scope: MemberScope, member_id: str) -> None:
    """A member named by a caller (a booking's patient) must be in the caller's scope."""
    if member_id not in admitted(uow, scope, {member_id}):
        raise NotFound(f"Patient {member_id} not found", resource="Patient", id=member_id)


__all__ = ["EVERYONE", "admitted", "disclosure", "kept", "note", "require", "require_member"]
