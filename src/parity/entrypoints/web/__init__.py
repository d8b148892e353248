"""The web pages: fast, plain, server-rendered HTML over the same services as the API.

`router` serves everything under `/app/` (the FHIR API owns the root paths) plus a
redirect from `/` to the access dashboard. See docs/adr/0007-server-rendered-pages.md.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from parity.entrypoints.web import (
    absences,
    assets,
    care,
    dashboard,
    evidence,
    exports,
    lab,
    login,
    member,
    offer_links,
    plan,
    queue,
    week,
)
from parity.entrypoints.web.routing import PageRoute, error_page

pages = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)
# offer_links: public, signed-link pages (the token is the credential; no login).
for module in (
    assets,
    login,
    dashboard,
    queue,
    evidence,
    care,
    week,
    absences,
    plan,
    exports,
    lab,
    member,
    offer_links,
):
    pages.include_router(module.router)


@pages.get("")
@pages.get("/")
def app_home(request: Request) -> RedirectResponse:
    """The signed-in user's own first page (the login form for nobody)."""
    return RedirectResponse(login.home_of(request), status_code=307)


@pages.get("/{rest:path}")
def not_found(rest: str, request: Request) -> HTMLResponse:
    """Unknown page addresses answer an HTML 404 (the API's own 404s stay FHIR)."""
    return error_page(request, 404, "not-found", f"there is no page /app/{rest}")


router = APIRouter(include_in_schema=False)
router.include_router(pages)


@router.get("/")
def home(request: Request) -> RedirectResponse:
    """The site's front door opens on the signed-in user's first page."""
    return RedirectResponse(login.home_of(request), status_code=307)


__all__ = ["router"]
