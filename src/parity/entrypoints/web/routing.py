"""Refusals on a page are pages: a `ParityError` or a malformed address inside a page route
becomes an HTML page with the rule and its status, instead of the API's FHIR
OperationOutcome (STYLE.md convention 11: one translation per entry point)."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Iterable
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.responses import Response

from parity.domain.errors import ParityError
from parity.domain.users import NotAuthenticated, Principal
from parity.entrypoints.api.context import ApiContext
from parity.entrypoints.security.context import SESSION_COOKIE
from parity.entrypoints.web.page import fragment_of, render, templates
from parity.entrypoints.web.refusals import explain

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def error_page(request: Request, status: int, rule: str, message: str) -> HTMLResponse:
    """The refusal in plain words, as a page, or as the fragment the script asked for (the
    script shows it above what the user was working on, which stays in place)."""
    who = getattr(request.state, "principal", None)
    principal = who if isinstance(who, Principal) else None
    said = explain(rule, message, principal, request.url.path, request.method)
    values = {"status": status, "rule": rule, "message": message, "said": said}
    page = {"title": "Not possible", "nav": ""}
    block = fragment_of(request)
    if block is not None:
        html = templates.get_template("error_fragment.html.j2").render(block=block, **values)
        return HTMLResponse(html, status_code=status)
    context = request.app.state.parity
    assert isinstance(context, ApiContext)
    return render(request, context, "error.html.j2", values | page, status=status)


def to_login(request: Request) -> RedirectResponse:
    """A page needs a signed-in user: go to the login form, and come back afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    wanted = target if request.method == "GET" else ""
    response = RedirectResponse(f"/app/login?{urlencode({'next': wanted})}", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")  # an expired or forged session
    return response


def _problems(error: RequestValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = ".".join(str(p) for p in problem.get("loc", ()) if p not in ("query", "path"))
        parts.append(f"{where or 'request'}: {problem.get('msg', 'invalid')}")
    return "; ".join(parts) or "the address or form is not valid"


# What no field of a page may hold: C0 control characters but tab, line feed and carriage
# return (a textarea posts those), and DEL. A NUL byte cannot be stored in PostgreSQL at all
# (the driver raises, a 500); the others have no business in a name, note or reason and would
# travel into the evidence and its CSV. See docs/adr/0011, twelfth round.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _control_in(pairs: Iterable[tuple[str, Any]]) -> str | None:
    """The name of the first field whose name or text value holds a control character."""
    for key, value in pairs:
        if CONTROL.search(key) or (isinstance(value, str) and CONTROL.search(value)):
            return CONTROL.sub("?", key)[:40]
    return None


async def refused_characters(request: Request) -> str | None:
    """Why the address or the posted form cannot be read as typed text, or None."""
    named = _control_in(request.query_params.multi_items())
    content_type = request.headers.get("content-type", "")
    if named is None and request.method == "POST" and content_type.startswith(FORM_TYPES):
        named = _control_in((await request.form()).multi_items())
    if named is None:
        return None
    return (
        f"the field {named!r} holds a control character (such as a NUL byte), which no "
        "name, note or date may hold: type it again without it"
    )


class PageRoute(APIRoute):
    """An API route whose refusals render as HTML (status 4xx, the rule named)."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                refused = await refused_characters(request)
                if refused is not None:
                    return error_page(request, 400, "invalid-characters", refused)
                return await handler(request)
            except NotAuthenticated:
                return to_login(request)
            except ParityError as error:
                return error_page(request, error.http_status, error.rule, error.message)
            except RequestValidationError as error:
                return error_page(request, 400, "invalid-request", _problems(error))

        return guarded
