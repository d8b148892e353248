"""`POST /token` (the OAuth2 password grant), `POST /logout` and `GET /health`. The audit
trail is read through entrypoints/api/audit_events.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from parity.domain.errors import InvalidInput
from parity.domain.users import User
from parity.entrypoints.api.context import Context
from parity.entrypoints.security import revocation
from parity.entrypoints.security.context import Security, from_request
from parity.entrypoints.security.throttle import keys_for
from parity.services import users

router = APIRouter(tags=["Security"])

Text = Annotated[str, Form(max_length=200)]


def client_address(request: Request) -> str:
    """The caller's address as uvicorn gives it: `X-Forwarded-For` is applied by uvicorn
    only for PARITY_TRUSTED_PROXIES (`serve`), never read here."""
    return request.client.host if request.client else "unknown"


def log_in(request: Request, context: Context, username: str, password: str) -> User:
    """Check a password under the login throttle (blocking: argon2; run in a thread)."""
    security: Security = from_request(request)
    keys = keys_for(username, client_address(request))
    now = context.clock.now()
    security.throttle.admit(context.uow_factory, keys, now)
    with security.throttle.checking():
        user = users.authenticate(context.uow_factory(), security.passwords, username, password)
    security.throttle.succeeded(context.uow_factory, keys, now)
    return user


@router.post("/token", summary="OAuth2 password grant: a bearer token for a local user")
async def token(
    request: Request,
    context: Context,
    username: Text,
    password: Text,
    grant_type: Annotated[str, Form(max_length=40)] = "password",
) -> JSONResponse:
    """`application/x-www-form-urlencoded` `username` and `password` → `access_token` (a
    signed JWT), `token_type` "bearer", `expires_in` seconds. Five failures per user name
    or address in 15 minutes → 429 with Retry-After."""
    if grant_type != "password":
        raise InvalidInput("grant_type must be password")
    user = await run_in_threadpool(log_in, request, context, username, password)
    issued = from_request(request).tokens.issue(user.principal)
    body = {
        "access_token": issued.token,
        "token_type": "bearer",
        "expires_in": issued.expires_in_seconds,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@router.post(
    "/logout",
    summary="Sign out: this token is refused from now until it expires",
    response_class=JSONResponse,
)
async def logout(request: Request) -> JSONResponse:
    revoked = await run_in_threadpool(revocation.revoke, request)
    return JSONResponse({"revoked": revoked}, headers={"Cache-Control": "no-store"})


@router.get(
    "/health",
    summary="Liveness: the service answers (no data, no token)",
    response_class=JSONResponse,
)
def health() -> JSONResponse:
    return JSONResponse({"status": "ok"})
