"""What every page needs: the rules and clock (the API's context), who is looking (the
viewer), the templates, notices after an action, and fragment rendering.

Progressive enhancement: a form or link marked `data-swap="frag_x"` is sent by
`static/parity.js` with the header `X-Parity-Fragment: frag_x`; the server then renders
only that block of the same template, and the script swaps it in. Without JavaScript the
same URL answers the whole page, and a successful post redirects (post/redirect/get) with
its notice in a short-lived cookie.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any
from urllib.parse import quote, unquote, urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from parity.domain.errors import ParityError
from parity.domain.users import Principal, Role
from parity.entrypoints.api.context import ApiContext
from parity.entrypoints.security.matrix import access_for
from parity.entrypoints.web import formatting
from parity.entrypoints.web.assets import plotly_url
from parity.entrypoints.web.formatting import Formats

FRAGMENT_HEADER = "x-parity-fragment"
NOTICE_COOKIE = "parity_notice"

templates = Environment(
    loader=PackageLoader("parity.entrypoints.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.globals.update(
    pct=formatting.percent,
    hours=formatting.hours,
    money=formatting.money,
    number=formatting.number,
    words=formatting.words,
    label=formatting.label,
    cite=formatting.short_citation,
    pairs=lambda values: [(v, v) for v in values],
    label_pairs=lambda values: [(v, formatting.label(v)) for v in values],
)
templates.filters["combine"] = lambda first, second: {**first, **second}
# Macros as a global module, so a block rendered on its own (a fragment) still sees them.
templates.globals["ui"] = templates.get_template("macros.html.j2").module


# -- who is looking ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Whose view the page shows: a member's own care, a clinician's own week, or plan
    staff ("staff"). It comes from the signed-in session (ADR 0008), never from the address."""

    role: str = "staff"
    id: str = ""

    @property
    def param(self) -> str:
        return ""  # identity rides in the session cookie, not in links

    def link(self, path: str, **params: str) -> str:
        """`path` with the given parameters (empty ones dropped)."""
        kept = {key: value for key, value in params.items() if value}
        return f"{path}?{urlencode(kept)}" if kept else path


ROLES = ("member", "clinician")


def viewer(request: Request) -> Viewer:
    """The signed-in user's view (the guard has put the principal on the request)."""
    who = getattr(request.state, "principal", None)
    if isinstance(who, Principal) and who.role is Role.MEMBER and who.member_id:
        return Viewer("member", who.member_id)
    if isinstance(who, Principal) and who.role is Role.THERAPIST and who.clinician_id:
        return Viewer("clinician", who.clinician_id)
    return Viewer()


Seen = Annotated[Viewer, Depends(viewer)]


# -- notices ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A message shown after an action: `form` names the form it belongs beside (None:
    the top of the page); `kind` is "ok" or "error"; `rule` the broken rule, if any."""

    kind: str
    text: str
    form: str | None = None
    rule: str | None = None


def refusal(error: ParityError, form: str | None) -> Notice:
    return Notice("error", error.message, form, error.rule)


@dataclass
class Notices:
    items: list[Notice] = field(default_factory=list)

    def at(self, form: str | None) -> list[Notice]:
        return [n for n in self.items if n.form == form]

    def orphans(self, forms: Collection[str]) -> list[Notice]:
        """Notices of forms not on the page (shown at the top instead of being lost)."""
        return [n for n in self.items if n.form is None or n.form not in forms]


def _cookie_notice(request: Request) -> list[Notice]:
    raw = request.cookies.get(NOTICE_COOKIE)
    if not raw:
        return []
    try:
        saved = json.loads(unquote(raw))
        return [Notice(str(saved["kind"]), str(saved["text"]), saved.get("form"))]
    except (ValueError, KeyError, TypeError, RecursionError):
        return []  # a cookie from elsewhere, a bad edit or a hostile nesting: ignore it


# -- rendering -------------------------------------------------------------------------------


def may_open(who: Principal | None) -> Callable[[str], bool]:
    """Whether the signed-in user's role may open a page (the nav shows only those)."""

    def check(path: str) -> bool:
        access = access_for("GET", path)
        return access is not None and who is not None and who.role in access.roles

    return check


# The site's pages in the order the navigation lists them; each role sees those it may open.
NAV = (
    ("dashboard", "Access dashboard", "/app/dashboard"),
    ("queue", "Work queue", "/app/queue"),
    ("clinicians", "Clinicians", "/app/clinicians"),
    ("week", "My week", "/app/week"),
    ("plan", "Action plan", "/app/plan"),
    ("scenarios", "Scenario lab", "/app/scenarios"),
    ("member", "Member view", "/app/me"),
)


