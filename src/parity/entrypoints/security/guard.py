"""Every request passes here first (a global dependency of the app): find the route's entry
in the matrix, identify the caller (a bearer token, or the pages' session cookie), check the
role, the CSRF token of a page form, and the row-level rules; leave what was learnt for the
audit trail. An undeclared route is denied to everyone.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import iter_route_contexts
from starlette.concurrency import run_in_threadpool

from parity.domain.ports import UnitOfWork
from parity.domain.users import (
    Forbidden,
    NotAuthenticated,
    Principal,
    Role,
    may_search,
    may_see_clinician,
    may_see_member,
)
from parity.entrypoints.security import owners
from parity.entrypoints.security.context import SESSION_COOKIE, Security, from_request
from parity.entrypoints.security.matrix import Owner, access_for
from parity.entrypoints.security.passage import DENIED, PASSAGE_KEY, Passage
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
    app: FastAPI = request.app
    paths: dict[int, str] | None = getattr(app.state, "route_paths", None)
    if paths is None:
        paths = {id(r.original_route): r.path or "" for r in iter_route_contexts(app.routes)}
        app.state.route_paths = paths
    return paths.get(id(request.scope.get("route")), request.url.path)


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def identify(request: Request, security: Security) -> tuple[Principal | None, str | None]:
    """The caller and, for a session cookie, the session's id (for its CSRF token)."""
    token = _bearer(request)
    if token is not None:
        return security.verifier.verify(token), None
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None, None
    claims = security.tokens.claims(cookie)
    return security.tokens.verify(cookie), str(claims.get("jti", ""))


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
    found = access_for(passage.method, passage.template)
    passage.access = found or DENIED
    who, session = _identify_quietly(request, security, public=found is not None and found.public)
    passage.principal = request.state.principal = who
    request.state.csrf = csrf_token(security.config.secret, session) if session else ""
    if found is None:
        raise Forbidden(f"{passage.method} {passage.template} is not in the route matrix")
    if found.public:
        return
    if who is None:
        raise NotAuthenticated("sign in first: send a bearer token from POST /token")
    if who.role not in found.roles:
        raise Forbidden(f"a {who.role} may not {passage.method} {passage.template}")
    if session and passage.method in UNSAFE:
        await _check_csrf(request, request.state.csrf)
    if found.owner is not None:
        await _check_owner(request, passage, who, found.owner)


def _identify_quietly(
    request: Request, security: Security, public: bool
) -> tuple[Principal | None, str | None]:
    """On a public route a stale cookie or token is ignored rather than refused."""
    try:
        return identify(request, security)
    except NotAuthenticated:
        if public:
            return None, None
        raise


async def _check_owner(request: Request, passage: Passage, who: Principal, owner: Owner) -> None:
    body = await request.body() if owner is Owner.SEARCH and request.method in UNSAFE else b""
    context = request.app.state.parity  # the ApiContext create_app built
    params = dict(request.path_params)
    query = {key: request.query_params.getlist(key) for key in request.query_params}
    check = RowCheck(context.uow_factory, who, passage)
    await run_in_threadpool(check.run, owner, params, query, body)


@dataclass
class RowCheck:
    """The row-level rules of one request (blocking database reads: run in a thread)."""

    uow: Any
    who: Principal
    passage: Passage

    def _uow(self) -> UnitOfWork:
        made: UnitOfWork = self.uow()
        return made

    def run(
        self, owner: Owner, params: dict[str, Any], query: dict[str, list[str]], body: bytes
    ) -> None:
        if owner is Owner.SELF:
            self.passage.member_ids = {self.who.member_id or ""}
            return
        if owner is Owner.CLINICIAN:
            return self._clinician(str(params["clinician_id"]))
        if owner is Owner.SEARCH:
            return self._search(query, body)
        key = str(params[owner.value])
        self.passage.entity_id = key
        member = self._member_of(owner, key)
        if member is not None:
            self._members({member}, None)

    def _member_of(self, owner: Owner, key: str) -> str | None:
        if owner is Owner.PATIENT:
            return key
        if owner is Owner.APPOINTMENT:
            return owners.of_appointment(self._uow(), key)
        if owner is Owner.REQUEST:
            return owners.of_request(self._uow(), key)
        return owners.of_task(self._uow(), key)

    def _members(self, members: set[str], practitioner: str | None) -> None:
        self.passage.member_ids = members
        facts = [audit.member_facts(self._uow(), m) for m in sorted(members)]
        single = len(facts) == 1 and practitioner is None
        allowed = may_see_member(self.who, facts[0]) if single else None
        if allowed is None:
            allowed = may_search(self.who, facts, practitioner)
        if not allowed:
            raise Forbidden(f"a {self.who.role} may not see these records")

    def _search(self, query: dict[str, list[str]], body: bytes) -> None:
        resource = self.passage.template.strip("/").split("/")[0]
        texts, practitioner = owners.in_query(query, resource)
        texts += owners.in_body(body) if body else []
        self._members(owners.of_references(self._uow(), texts), practitioner)

    def _clinician(self, clinician_id: str) -> None:
        self.passage.entity_id = clinician_id
        if self.who.role is Role.ADMIN:
            return
        clinics = audit.clinics_of_clinician(self._uow(), clinician_id)
        if not may_see_clinician(self.who, clinician_id, clinics):
            raise Forbidden(f"a {self.who.role} may not see clinician {clinician_id}'s schedule")
