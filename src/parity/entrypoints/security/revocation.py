"""Signing out revokes the token (docs/adr/0012): its id goes on a deny list, kept until the
token would have expired, and every request checks the list before it is served."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request

from parity.domain.revocation import SIGNED_OUT, TOKEN_CHECK
from parity.domain.users import NotAuthenticated
from parity.entrypoints.security.context import SESSION_COOKIE, Security, from_request


def _token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.cookies.get(SESSION_COOKIE) or None


def _local_claims(security: Security, token: str) -> tuple[str, datetime] | None:
    """The id and expiry of one of our own tokens; None for an external issuer's."""
    try:
        claims = security.tokens.claims(token)
    except NotAuthenticated:
        return None
    jti, expires = claims.get("jti"), claims.get("exp")
    if not isinstance(jti, str) or not isinstance(expires, int | float):
        return None
    return jti, datetime.fromtimestamp(expires, tz=UTC)


def refuse_revoked(request: Request, jti: str) -> None:
    """`NotAuthenticated` when the request's token (`jti`, decoded by the guard) was signed
    out (blocking: a thread)."""
    uow = request.app.state.parity.uow_factory()
    with uow:
        revoked = uow.revoked_tokens.is_revoked(jti)
    if revoked:
        raise NotAuthenticated(SIGNED_OUT)


def defer_check(jti: str | None) -> bool:
    """Leave the deny-list check of token `jti` to the request's first unit of work (its
    own first statement, in its transaction: docs/adr/0017-booking-api-speed.md); False
    when the request has nowhere to leave it (no audit trail around it), and the caller
    checks now. Only for routes that touch records: they all open a unit of work before
    answering."""
    check = TOKEN_CHECK.get()
    if check is None:
        return False
    check.jti = jti
    return True


def revoke(request: Request) -> bool:
    """Put the request's own token on the deny list (blocking: a thread); False if it
    carried none of ours."""
    token = _token(request)
    claims = None if token is None else _local_claims(from_request(request), token)
    if claims is None:
        return False
    uow = request.app.state.parity.uow_factory()
    with uow:
        uow.revoked_tokens.revoke(*claims)
        uow.commit()
    return True
