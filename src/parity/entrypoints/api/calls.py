"""What a route that reads or changes records takes, as one dependency: the request, the
app's context, the request's unit of work, the caller's scope and the base URL. Routes
(and the helpers they hand a call to) name one `Call` instead of repeating five
parameters; inside a version-aware change `Call.joined` is the same call on the change's
own transaction."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Request

from parity.domain.ports import UnitOfWork
from parity.domain.scope import MemberScope
from parity.entrypoints.api.context import ApiContext, Base, Context, Uow
from parity.entrypoints.security.scope import Scope


@dataclass(frozen=True, slots=True)
class Call:
    http: Request
    context: ApiContext
    uow: UnitOfWork
    scope: MemberScope
    base: str

    def joined(self, uow: UnitOfWork) -> Call:
        """This call on `uow` (the transaction a change opened)."""
        return replace(self, uow=uow)


async def _call(http: Request, context: Context, uow: Uow, scope: Scope, base: Base) -> Call:
    """`async`: it never blocks, so FastAPI runs it without a worker-thread hop."""
    return Call(http, context, uow, scope, base)


Caller = Annotated[Call, Depends(_call)]
