"""Every request passes here first (a global dependency of the app): find the route's entry
in the matrix, identify the caller (a bearer token, or the pages' session cookie), refuse
malformed ids and repeated parameters, check the role and the CSRF token of a page form;
leave what was learnt for the audit trail. An undeclared route is denied to everyone.

Whose records a request may see or change is not decided here: the queries and use cases
decide it from the caller's `MemberScope` and the parsed ids they act on (docs/adr/0012).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import iter_route_contexts
from starlette.concurrency import run_in_threadpool

from parity.domain.errors import NotFound
from parity.domain.ports import UnitOfWork
from parity.domain.users import Forbidden, NotAuthenticated, Principal, Role, may_see_clinician
from parity.entrypoints.security import inputs, revocation
from parity.entrypoints.security.context import SESSION_COOKIE, Security, from_request
from parity.entrypoints.security.matrix import Owner, access_for
from parity.entrypoints.security.passage import DENIED, PASSAGE_KEY, Passage
from parity.entrypoints.security.tokens import principal_from_claims
from parity.services import audit

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def csrf_token(secret: str, session_id: str) -> str:
    """The form token of one session: an HMAC of its token id, so nothing is stored."""
    digest = hmac.new(secret.encode(), f"csrf:{session_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:40]


def route_template(request: Request) -> str:
    """The matched route's full path template (`/app/requests/{request_id}`)."""
    return route_paths(request.app).get(id(request.scope.get("route")), request.url.path)


def route_paths(app: FastAPI) -> dict[int, str]:
    """Every route's full path template, by route, made at the first call (FastAPI builds
    each route's state on the way: a served worker calls this before serving)."""
    paths: dict[int, str] | None = getattr(app.state, "route_paths", None)
    if paths is None:
        paths = {id(r.original_route): r.path or "" for r in iter_route_contexts(app.routes)}
        app.state.route_paths = paths
    return paths


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@dataclass(frozen=True, slots=True)
class Identified:
    """The caller, the session id of a page cookie (for its CSRF token), and the id of a
    token of our own (what signing out puts on the deny list), from one decoding of the
    token (docs/adr/0017-booking-api-speed.md)."""

    principal: Principal | None = None
    session: str | None = None
    token_id: str | None = None


def _own_claims(security: Security, token: str) -> dict[str, Any] | None:
    try:
        return security.tokens.claims(token)
    except NotAuthenticated:
        return None


def identify(request: Request, security: Security) -> Identified:
    """Who sent the request: a bearer token (ours, or an external issuer's), else the
    session cookie (always ours); `NotAuthenticated` for a token that does not verify."""
    token = _bearer(request)
    cookie = None if token is not None else request.cookies.get(SESSION_COOKIE) or None
    sent = token or cookie
    if sent is None:
        return Identified()
    claims = _own_claims(security, sent)
    if claims is None:
        if token is None:
            security.tokens.claims(sent)  # a cookie is ours or refused, with the reason
        return Identified(security.verifier.verify(sent))
    jti = claims.get("jti")
    token_id = jti if isinstance(jti, str) and isinstance(claims.get("exp"), int | float) else None
    session = None if token is not None else str(claims.get("jti", ""))
    return Identified(principal_from_claims(claims), session, token_id)


async def _form_token(request: Request) -> str:
    sent = request.headers.get(CSRF_HEADER)
    if sent:
        return sent
    if "form" not in request.headers.get("content-type", ""):
        return ""
    value = (await request.form()).get(CSRF_FIELD)
    return value if isinstance(value, str) else ""


async def _check_csrf(request: Request, expected: str) -> None:
    if not hmac.compare_digest(await _form_token(request), expected):
        raise Forbidden("the form's CSRF token is missing or wrong; reload the page")


async def authorise(request: Request) -> None:
    """The global dependency: raise `NotAuthenticated` (401) or `Forbidden` (403)."""
    security = from_request(request)
    passage = Passage(request.method, route_template(request))
    holder = request.scope.get(PASSAGE_KEY)
    if isinstance(holder, list):  # the audit trail's middleware reads it afterwards
        holder.append(passage)
    access = access_for(passage.method, passage.template)
    passage.access = access or DENIED
    public = access is not None and access.public
    defer = access is not None and not public and access.record is not None
    found = await _identify_quietly(request, security, public, defer)
    who, session = found.principal, found.session
    passage.principal = request.state.principal = who
    request.state.csrf = csrf_token(security.config.secret, session) if session else ""
    if access is None:
        raise Forbidden(f"{passage.method} {passage.template} is not in the route matrix")
    if access.public:
        return
    if who is None:
        raise NotAuthenticated("sign in first: send a bearer token from POST /token")
    if who.role not in access.roles:
        raise Forbidden(f"a {who.role} may not {passage.method} {passage.template}")
    if session and passage.method in UNSAFE:
        await _check_csrf(request, request.state.csrf)
    inputs.check_request(request)  # canonical path ids (404), single parameters once (400)
    if access.owner is Owner.CLINICIAN:
        await _check_clinician(request, passage, who)
    elif access.owner is not None:
        _note_entity(request, passage, access.owner)


async def _identify_quietly(
    request: Request, security: Security, public: bool, defer: bool
) -> Identified:
    """On a public route a stale, signed-out cookie or token is ignored, not refused. On a
    route that touches records the deny list is asked by its first unit of work (`defer`)."""
    try:
        found = identify(request, security)
        jti = found.token_id if found.principal is not None else None
        if jti is not None and not (defer and revocation.defer_check(jti)):
            await run_in_threadpool(revocation.refuse_revoked, request, jti)
        return found
    except NotAuthenticated:
        if public:
            return Identified()
        raise


async def _check_clinician(request: Request, passage: Passage, who: Principal) -> None:
    """A clinician's week is a schedule, not member data: a therapist sees their own, a
    scheduler those of their clinics' clinicians (member data is scoped in the queries)."""
    clinician_id = passage.entity_id = str(request.path_params["clinician_id"])
    if who.role in (Role.ADMIN, Role.MANAGER):
        return
    context = request.app.state.parity  # the ApiContext create_app built
    clinics = await run_in_threadpool(_clinics_of, context.uow_factory(), clinician_id)
    if not may_see_clinician(who, clinician_id, clinics):
        raise Forbidden(f"a {who.role} may not see clinician {clinician_id}'s schedule")


def _clinics_of(uow: UnitOfWork, clinician_id: str) -> tuple[str, ...]:
    try:
        return audit.clinics_of_clinician(uow, clinician_id)
    except NotFound:
        return ()


def _note_entity(request: Request, passage: Passage, owner: Owner) -> None:
    """The audit event names the record of the path (who it belongs to is decided where it
    is read: docs/adr/0012)."""
    key = request.path_params.get(owner.value)
    if key is not None:
        passage.entity_id = str(key)
