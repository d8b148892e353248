"""A signed-out token stops working at once (docs/adr/0012): the check against the deny
list can ride on the request's own first transaction instead of a transaction of its own
(docs/adr/0017-booking-api-speed.md). The request names its token here; every unit of work
calls `check_token` as it opens, and the first one that finds a token to check asks the
deny list, in its own transaction, before anything else is read or written."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from parity.domain.users import NotAuthenticated

SIGNED_OUT = "this token was signed out; ask /token for a new one"


@dataclass(slots=True)
class TokenCheck:
    """The current request's token id to check (None: nothing to check), and whether a
    unit of work has checked it."""

    jti: str | None = None
    done: bool = False


TOKEN_CHECK: ContextVar[TokenCheck | None] = ContextVar("parity_token_check", default=None)


class DenyList(Protocol):
    def is_revoked(self, jti: str) -> bool: ...


def check_token(deny_list: DenyList) -> None:
    """`NotAuthenticated` if the current request's token was signed out; checked once."""
    check = TOKEN_CHECK.get()
    if check is None or check.done or check.jti is None:
        return
    check.done = True
    if deny_list.is_revoked(check.jti):
        raise NotAuthenticated(SIGNED_OUT)
