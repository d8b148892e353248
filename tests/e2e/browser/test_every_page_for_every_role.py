"""Every page each role can open, in Chromium at desktop and phone sizes
(docs/adr/0016-pages-for-each-role.md):

- its controls come from the route × role matrix: no form posts, and no link leads, where
  the guard would refuse this role (the matrix is the spec, read independently here);
- axe-core (vendored, run offline) finds no serious or critical accessibility violation;
- it fits a phone (nothing to scroll sideways);
- a screenshot of it is kept: artifacts/screenshots/<role>-<page>-<desktop|phone>.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_region import THERAPIST
from browser_support import DESKTOP, PHONE, USERS, Site, horizontal_overflow, shoot, sign_in
from playwright.sync_api import Browser, Page

from parity.domain.users import Role
from parity.entrypoints.security.matrix import PAGES

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
CATCH_ALL = "/app/{rest:path}"


def pages_of(role: str, site: Site) -> list[tuple[str, str]]:
    """The pages a person in this role works in (name, address)."""
    request = f"/app/requests/{site.region.follow_up_request}"
    week = f"/app/clinicians/{THERAPIST}/week"
    return {
        "ada": [("me", "/app/me")],
        "therapist": [("week", "/app/week"), ("request", request)],
        "scheduler": [
            ("queue", "/app/queue"),
            ("request", request),
            ("clinicians", "/app/clinicians?clinic=san-diego"),
            ("week", week),
            ("dashboard", "/app/dashboard"),
        ],
        "manager": [
            ("dashboard", "/app/dashboard"),
            ("plan", "/app/plan"),
            ("request", request),
            ("week", week),
            ("scenarios", "/app/scenarios"),
        ],
        "auditor": [("dashboard", "/app/dashboard"), ("plan", "/app/plan")],
        "admin": [("dashboard", "/app/dashboard"), ("queue", "/app/queue"), ("request", request)],
    }[role]


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(
        "^"
        + re.sub(r"\{[^}]+\}", "[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
        + "$"
    )


def allowed(method: str, path: str, role: Role) -> bool:
    """Whether the matrix lets `role` use `method path` (the most specific template wins)."""
    found = [
        access
        for (m, template), access in PAGES.items()
        if m == method and template != CATCH_ALL and _pattern(template).match(path)
    ]
    return any(access.public or role in access.roles for access in found)


def controls(page: Page) -> tuple[list[str], list[str]]:
    """The paths every post form sends to, and every link to a page of the site opens."""
    posts = page.eval_on_selector_all(
        "form[method=post]", "forms => forms.map(f => new URL(f.action).pathname)"
    )
    links = page.eval_on_selector_all(
        "a[href^='/app/']", "links => links.map(a => a.getAttribute('href').split(/[?#]/)[0])"
    )
    return posts, links


def serious_violations(page: Page) -> list[str]:
    if page.locator(".chart").count():
        page.wait_for_selector(".chart[data-drawn]", state="attached")
    # Evaluated through the browser's debugging protocol: the page's CSP (script-src 'self')
    # rightly refuses an injected inline script, and the test must not weaken it.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in BLOCKING
    ]


SIZES = (("desktop", DESKTOP), ("phone", PHONE))


def check_desktop(page: Page, user: str, path: str) -> None:
    role = USERS[user][0]
    posts, links = controls(page)
    refused = [p for p in posts if not allowed("POST", p, role)]
    dead = [p for p in links if not allowed("GET", p, role)]
    assert not refused, f"{user} on {path} sees forms it may not use: {refused}"
    assert not dead, f"{user} on {path} sees links it may not open: {dead}"
    found = serious_violations(page)
    assert not found, f"axe on {path} as {user}: {found}"


# One member stands for both (Dee's pages are Ada's, with another member's records).
ROLES = [user for user in USERS if user != "dee"]


@pytest.mark.parametrize("user", ROLES)
def test_every_page_shows_only_what_the_role_may_do_and_passes_axe(
    site: Site, browser: Browser, user: str
) -> None:
    for size, viewport in SIZES:
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        sign_in(page, site, user)
        for name, path in pages_of(user, site):
            answer = page.goto(site.url(path))
            assert answer is not None
            assert answer.status == 200, f"{user} {path}"
            if size == "desktop":
                check_desktop(page, user, path)
            else:
                assert horizontal_overflow(page) <= 1, f"{path} scrolls sideways on a phone"
            shoot(page, f"{user}-{name}-{size}")
        context.close()
