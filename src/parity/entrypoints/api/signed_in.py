"""The signed-in caller as a route dependency: evidence that names who did something takes
that name from the session the guard verified, never from the request body
(docs/adr/0013-evidence-a-regulator-accepts.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from parity.domain.users import NotAuthenticated, Principal


def signed_in(request: Request) -> Principal:
    """The principal the guard put on the request; refused when there is none."""
    who = getattr(request.state, "principal", None)
    if not isinstance(who, Principal):
        raise NotAuthenticated("sign in first: this action is recorded under your name")
    return who


async def _who(request: Request) -> Principal:
    """`signed_in` as a dependency: `async`, so it runs without a worker-thread hop."""
    return signed_in(request)


Who = Annotated[Principal, Depends(_who)]
