"""What the browser tests share: the in-memory store behind a lock (uvicorn serves the sync
page routes from a thread pool), the test's site, and screenshots kept as artifacts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from browser_region import CLINICS, THERAPIST, Region
from locked_store import LockedUnitOfWork
from playwright.sync_api import Page, ViewportSize

from parity.adapters.passwords import Argon2Passwords
from parity.domain.users import Role
from parity.services.users import AddUser, add_user

SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


def shoot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as artifacts/screenshots/<name>.png (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than its window (0: nothing to scroll sideways)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


@dataclass
class Site:
    """The app of one test: its base URL, the region behind it, and the same locked unit
    of work the app uses (to check what the pages did, between requests)."""

    base: str
    region: Region
    uow: Callable[[], LockedUnitOfWork]

    def url(self, path: str) -> str:
        return self.base + path


# -- signing in (ADR 0008) ------------------------------------------------------------------------

PASSWORD = "browser-test-password"
# user name -> (role, links); the therapist is Clinician 1, the members Dee and Ada.
USERS: dict[str, tuple[Role, dict[str, Any]]] = {
    "dee": (Role.MEMBER, {"member_id": "dee"}),
    "ada": (Role.MEMBER, {"member_id": "ada"}),
    "therapist": (Role.THERAPIST, {"clinician_id": THERAPIST}),
    "scheduler": (Role.SCHEDULER, {"clinic_ids": CLINICS}),
    "manager": (Role.MANAGER, {}),
    "auditor": (Role.AUDITOR, {}),
    "admin": (Role.ADMIN, {}),
}
# Cheap argon2 parameters for test accounts only (verification reads them from the hash).
QUICK = Argon2Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def add_users(region: Region) -> None:
    for name, (role, links) in USERS.items():
        add_user(AddUser(name, role, PASSWORD, **links), region.store, region.clock, QUICK)


def sign_in(page: Page, site: Site, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would."""
    page.goto(site.url("/app/login"))
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # The first page may pull the chart bundle: wait for the address, not every script.
    page.wait_for_url(lambda url: "/app/login" not in url, wait_until="domcontentloaded")


def csrf_of(page: Page) -> str:
    """The session's CSRF token, as a page's forms carry it."""
    return page.locator("input[name=csrf_token]").first.input_value()
