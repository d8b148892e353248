"""The caller's `MemberScope` as a route dependency: built once from the principal the
guard identified, then handed to every query and use case that touches member data
(docs/adr/0012-authorisation-where-the-data-is-touched.md). A scheduler's lists are cut to
their clinics by the same scope, in the query."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from parity.domain.scope import MemberScope, Reach, scope_of
from parity.domain.users import Principal

NOBODY = MemberScope(Reach.NOBODY)


def caller_scope(request: Request) -> MemberScope:
    """The scope of the signed-in caller; nobody's records for an anonymous one."""
    who = getattr(request.state, "principal", None)
    return scope_of(who) if isinstance(who, Principal) else NOBODY


async def _scope(request: Request) -> MemberScope:
    """`caller_scope` as a dependency: `async`, so FastAPI does not hand it to a worker
    thread (docs/adr/0017-booking-api-speed.md)."""
    return caller_scope(request)


Scope = Annotated[MemberScope, Depends(_scope)]
