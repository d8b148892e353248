"""Fixtures for the browser tests: Parity served by uvicorn on loopback, driven by Debian's
Chromium through Playwright (never a downloaded browser), screenshots kept as artifacts.

One server runs for the whole session; each test gets a freshly built region (see
browser_region.py) behind a new app, swapped in front of that server. Without
/usr/bin/chromium the tests skip with a notice, unless PARITY_REQUIRE_BROWSER=1 (CI), which
makes a missing browser a failure.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from browser_region import build
from browser_support import DESKTOP, PHONE, Site, add_users
from locked_store import locked
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, expect, sync_playwright

from parity.adapters.rules_files import load_contract, load_rules
from parity.entrypoints.api import create_app
from parity.services.policy import Policy

CHROMIUM = "/usr/bin/chromium"
# Assertions wait as long as actions do: on a shared, loaded machine the chart bundle can
# take more than the default 5 s to draw (a patience, not a timing assertion).
expect.set_options(timeout=10_000)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("PARITY_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"{CHROMIUM} is missing and PARITY_REQUIRE_BROWSER=1")
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason=f"!!! browser tests skipped: {CHROMIUM} is not installed")
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(skip)


class Switch:
    """An ASGI app that forwards to whichever Parity app the current test installed."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


@dataclass
class Server:
    base: str
    switch: Switch


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    switch = Switch()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(switch, lifespan="off", log_level="warning", access_log=False)
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(
        target=uvicorn_server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 15
    while not uvicorn_server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield Server(f"http://127.0.0.1:{port}", switch)
    uvicorn_server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="session")
def policy() -> Policy:
    return Policy(load_rules(), load_contract("socal-2025"))


@pytest.fixture
def site(server: Server, policy: Policy) -> Site:
    region = build(policy)
    add_users(region)
    uow = locked(region.store)
    server.switch.app = create_app(uow, region.policy, region.clock)
    return Site(server.base, region, uow)


@pytest.fixture
def waitlist_site(server: Server, policy: Policy) -> Site:
    """The same region served with the waitlist switched on (as `parity serve` runs it), so
    clinic cancellations are offered a timely slot at once."""
    region = build(policy)
    add_users(region)
    uow = locked(region.store)
    waitlist = replace(region.policy.waitlist, enabled=True)
    server.switch.app = create_app(uow, replace(region.policy, waitlist=waitlist), region.clock)
    return Site(server.base, region, uow)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    found = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield found
    found.close()


def _page(browser: Browser, viewport: ViewportSize) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A desktop window, 1280 px wide."""
    yield from _page(browser, DESKTOP)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A phone-sized window, 390 px wide."""
    yield from _page(browser, PHONE)