def nav_pages(who: Principal | None) -> list[tuple[str, str, str]]:
    """The pages the signed-in user's role may open (a therapist's own week, not the list)."""
    check = may_open(who)
    pages = [page for page in NAV if check(page[2])]
    if who is not None and who.role is Role.THERAPIST:
        pages = [page for page in pages if page[0] != "clinicians"]
    else:
        pages = [page for page in pages if page[0] != "week"]
    return pages


# Where a request's evidence opens, best first: the read-only evidence view (de-identified
# for auditors; built with the evidence rules), else the working request page.
EVIDENCE_PAGES = ("/app/requests/{request_id}/evidence", "/app/requests/{request_id}")


def evidence_href(who: Principal | None) -> Callable[[int], str]:
    """The address of a request's evidence the signed-in role may open ("" when none)."""
    check = may_open(who)
    usable = next((page for page in EVIDENCE_PAGES if check(page)), "")

    def href(request_id: int) -> str:
        return usable.replace("{request_id}", str(request_id)) if usable else ""

    return href


def may_do(who: Principal | None) -> Callable[[str, str], bool]:
    """Whether the signed-in user's role may use a route (`method`, path template): page
    controls are shown from the same route × role matrix the guard enforces."""

    def check(method: str, template: str) -> bool:
        access = access_for(method, template)
        return access is not None and who is not None and who.role in access.roles

    return check


def formats(context: ApiContext) -> Formats:
    rules = context.policy.rules
    return Formats(rules.timezone, rules.calendar, context.clock.now())


def fragment_of(request: Request) -> str | None:
    name = request.headers.get(FRAGMENT_HEADER, "")
    return name if name.startswith("frag_") else None


def render(
    request: Request,
    context: ApiContext,
    template: str,
    values: Mapping[str, Any],
    *,
    status: int = 200,
    notices: list[Notice] | None = None,
) -> HTMLResponse:
    """The page, or only the block the fragment header names (when it has one)."""
    compiled = templates.get_template(template)
    posted = _cookie_notice(request)
    shared: dict[str, Any] = {
        "request": request,
        "path": request.url.path,
        "fmt": formats(context),
        "rules": context.policy.rules,
        "contract": context.policy.contract,
        "notices": Notices([*posted, *(notices or [])]),
        "form": {},
        "plotly_path": plotly_url(),
        "csrf": getattr(request.state, "csrf", ""),
        "may_open": may_open(getattr(request.state, "principal", None)),
        "may": may_do(getattr(request.state, "principal", None)),
        "nav_pages": nav_pages(getattr(request.state, "principal", None)),
        "evidence_href": evidence_href(getattr(request.state, "principal", None)),
        "principal": getattr(request.state, "principal", None),
    }
    scope = {**shared, **values}
    block = fragment_of(request)
    if block is not None and block in compiled.blocks:
        html = "".join(compiled.blocks[block](compiled.new_context(scope)))
    else:
        html = compiled.render(scope)
    response = HTMLResponse(html, status_code=status)
    if posted:
        response.delete_cookie(NOTICE_COOKIE, path="/app")
    return response


def redirect(url: str, notice: Notice | None = None) -> RedirectResponse:
    """Post/redirect/get: the notice rides along in a cookie the next page reads once."""
    response = RedirectResponse(url, status_code=303)
    if notice is not None:
        response.set_cookie(
            NOTICE_COOKIE,
            quote(json.dumps(asdict(notice))),
            max_age=60,
            path="/app",
            httponly=True,
            samesite="lax",
        )
    return response


def wants_fragment(request: Request) -> bool:
    return fragment_of(request) is not None


Values = Mapping[str, str]
PageFor = Callable[[list[Notice], int, Values], Response]


def act(
    request: Request,
    form: str,
    action: Callable[[], str],
    page: PageFor,
    back: str,
    values: Values,
) -> Response:
    """Run a form's action through the services. Success: the refreshed fragment for the
    script, else a redirect to `back`; a refusal: the page again with the rule's message
    beside the form, the values kept, and the rule's 4xx status (never a 500)."""
    try:
        message = action()
    except ParityError as error:
        return page([refusal(error, form)], error.http_status, values)
    notice = Notice("ok", message, form)
    if wants_fragment(request):
        return page([notice], 200, {})
    return redirect(back, notice)


@dataclass(frozen=True)
class Posted(ABC):
    """A form posted from a page, and how that page answers it: `act` runs the action;
    a refusal shows the page `again` (the message beside the form, what was typed kept),
    success goes `back` to it. Each page with forms says how, in a subclass read from the
    post by a FastAPI dependency (`async`, so it is not handed to a worker thread:
    docs/adr/0017-booking-api-speed.md)."""

    request: Request
    context: ApiContext

    def act(self, form: str, action: Callable[[], str], values: Values | None = None) -> Response:
        return act(self.request, form, action, self.again, self.back, values or {})

    @abstractmethod
    def again(self, notices: list[Notice], status: int, values: Values) -> Response: ...

    @property
    @abstractmethod
    def back(self) -> str: ...
