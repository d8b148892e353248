"""Sign in and out of the pages: a login form that sets the session cookie (the same signed
JWT an API client gets from /token, HttpOnly, SameSite=Lax, Secure over HTTPS) and a
sign-out that clears it. Page forms carry the session's CSRF token (security/guard.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from parity.domain.errors import ParityError
from parity.domain.users import Principal, Role, TooManyAttempts
from parity.entrypoints.api.context import Context
from parity.entrypoints.security import revocation
from parity.entrypoints.security.context import SESSION_COOKIE, from_request
from parity.entrypoints.security.routes import log_in
from parity.entrypoints.web.page import render
from parity.entrypoints.web.routing import PageRoute

router = APIRouter(route_class=PageRoute)

HOMES = {
    Role.MEMBER: "/app/me",
    Role.THERAPIST: "/app/week",
    Role.SCHEDULER: "/app/queue",
    Role.MANAGER: "/app/dashboard",
    Role.AUDITOR: "/app/plan",
    Role.ADMIN: "/app/dashboard",
}
Text = Annotated[str, Form(max_length=200)]


def home_of(request: Request) -> str:
    """The signed-in user's first page; the login form for nobody."""
    who = getattr(request.state, "principal", None)
    return HOMES[who.role] if isinstance(who, Principal) else "/app/login"


def safe_next(target: str) -> str:
    """Only a page of this site (never `//elsewhere` or a full URL): no open redirect."""
    ok = target.startswith("/app/") and not target.startswith("//") and "\\" not in target
    return target if ok and target != "/app/login" else ""


def login_page(
    request: Request, context: Context, target: str, username: str, problem: str, status: int
) -> HTMLResponse:
    values = {
        "title": "Sign in",
        "nav": "",
        "next": safe_next(target),
        "username": username,
        "problem": problem,
    }
    response = render(request, context, "login.html.j2", values, status=status)
    if isinstance(getattr(request.state, "retry_after", None), str):
        response.headers["Retry-After"] = request.state.retry_after
    return response


@router.get("/login")
def login_form(
    request: Request, context: Context, next: Annotated[str, Query(max_length=500)] = ""
) -> HTMLResponse:
    return login_page(request, context, next, "", "", 200)


# What a browser says of a form posted from another site (Fetch Metadata; a sandboxed frame
# or a data: page is another site too). Not `Origin`: under this site's `Referrer-Policy:
# no-referrer` a browser sends `Origin: null` with its own same-origin posts.
CROSS_SITE = frozenset({"cross-site", "same-site"})


def posted_from_elsewhere(request: Request) -> bool:
    """Whether the sign-in form was posted by another site's page. The form has no session
    to bind a CSRF token to yet, so the browser's own word is the check: another site's page
    could otherwise sign the visitor in as the attacker's member account, and what the
    visitor then asks for or books would go into the attacker's record (login CSRF;
    docs/adr/0012, "2026-12-08 (round nineteen probes)")."""
    return request.headers.get("sec-fetch-site", "").lower() in CROSS_SITE


@router.post("/login")
async def sign_in(
    request: Request, context: Context, username: Text = "", password: Text = "", next: Text = ""
) -> Response:
    if posted_from_elsewhere(request):
        problem = "This sign-in came from another site's page: open this site and sign in here."
        return login_page(request, context, next, "", problem, 403)
    try:
        user = await run_in_threadpool(log_in, request, context, username, password)
    except TooManyAttempts as error:
        request.state.retry_after = error.http_headers["Retry-After"]
        return login_page(request, context, next, username, error.message, 429)
    except ParityError as error:
        return login_page(request, context, next, username, error.message, error.http_status)
    issued = from_request(request).tokens.issue(user.principal)
    response = RedirectResponse(safe_next(next) or HOMES[user.role], status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=issued.expires_in_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def sign_out(request: Request) -> RedirectResponse:
    revocation.revoke(request)  # the session's token is refused from now on (ADR 0012)
    response = RedirectResponse("/app/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
