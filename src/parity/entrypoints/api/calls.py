"""What a route that reads or changes records takes, as one dependency: the request, the
app's context, the request's unit of work, the caller's scope and the base URL. Routes
(and the helpers they hand a call to) name one `Call` instead of repeating five
parameters; inside a version-aware change `Call.joined` is the same call on the change's
own transaction.

`Call` is built from the request alone, in one `async` dependency: FastAPI solves each
dependency of a route on every request, and the five it was built from cost more than the
call itself (docs/adr/0017-booking-api-speed.md)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Request

from parity.domain.ports import UnitOfWork
from parity.domain.scope import MemberScope
from parity.domain.users import Principal
from parity.entrypoints.api import addresses
from parity.entrypoints.api.context import ApiContext, context_of
from parity.entrypoints.api.signed_in import signed_in
from parity.entrypoints.security.scope import caller_scope


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

    def signed_in(self) -> Principal:
        """The signed-in caller (`NotAuthenticated` when there is none): evidence names
        who did something from the session the guard verified (docs/adr/0013)."""
        return signed_in(self.http)


async def _call(http: Request) -> Call:
    """`async`: it never blocks, so FastAPI runs it without a worker-thread hop."""
    context = context_of(http)
    base = addresses.base(http)  # str(http.base_url) without its slash, looked up
    return Call(http, context, context.uow_factory(), caller_scope(http), base)


Caller = Annotated[Call, Depends(_call)]
