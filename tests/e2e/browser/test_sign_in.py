"""Signing in and out of the pages: the login form, a wrong password, the session cookie's
flags, and pages closed again after signing out."""

from __future__ import annotations

from browser_support import PASSWORD, Site, shoot, sign_in
from playwright.sync_api import Page, expect


def test_a_page_asks_for_sign_in_then_opens_and_signing_out_closes_it(
    site: Site, page: Page
) -> None:
    page.goto(site.url("/app/queue"))
    expect(page).to_have_url(site.url("/app/login?next=%2Fapp%2Fqueue"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shoot(page, "login")

    page.get_by_label("User name").fill("scheduler")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".notice-error")).to_contain_text("wrong user name or password")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(site.url("/app/queue"))
    expect(page.locator(".viewer-banner")).to_contain_text("Signed in as scheduler")
    session = {c["name"]: c for c in page.context.cookies()}["parity_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(site.url("/app/login"))
    page.goto(site.url("/app/queue"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_member_cannot_open_staff_pages(site: Site, page: Page) -> None:
    sign_in(page, site, "ada")
    answer = page.goto(site.url("/app/queue"))
    assert answer is not None
    assert answer.status == 403
    main = page.locator("main")
    expect(main).to_contain_text("This page or record is not open to your role (member).")
    expect(main).not_to_contain_text("GET /app/queue")  # plain words, not the route
    # The way on links only to pages a member may open.
    links = main.get_by_role("link")
    expect(links).to_have_count(1)
    expect(links.first).to_have_attribute("href", "/app/me")
