"""Every page at 1280 px and at a phone's 390 px, with every form control labelled, and the
scheduler's main path done with the keyboard alone."""

from __future__ import annotations

from browser_region import THERAPIST
from browser_support import Site, horizontal_overflow, shoot, sign_in
from playwright.sync_api import Browser, Page, expect

# page -> (who looks at it, its address)
PAGES = {
    "dashboard": ("admin", "/app/dashboard"),
    "queue": ("admin", "/app/queue"),
    "clinicians": ("admin", "/app/clinicians"),
    "plan": ("admin", "/app/plan"),
    "scenarios": ("admin", "/app/scenarios"),
    "week": ("therapist", f"/app/clinicians/{THERAPIST}/week"),
    "member": ("ada", "/app/me"),
}
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden')
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id)"""


def _visit(page: Page, site: Site, who: str, path: str, signed_in: list[str]) -> None:
    """Open `path` as `who` (signing in only when the previous page was someone else's)."""
    if who and signed_in[-1:] != [who]:
        sign_in(page, site, who)
        signed_in.append(who)
    page.goto(site.url(path))
    if page.locator(".chart").count():
        expect(page.locator(".chart .plot-container")).to_have_count(page.locator(".chart").count())


def test_every_page_fits_a_phone_with_every_control_labelled(site: Site, phone: Page) -> None:
    pages = {**PAGES, "request": ("admin", f"/app/requests/{site.region.follow_up_request}")}
    pages["evidence"] = ("admin", f"/app/requests/{site.region.violation_request}")
    pages["login"] = ("", "/app/login")
    signed_in: list[str] = []
    for name, (who, path) in pages.items():
        _visit(phone, site, who, path, signed_in)
        assert horizontal_overflow(phone) == 0, f"{name} scrolls sideways on a phone"
        assert phone.evaluate(UNLABELLED) == [], f"{name} has unlabelled form controls"
        shoot(phone, f"{name}-phone")


def test_every_page_fits_1280_pixels(site: Site, page: Page) -> None:
    signed_in: list[str] = []
    for name, (who, path) in PAGES.items():
        _visit(page, site, who, path, signed_in)
        assert horizontal_overflow(page) == 0, f"{name} scrolls sideways at 1280 px"
        if name in ("clinicians",):
            shoot(page, name)


def _tab_to(page: Page, accessible_name: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        found = page.evaluate(
            "() => { const e = document.activeElement;"
            " return (e.getAttribute('aria-label') || e.textContent || '').trim(); }"
        )
        if found.startswith(accessible_name):
            return
    raise AssertionError(f"Tab never reached {accessible_name!r}")


def test_a_scheduler_works_the_queue_with_the_keyboard_alone(site: Site, page: Page) -> None:
    request_id = site.region.follow_up_request
    sign_in(page, site, "scheduler")
    page.goto(site.url("/app/queue"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    _tab_to(page, f"#{request_id} follow-up")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Care request #{request_id}")).to_be_visible()
    _tab_to(page, "Book Wed 3 Jun 2026, 13:00 with Clinician 1")
    page.keyboard.press("Enter")
    expect(page.locator(".notice-ok")).to_contain_text("with Clinician 1")
    focused = page.evaluate("document.activeElement.className")
    assert "notice" in focused, "focus moves to the message that says what happened"


def test_without_the_script_the_answer_page_still_puts_focus_on_its_message(
    site: Site, browser: Browser
) -> None:
    # Every page works without parity.js (a script still loading, or blocked): a form then
    # posts the whole page, and the page that answers starts at the message that says what
    # happened, as the swapped fragment does with the script.
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, site, "scheduler")
        page.goto(site.url(f"/app/requests/{site.region.follow_up_request}"))
        page.get_by_role("button", name="Book Wed 3 Jun 2026, 13:00 with Clinician 1").click()
        expect(page.locator(".notice-ok")).to_contain_text("with Clinician 1")
        # The browser applies `autofocus` when it next renders, after the load: wait for it
        # (under load the page answered before focus had moved; the check is the same).
        expect(page.locator(".notice-ok")).to_be_focused()
    finally:
        context.close()
